"""A browser-less visit to the staff pages on the embedded defaults, signed in through the
development sign-in: ``sign_in("quan-ly-so-nnmt")``, ``get``, ``post_form`` (with the page's
CSRF token), and ``words`` (a page's text, tags removed)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx2
from starlette.testclient import TestClient

from hub.app.api import build_app
from hub.app.wiring import Hub

ADMIN = "quan-tri"
"""The sample administrator (agency vp-ubnd)."""


def steward(agency: str) -> str:
    """The sample steward of an agency."""
    return f"quan-ly-{agency}"


def citizen(cccd: str = "082095000123") -> str:
    return f"cong-dan-{cccd}"


@dataclass
class StaffVisit:
    hub: Hub
    client: TestClient

    def sign_in(self, person: str) -> None:
        self.client.cookies.clear()
        page = self.client.get("/dang-nhap", params={"next": "/quan-ly"})
        answer = self.client.post(
            "/dang-nhap",
            data={"person": person, "next": "/quan-ly", "csrf_token": csrf(page.text)},
        )
        assert answer.status_code == 303, answer.text

    def get(self, path: str, **params: Any) -> httpx2.Response:
        return self.client.get(path, params=params or None)

    def post_form(
        self, path: str, data: Mapping[str, Any] | None = None, *, form_page: str | None = None
    ) -> httpx2.Response:
        """Posts ``data`` to ``path`` with the CSRF token of ``form_page`` (default: ``path``)."""
        page = self.client.get(form_page or path)
        return self.client.post(path, data={**(data or {}), "csrf_token": csrf(page.text)})


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]*)"', html)
    assert found is not None, "no csrf_token field"
    return found.group(1)


def words(html: str) -> str:
    """The page's words, tags removed and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def staff_visit(hub: Hub) -> Iterator[StaffVisit]:
    with TestClient(build_app(hub), follow_redirects=False) as client:
        yield StaffVisit(hub, client)
