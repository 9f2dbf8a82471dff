"""``/quan-ly``: a visitor goes to sign in, a citizen gets the 403 page, a steward sees the
stewards' tools and not the administrators', an administrator sees every tool."""

from __future__ import annotations

from hub.app.web.staff.tools import AUDIT_LOG, TOKENS, TOOLS
from tests.unit.web.staff.staff_visit import ADMIN, StaffVisit, citizen, steward, words


def test_a_visitor_is_sent_to_sign_in_and_back(visit: StaffVisit) -> None:
    answer = visit.get("/quan-ly")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/dang-nhap?next=%2Fquan-ly"


def test_a_citizen_is_refused_in_vietnamese(visit: StaffVisit) -> None:
    visit.sign_in(citizen())
    answer = visit.get("/quan-ly")
    assert answer.status_code == 403
    assert "dành cho cán bộ" in words(answer.text)


def test_a_steward_sees_the_stewards_tools_only(visit: StaffVisit) -> None:
    visit.sign_in(steward("so-nnmt"))
    answer = visit.get("/quan-ly")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    shown = words(answer.text)
    for tool in TOOLS:
        assert (tool.label in shown) is (tool not in (TOKENS, AUDIT_LOG)), tool.label


def test_an_administrator_sees_every_tool(visit: StaffVisit) -> None:
    visit.sign_in(ADMIN)
    shown = words(visit.get("/quan-ly").text)
    assert all(tool.label in shown for tool in TOOLS)
