"""The citizen's pages ("Dữ liệu của tôi", /cua-toi) on the embedded defaults, signed in through
the development sign-in: my evidence with its versions, my consents (grant, revoke, CSRF, errors
next to the field), who read my data, one citizen kept out of another's data, staff refused."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient

from hub.app.api import build_app
from hub.app.wiring import Hub
from hub.audit import actions
from hub.audit.entry import AuditFilter
from hub.auth.tokens import Role
from hub.vietnam_time import VIETNAM_TZ, vietnam_today

AN = "082095000123"  # sample citizen Nguyễn Văn An
BINH = "082195000123"  # sample citizen Trần Thị Bình
RECORD_PROCEDURE = "1.000656"  # Cấp Phiếu lý lịch tư pháp: needs birth certificate, consent only


@dataclass
class Visit:
    hub: Hub
    client: TestClient
    tokens: dict[str, str]

    def sign_in(self, person: str) -> None:
        self.client.cookies.clear()
        page = self.client.get("/dang-nhap", params={"next": "/cua-toi"})
        answer = self.client.post(
            "/dang-nhap",
            data={"person": person, "next": "/cua-toi", "csrf_token": csrf(page.text)},
        )
        assert answer.status_code == 303, answer.text

    def record(self, subject_id: str, evidence_id: str, **fields: Any) -> None:
        body = {
            "evidence_id": evidence_id,
            "subject_id": subject_id,
            "evidence_type": "giay-khai-sinh",
            "issuing_agency": "vp-ubnd",
            "issued_on": "1995-03-02",
            "attributes": {"so": evidence_id},
            **fields,
        }
        answer = self.client.post("/api/v1/evidence", json=body, headers=self._bearer("vp-ubnd"))
        assert answer.status_code in (200, 201), answer.text

    def prefill(self, subject_id: str) -> Any:
        return self.client.get(
            f"/api/v1/subjects/{subject_id}/prefill",
            params={"procedure": RECORD_PROCEDURE},
            headers=self._bearer("so-yt"),
        )

    def grant(self, **fields: Any) -> Any:
        page = self.client.get("/cua-toi/dong-y")
        data = {
            "agency": "so-yt",
            "purpose": RECORD_PROCEDURE,
            "evidence_types": ["giay-khai-sinh"],
            "expires_at": (vietnam_today() + dt.timedelta(days=30)).isoformat(),
            "csrf_token": csrf(page.text),
            **fields,
        }
        return self.client.post("/cua-toi/dong-y", data=data)

    def revoke(self, consent_id: str, token: str | None = None) -> Any:
        page = self.client.get("/cua-toi/dong-y")
        data = {"csrf_token": token if token is not None else csrf(page.text)}
        return self.client.post(f"/cua-toi/dong-y/{consent_id}/rut", data=data)

    def consents(self, subject_id: str) -> list[Any]:
        return self.hub.provide_once.consents.of_subject(subject_id)

    def _bearer(self, agency: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[agency]}"}


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]*)"', html)
    assert found is not None, "no csrf_token field"
    return found.group(1)


def text(html: str) -> str:
    """The page's words, tags removed and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def visit(embedded_hub: Hub) -> Iterator[Visit]:
    tokens = {
        "vp-ubnd": embedded_hub.tokens.create("vp-ubnd", frozenset({Role.PRODUCER})).plaintext,
        "so-yt": embedded_hub.tokens.create("so-yt", frozenset({Role.CONSUMER})).plaintext,
    }
    with TestClient(build_app(embedded_hub), follow_redirects=False) as client:
        yield Visit(embedded_hub, client, tokens)


def test_a_visitor_is_sent_to_sign_in_and_back(visit: Visit) -> None:
    """An anonymous visitor to /cua-toi/dong-y goes to the sign-in with the page as ``next``."""
    answer = visit.client.get("/cua-toi/dong-y")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/dang-nhap?next=%2Fcua-toi%2Fdong-y"


def test_my_evidence_shows_each_item_its_versions_and_its_issuer(visit: Visit) -> None:
    """The citizen sees their birth certificate, both its versions and the issuing agency, under
    a plain explanation, on a page the browser does not store; another's evidence is absent."""
    visit.record(AN, "KS-AN-1")
    visit.record(AN, "KS-AN-1", attributes={"so": "sửa"}, correction_reason="Sai tên cha")
    visit.record(BINH, "KS-BINH-1")
    visit.sign_in(f"cong-dan-{AN}")
    page = visit.client.get("/cua-toi")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    words = text(page.text)
    assert "Đây là các giấy tờ mà cơ quan nhà nước đã cấp cho bạn" in words
    assert "Giấy khai sinh" in words and "KS-AN-1" in words
    assert "Cơ quan cấp" in words and "Văn phòng" in words
    assert "Các phiên bản (2)" in words and "Sai tên cha" in words
    assert "KS-BINH-1" not in words


def test_a_granted_consent_appears_and_is_audited_as_the_api_audits_it(visit: Visit) -> None:
    """The form's consent is stored for the signed-in citizen, listed on the page, and audited
    as consent.grant by ``subject:<cccd>``, as the API does."""
    visit.sign_in(f"cong-dan-{AN}")
    answer = visit.grant()
    assert answer.status_code == 303
    assert answer.headers["location"] == "/cua-toi/dong-y?xong=cap"
    [consent] = visit.consents(AN)
    assert (consent.agency, consent.purpose) == ("so-yt", RECORD_PROCEDURE)
    expires = consent.expires_at.replace(tzinfo=consent.expires_at.tzinfo or dt.UTC)
    assert expires.astimezone(VIETNAM_TZ).time() == dt.time(23, 59, 59)
    words = text(visit.client.get("/cua-toi/dong-y?xong=cap").text)
    assert "Đã ghi đồng ý của bạn" in words
    assert consent.consent_id in words and "Đang hiệu lực" in words
    [entry] = visit.hub.audit.query(AuditFilter(action=actions.CONSENT_GRANT), limit=10)
    assert entry.actor.principal == f"subject:{AN}"
    assert entry.details["consent_id"] == consent.consent_id


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"agency": ""}, "agency", "Hãy chọn cơ quan"),
        ({"agency": "so-khong-co"}, "agency", "Không có cơ quan"),
        ({"purpose": "9.999999"}, "purpose", "mã thủ tục hành chính có trong danh mục"),
        ({"evidence_types": []}, "evidence_types", "ít nhất một loại giấy tờ"),
        ({"evidence_types": ["bang-tot-nghiep-thpt"]}, "evidence_types", "không cần"),
        ({"expires_at": "31/12/2026"}, "expires_at", "Hãy chọn ngày hết hạn"),
        ({"expires_at": "2001-01-01"}, "expires_at", "đã qua"),
        ({"expires_at": "2099-01-01"}, "expires_at", "tối đa 5 năm"),
    ],
)
def test_a_bad_consent_is_shown_again_with_the_error_next_to_its_field(
    visit: Visit, fields: dict[str, Any], field: str, message: str
) -> None:
    """Each wrong field is a 422 page whose error sits under that field, and nothing is stored."""
    visit.sign_in(f"cong-dan-{AN}")
    answer = visit.grant(**fields)
    assert answer.status_code == 422
    error = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', answer.text)
    assert error is not None, f"no error under {field}"
    assert message in error.group(1)
    assert visit.consents(AN) == []


def test_forms_without_their_csrf_token_are_403_and_change_nothing(visit: Visit) -> None:
    """Granting or revoking without the session's CSRF token is a 403 page; nothing changes."""
    visit.sign_in(f"cong-dan-{AN}")
    assert visit.grant(csrf_token="").status_code == 403
    assert visit.consents(AN) == []
    assert visit.grant().status_code == 303
    [consent] = visit.consents(AN)
    assert visit.revoke(consent.consent_id, token="gia-mao").status_code == 403
    assert visit.consents(AN)[0].revoked_at is None


def test_a_revocation_holds_from_the_agencys_next_prefill(visit: Visit) -> None:
    """With the consent granted on the page so-yt's prefill (the API) gets the birth
    certificate; once revoked on the page, its next prefill is refused as consent_revoked."""
    visit.record(AN, "KS-AN-1")
    visit.sign_in(f"cong-dan-{AN}")
    assert visit.grant().status_code == 303
    [consent] = visit.consents(AN)
    allowed = visit.prefill(AN)
    assert allowed.status_code == 200, allowed.text
    assert [e["consent_id"] for e in allowed.json()["evidence"]] == [consent.consent_id]

    answer = visit.revoke(consent.consent_id)
    assert (answer.status_code, answer.headers["location"]) == (303, "/cua-toi/dong-y?xong=rut")
    refused = visit.prefill(AN)
    assert refused.status_code == 403
    missing = {m["evidence_type"]: m["reason"] for m in refused.json()["error"]["missing"]}
    assert missing["giay-khai-sinh"] == "consent_revoked"
    words = text(visit.client.get("/cua-toi/dong-y").text)
    assert "Đã rút lúc" in words
    revoked = visit.hub.audit.query(AuditFilter(action=actions.CONSENT_REVOKE), limit=10)
    assert [e.actor.principal for e in revoked] == [f"subject:{AN}"]


def test_who_read_my_data_shows_agency_procedure_basis_and_vietnam_time(visit: Visit) -> None:
    """Each read by an agency is listed with the agency, the procedure, the consent it relied on
    and the time as dd/mm/yyyy HH:MM in Vietnam time; another citizen sees none of it."""
    visit.record(AN, "KS-AN-1")
    visit.sign_in(f"cong-dan-{AN}")
    visit.grant()
    [consent] = visit.consents(AN)
    assert visit.prefill(AN).status_code == 200
    [read] = visit.hub.audit.query(AuditFilter(action=actions.EVIDENCE_READ), limit=10)
    at = read.at.replace(tzinfo=read.at.tzinfo or dt.UTC).astimezone(VIETNAM_TZ)
    page = visit.client.get("/cua-toi/ai-da-xem")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    words = text(page.text)
    assert "Sở Y tế" in words
    assert f"Cấp Phiếu lý lịch tư pháp ({RECORD_PROCEDURE})" in words
    assert "KS-AN-1 (phiên bản 1)" in words
    assert f"Giấy khai sinh: theo đồng ý của bạn ({consent.consent_id})" in words
    assert at.strftime("%d/%m/%Y %H:%M") in words

    visit.sign_in(f"cong-dan-{BINH}")
    other = text(visit.client.get("/cua-toi/ai-da-xem").text)
    assert "Chưa cơ quan nào xem dữ liệu của bạn" in other and "KS-AN-1" not in other


def test_a_read_by_law_names_the_legal_basis(visit: Visit) -> None:
    """A read the law allows without consent shows the procedure's legal basis."""
    visit.record(AN, "KS-AN-1")
    token = visit.hub.tokens.create("vp-ubnd", frozenset({Role.CONSUMER})).plaintext
    answer = visit.client.get(
        f"/api/v1/subjects/{AN}/prefill",
        params={"procedure": "1.000894"},  # Đăng ký kết hôn: the birth certificate by law
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200, answer.text
    visit.sign_in(f"cong-dan-{AN}")
    words = text(visit.client.get("/cua-toi/ai-da-xem").text)
    assert "Giấy khai sinh: theo quy định — Luật Hộ tịch 2014" in words


def test_one_citizen_cannot_touch_anothers_consent(visit: Visit) -> None:
    """Bình revoking An's consent by its id is a 404 and An's consent stays active; the pages
    carry no subject in the URL, so Bình's /cua-toi shows only Bình's data."""
    visit.record(AN, "KS-AN-1")
    visit.sign_in(f"cong-dan-{AN}")
    visit.grant()
    [consent] = visit.consents(AN)

    visit.sign_in(f"cong-dan-{BINH}")
    answer = visit.revoke(consent.consent_id)
    assert answer.status_code == 404
    assert visit.consents(AN)[0].revoked_at is None
    for path in ("/cua-toi", "/cua-toi/dong-y", "/cua-toi/ai-da-xem", f"/cua-toi?subject={AN}"):
        shown = visit.client.get(path)
        assert shown.status_code == 200
        assert "KS-AN-1" not in shown.text and consent.consent_id not in shown.text, path
    assert visit.prefill(AN).status_code == 200


def test_staff_get_a_page_saying_these_pages_are_for_citizens(visit: Visit) -> None:
    """A steward signed in opening, or posting to, the citizen's pages gets a 403 page."""
    visit.sign_in("quan-ly-so-yt")
    for path in ("/cua-toi", "/cua-toi/dong-y", "/cua-toi/ai-da-xem"):
        answer = visit.client.get(path)
        assert answer.status_code == 403, path
        assert "dành cho công dân" in text(answer.text)
    assert visit.client.post("/cua-toi/dong-y", data={}).status_code == 403


def test_the_header_links_a_signed_in_citizen_to_their_data(visit: Visit) -> None:
    """A citizen's header links to /cua-toi; a steward's does not."""
    visit.sign_in(f"cong-dan-{AN}")
    assert 'href="/cua-toi"' in visit.client.get("/tai-khoan").text.split("</header>")[0]
    visit.sign_in("quan-ly-so-yt")
    assert 'href="/cua-toi"' not in visit.client.get("/tai-khoan").text.split("</header>")[0]
