"""``/quan-ly/ma-truy-cap``: administrators only; a token created on the page is shown once,
works on the API, and stops working once revoked or rotated; each change is audited as the CLI
audits it; bad input is refused next to its field."""

from __future__ import annotations

import re

import httpx
import pytest

from hub.app.web.staff.tools import TOKENS
from hub.audit import AuditFilter, actions
from hub.auth.tokens import Role
from tests.unit.web.staff.staff_visit import ADMIN, StaffVisit, citizen, csrf, steward, words

PAGE = TOKENS.path
API = "/api/v1/audit"
PLAINTEXT = re.compile(r"kho_[0-9a-f]{12}_[A-Za-z0-9_-]+")


def _create(visit: StaffVisit, **data: object) -> httpx.Response:
    page = visit.get(PAGE)
    form_id = re.search(r'name="form_id" value="([^"]+)"', page.text)
    assert form_id is not None
    return visit.client.post(
        PAGE,
        data={"csrf_token": csrf(page.text), "form_id": form_id.group(1), **data},
    )


def _api(visit: StaffVisit, plaintext: str) -> int:
    answer = visit.client.get(API, headers={"Authorization": f"Bearer {plaintext}"})
    return answer.status_code


def _plaintext(html: str) -> str:
    found = PLAINTEXT.search(html)
    assert found is not None, "no token on the page"
    return found.group(0)


def test_a_visitor_is_sent_to_sign_in(visit: StaffVisit) -> None:
    """A visitor goes to sign in and comes back to the tokens page."""
    answer = visit.get(PAGE)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/dang-nhap?next=%2Fquan-ly%2Fma-truy-cap"


@pytest.mark.parametrize("person", [steward("so-nnmt"), citizen()])
def test_only_administrators_open_it(visit: StaffVisit, person: str) -> None:
    """A steward and a citizen get the 403 page, on the list and on every action."""
    visit.sign_in(person)
    assert visit.get(PAGE).status_code == 403
    token = csrf(visit.get("/dang-xuat").text)  # this session's token, from its sign-out form
    for path in (PAGE, f"{PAGE}/0123456789ab/doi", f"{PAGE}/0123456789ab/thu-hoi"):
        assert visit.client.post(path, data={"csrf_token": token}).status_code == 403


def test_created_token_is_shown_once_works_and_stops_after_revoke(visit: StaffVisit) -> None:
    """The token appears once, in the no-store answer to the POST; it opens the API; posting
    the same form again shows nothing; revoked (with its id typed), the API refuses it."""
    visit.sign_in(ADMIN)
    page = visit.get(PAGE)
    form_id = re.search(r'name="form_id" value="([^"]+)"', page.text)
    assert form_id is not None
    data = {
        "csrf_token": csrf(page.text),
        "form_id": form_id.group(1),
        "agency": "so-yt",
        "roles": ["consumer", "admin"],
        "days": "30",
    }
    answer = visit.client.post(PAGE, data=data)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert "Hãy sao chép mã này ngay" in words(answer.text)
    plaintext = _plaintext(answer.text)
    token_id = plaintext.split("_")[1]
    assert _api(visit, plaintext) == 200

    again = visit.client.post(PAGE, data=data)
    assert again.status_code == 303 and again.headers["location"] == f"{PAGE}?xong=da-cap"
    listed = visit.get(PAGE)
    assert PLAINTEXT.search(listed.text) is None
    assert token_id in listed.text and "Hiệu lực" in words(listed.text)
    assert '<th scope="col">Mã số</th>' in listed.text  # roles in Vietnamese, code beside
    assert 'Quản trị <code class="role-code">admin</code>' in listed.text
    assert len(visit.hub.tokens.describe("so-yt")) == 1

    entry = visit.hub.audit.query(AuditFilter(action=actions.TOKEN_CREATE))[-1]
    assert entry.actor.principal == "token:sso:quan-tri"
    assert entry.details == {
        "agency": "so-yt",
        "token_id": token_id,
        "roles": ["admin", "consumer"],
        "days": 30,
    }

    wrong = visit.post_form(f"{PAGE}/{token_id}/thu-hoi", {"xac_nhan": "nhầm"}, form_page=PAGE)
    assert wrong.status_code == 422
    assert f"Hãy gõ đúng mã số {token_id}" in words(wrong.text)
    assert _api(visit, plaintext) == 200

    revoked = visit.post_form(f"{PAGE}/{token_id}/thu-hoi", {"xac_nhan": token_id}, form_page=PAGE)
    assert revoked.status_code == 303 and revoked.headers["location"] == f"{PAGE}?xong=thu-hoi"
    assert _api(visit, plaintext) == 401
    entry = visit.hub.audit.query(AuditFilter(action=actions.TOKEN_REVOKE))[-1]
    assert (entry.actor.principal, entry.details) == ("token:sso:quan-tri", {"token_id": token_id})
    assert "Đã thu hồi lúc" in words(visit.get(PAGE).text)


def test_rotate_shows_the_new_token_once_and_retires_the_old(visit: StaffVisit) -> None:
    """Rotating gives a new token with the same agency and roles, shown once; the old one is
    refused at once, as `kho token rotate` does; rotating the old one again finds nothing."""
    old = visit.hub.tokens.create("so-ct", frozenset({Role.ADMIN}))
    visit.sign_in(ADMIN)
    assert _api(visit, old.plaintext) == 200
    answer = visit.post_form(f"{PAGE}/{old.token_id}/doi", form_page=PAGE)
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    assert f"Mã mới thay cho mã {old.token_id}" in words(answer.text)
    new = _plaintext(answer.text)
    assert new != old.plaintext
    assert _api(visit, new) == 200
    assert _api(visit, old.plaintext) == 401
    info = {t.token_id: t for t in visit.hub.tokens.describe("so-ct")}
    assert info[new.split("_")[1]].roles == frozenset({Role.ADMIN})
    entry = visit.hub.audit.query(AuditFilter(action=actions.TOKEN_ROTATE))[-1]
    assert entry.details == {"old": old.token_id, "new": new.split("_")[1], "grace_hours": 0}
    twice = visit.post_form(f"{PAGE}/{old.token_id}/doi", form_page=PAGE)
    assert twice.status_code == 404 and PLAINTEXT.search(twice.text) is None


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"agency": "so-khong-co", "roles": "consumer"}, "agency", "không có trong danh mục"),
        ({"agency": "", "roles": "consumer"}, "agency", "Hãy chọn cơ quan"),
        ({"agency": "so-yt", "roles": "superuser"}, "roles", "Vai trò không có: superuser"),
        ({"agency": "so-yt"}, "roles", "ít nhất một vai trò"),
        ({"agency": "so-yt", "roles": "consumer", "days": "0"}, "days", "từ 1 đến 3650"),
        ({"agency": "so-yt", "roles": "consumer", "days": "9999999999"}, "days", "từ 1 đến"),
        ({"agency": "so-yt", "roles": "consumer", "days": "ba mươi"}, "days", "số nguyên"),
    ],
)
def test_bad_input_is_refused_next_to_its_field(
    visit: StaffVisit, data: dict[str, str], field: str, message: str
) -> None:
    """Unknown agency or role, no role, a bad validity: 422, the message beside the field,
    and no token issued."""
    visit.sign_in(ADMIN)
    answer = _create(visit, **data)
    assert answer.status_code == 422
    error = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', answer.text)
    assert error is not None and message in error.group(1)
    assert PLAINTEXT.search(answer.text) is None
    assert visit.hub.tokens.describe() == []


def test_a_form_without_its_csrf_token_is_refused(visit: StaffVisit) -> None:
    """Creating a token without the session's CSRF token: 403, nothing issued."""
    visit.sign_in(ADMIN)
    answer = visit.client.post(PAGE, data={"agency": "so-yt", "roles": "consumer"})
    assert answer.status_code == 403
    assert visit.hub.tokens.describe() == []
