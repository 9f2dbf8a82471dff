"""A signed-in person's name is in the header of every page, public ones too: each HTML page
answered to a signed-in session says ``Cache-Control: no-store``; a visitor's public page and
the static files stay cacheable."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.app.wiring import Hub
from tests.unit.web.staff.staff_visit import ADMIN, StaffVisit, citizen, staff_visit

PUBLIC_PAGES = ("/", "/du-lieu")


@pytest.fixture
def visit(embedded_hub: Hub) -> Iterator[StaffVisit]:
    yield from staff_visit(embedded_hub)


def test_a_visitors_public_page_may_be_cached(visit: StaffVisit) -> None:
    """Without a session, a public page is not marked no-store (the rule is about the person)."""
    for path in PUBLIC_PAGES:
        answer = visit.get(path)
        assert answer.status_code == 200
        assert "no-store" not in answer.headers.get("cache-control", ""), path


@pytest.mark.parametrize("person", [ADMIN, citizen()])
def test_public_pages_answered_to_a_signed_in_person_are_not_stored(
    visit: StaffVisit, person: str
) -> None:
    """Signed in, the same public pages carry the person's name and are answered no-store;
    the style sheet, not HTML, keeps its own caching."""
    visit.sign_in(person)
    for path in PUBLIC_PAGES:
        answer = visit.get(path)
        assert answer.status_code == 200 and "signin-name" in answer.text, path
        assert answer.headers["cache-control"] == "no-store", path
    sheet = visit.get("/static/kho.css")
    assert sheet.status_code == 200
    assert sheet.headers.get("cache-control") != "no-store"
