"""The provide-once store over HTTP, on the embedded adapters: issuers record evidence once,
corrections become versions, prefill follows the law and the subject's consent, the subject
manages consent and reads who used their data, and every refusal is audited and leaves nothing
else behind."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from hub.app.api import build_app
from hub.app.wiring import Hub
from hub.audit.actions import EVIDENCE_READ, EVIDENCE_REFUSED
from hub.audit.entry import AuditFilter
from hub.auth.tokens import Role
from hub.bus.reading import read_all
from hub.provide_once.subjects import parse_subject
from hub.provide_once.tables import evidence_outbox_table, evidence_table, evidence_versions_table

CITIZEN = "082095000123"  # 082: old Tiền Giang code, a man born in 1995
NEIGHBOUR = "087190000456"
COMPANY = "0312345673"  # a tax code with a right check digit (python-stdnum)
CRIMINAL_RECORD = "phieu-ly-lich-tu-phap"
LICENCE_PROCEDURE = "1.003614"  # so-yt may reuse the criminal record by law; the rest needs consent
RECORD_PROCEDURE = "1.000656"  # needs birth certificate and residence, no legal reuse


@dataclass
class Api:
    client: TestClient
    hub: Hub
    tokens: dict[str, str]

    def as_agency(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    def as_subject(self, subject_id: str, valid_for: dt.timedelta | None = None) -> dict[str, str]:
        token = self.hub.subject_tokens.issue(
            parse_subject(subject_id), valid_for=valid_for or dt.timedelta(hours=1)
        )
        return {"Authorization": f"Bearer {token}"}

    def record(self, agency: str, **fields: Any) -> Any:
        return self.client.post(
            "/api/v1/evidence", json=evidence(**fields), headers=self.as_agency(agency)
        )

    def prefill(self, agency: str, subject_id: str, procedure: str) -> Any:
        return self.client.get(
            f"/api/v1/subjects/{subject_id}/prefill",
            params={"procedure": procedure},
            headers=self.as_agency(agency),
        )

    def consent(self, subject_id: str, **fields: Any) -> Any:
        body = {
            "agency": "so-yt",
            "purpose": RECORD_PROCEDURE,
            "evidence_types": ["giay-khai-sinh"],
            "expires_at": (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat(),
            **fields,
        }
        return self.client.post(
            "/api/v1/me/consents", json=body, headers=self.as_subject(subject_id)
        )

    def access_log(self, subject_id: str) -> list[dict[str, Any]]:
        answer = self.client.get("/api/v1/me/access-log", headers=self.as_subject(subject_id))
        assert answer.status_code == 200, answer.text
        entries: list[dict[str, Any]] = answer.json()["entries"]
        return entries

    def stored_rows(self) -> tuple[int, int, int]:
        with self.hub.engine.connect() as conn:
            return tuple(  # type: ignore[return-value]
                conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for table in (evidence_table, evidence_versions_table, evidence_outbox_table)
            )

    def refusals(self) -> list[dict[str, Any]]:
        entries = self.hub.audit.query(AuditFilter(action=EVIDENCE_REFUSED), limit=1000)
        return [entry.details for entry in entries]


def evidence(**fields: Any) -> dict[str, Any]:
    return {
        "evidence_id": "LLTP-2025-000123",
        "subject_id": CITIZEN,
        "evidence_type": CRIMINAL_RECORD,
        "issuing_agency": "vp-ubnd",
        "issued_on": (dt.date.today() - dt.timedelta(days=10)).isoformat(),
        "attributes": {"so_phieu": "123/2025/LLTP"},
        **fields,
    }


@pytest.fixture
def api(embedded_hub: Hub) -> Iterator[Api]:
    roles = {
        "vp-ubnd": frozenset({Role.PRODUCER, Role.CONSUMER}),
        "so-yt": frozenset({Role.CONSUMER}),
        "so-ct": frozenset({Role.PRODUCER}),
        "so-nnmt": frozenset({Role.PRODUCER, Role.CONSUMER}),
        "admin": frozenset({Role.ADMIN}),
    }
    tokens = {
        name: embedded_hub.tokens.create(name if name != "admin" else "vp-ubnd", role).plaintext
        for name, role in roles.items()
    }
    with TestClient(build_app(embedded_hub)) as client:
        yield Api(client, embedded_hub, tokens)


def test_evidence_is_stored_once_and_a_correction_is_a_new_version(api: Api) -> None:
    first = api.record("vp-ubnd")
    again = api.record("vp-ubnd")
    corrected = api.record(
        "vp-ubnd", attributes={"so_phieu": "124/2025/LLTP"}, correction_reason="Sai số phiếu"
    )
    assert (first.status_code, again.status_code, corrected.status_code) == (201, 200, 200)
    assert [a.json()["outcome"] for a in (first, again, corrected)] == [
        "created",
        "unchanged",
        "corrected",
    ]
    assert first.json()["evidence"]["valid_until"] is not None  # the type's P6M validity
    history = api.client.get(
        "/api/v1/evidence/LLTP-2025-000123/history", headers=api.as_agency("vp-ubnd")
    ).json()["versions"]
    assert [(v["version"], v["attributes"]["so_phieu"]) for v in history] == [
        (1, "123/2025/LLTP"),
        (2, "124/2025/LLTP"),
    ]
    assert history[1]["correction_reason"] == "Sai số phiếu"
    assert api.stored_rows() == (1, 2, 2)


def test_each_version_is_published_once_as_an_update_event(api: Api) -> None:
    api.record("vp-ubnd")
    api.record("vp-ubnd")
    api.record("vp-ubnd", attributes={"so_phieu": "9/2025"})
    topic = api.hub.catalogue.entry("evidence.citizen_evidence").topic
    events = [api.hub.decoder.decode(r.value) for r in read_all(api.hub.bus, topic)]
    assert [(e["evidence_id"], e["version"]) for e in events] == [
        ("LLTP-2025-000123", 1),
        ("LLTP-2025-000123", 2),
    ]
    assert events[1]["attributes"] == {"so_phieu": "9/2025"}
    assert api.hub.evidence_outbox.pending() == 0


@pytest.mark.parametrize(
    ("agency", "fields", "status", "code", "field"),
    [
        ("so-nnmt", {}, 403, "not_issuer", "issuing_agency"),
        ("vp-ubnd", {"issuing_agency": "so-nnmt"}, 403, "not_issuer", "issuing_agency"),
        ("vp-ubnd", {"subject_id": "999095000123"}, 422, "cccd", "subject_id"),
        ("vp-ubnd", {"subject_id": "0312345670"}, 422, "mst", "subject_id"),
        ("vp-ubnd", {"subject_id": "12-AB"}, 422, "identifier_shape", "subject_id"),
        ("vp-ubnd", {"evidence_type": "giay-bao-hanh"}, 422, "unknown_evidence_type", None),
        ("vp-ubnd", {"subject_id": COMPANY}, 422, "subject_kind", "subject_id"),
        ("vp-ubnd", {"valid_until": "2000-01-01"}, 422, "valid_until_after_issue", None),
        ("vp-ubnd", {"file_uri": "s3://kho/lltp.pdf"}, 422, "file_reference", "file_sha256"),
        ("vp-ubnd", {"issued_on": "01/08/2025"}, 422, "invalid_field", "issued_on"),
        ("vp-ubnd", {"owner": "x"}, 422, "invalid_field", "owner"),
    ],
)
def test_bad_evidence_is_refused_named_audited_and_leaves_nothing(
    api: Api, agency: str, fields: dict[str, Any], status: int, code: str, field: str | None
) -> None:
    answer = api.record(agency, **fields)
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code
    if field is not None:
        assert error["field"] == field
    assert api.stored_rows() == (0, 0, 0)
    if code != "invalid_field":  # a body that is not evidence never reaches the store
        assert [r["code"] for r in api.refusals()] == [code]


def test_an_id_cannot_move_to_another_subject_and_the_producer_role_is_needed(api: Api) -> None:
    api.record("vp-ubnd")
    moved = api.record("vp-ubnd", subject_id=NEIGHBOUR)
    assert (moved.status_code, moved.json()["error"]["code"]) == (422, "evidence_id_taken")
    reader = api.client.post("/api/v1/evidence", json=evidence(), headers=api.as_agency("so-yt"))
    assert (reader.status_code, reader.json()["error"]["code"]) == (403, "not_a_producer")
    assert api.stored_rows() == (1, 1, 1)


def test_organisations_hold_evidence_by_tax_code(api: Api) -> None:
    answer = api.record(
        "so-ct",
        evidence_id="DKDN-0312345673",
        subject_id=COMPANY,
        evidence_type="giay-dang-ky-doanh-nghiep",
        issuing_agency="so-ct",
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["evidence"]["subject_id"] == COMPANY


def test_prefill_by_legal_basis_gives_only_what_the_law_covers(api: Api) -> None:
    api.record("vp-ubnd")
    answer = api.prefill("so-yt", CITIZEN, LICENCE_PROCEDURE)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [(e["evidence_id"], e["basis"]) for e in body["evidence"]] == [
        ("LLTP-2025-000123", "legal_basis")
    ]
    assert body["evidence"][0]["valid"] is True
    assert {w["evidence_type"]: w["reason"] for w in body["withheld"]} == {
        "bang-tot-nghiep-thpt": "no_consent",
        "xac-nhan-cu-tru": "no_consent",
    }
    assert body["not_on_file"] == []


def test_prefill_without_any_basis_is_a_403_naming_what_is_missing(api: Api) -> None:
    api.record("vp-ubnd")
    answer = api.prefill("so-yt", CITIZEN, RECORD_PROCEDURE)
    assert answer.status_code == 403
    error = answer.json()["error"]
    assert error["code"] == "no_consent"
    assert sorted(m["evidence_type"] for m in error["missing"]) == [
        "giay-khai-sinh",
        "xac-nhan-cu-tru",
    ]


def test_consent_opens_prefill_and_revocation_holds_from_the_next_request(api: Api) -> None:
    api.record("vp-ubnd", evidence_id="KS-1", evidence_type="giay-khai-sinh", attributes={})
    granted = api.consent(CITIZEN)
    assert granted.status_code == 201, granted.text
    consent_id = granted.json()["consent_id"]

    allowed = api.prefill("so-yt", CITIZEN, RECORD_PROCEDURE)
    assert allowed.status_code == 200, allowed.text
    assert [
        (e["evidence_id"], e["basis"], e["consent_id"]) for e in allowed.json()["evidence"]
    ] == [("KS-1", "consent", consent_id)]
    revoked = api.client.delete(
        f"/api/v1/me/consents/{consent_id}", headers=api.as_subject(CITIZEN)
    )
    assert revoked.json()["state"] == "revoked"
    refused = api.prefill("so-yt", CITIZEN, RECORD_PROCEDURE)
    assert refused.status_code == 403
    missing = {m["evidence_type"]: m["reason"] for m in refused.json()["error"]["missing"]}
    assert missing["giay-khai-sinh"] == "consent_revoked"


def test_an_expired_consent_and_one_for_another_purpose_are_refused_by_name(api: Api) -> None:
    api.record("vp-ubnd", evidence_id="KS-1", evidence_type="giay-khai-sinh", attributes={})
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    assert api.consent(CITIZEN, expires_at=soon.isoformat()).status_code == 201
    time.sleep(max(0.0, (soon - dt.datetime.now(dt.UTC)).total_seconds()) + 0.05)
    expired = api.prefill("so-yt", CITIZEN, RECORD_PROCEDURE)
    assert (expired.status_code, expired.json()["error"]["code"]) == (403, "not_covered")
    reasons = {m["evidence_type"]: m["reason"] for m in expired.json()["error"]["missing"]}
    assert reasons == {"giay-khai-sinh": "consent_expired", "xac-nhan-cu-tru": "no_consent"}

    other = api.consent(
        NEIGHBOUR, purpose="1.000894", evidence_types=["giay-khai-sinh", "xac-nhan-cu-tru"]
    )
    assert other.status_code == 201, other.text
    api.record("vp-ubnd", evidence_id="KS-2", subject_id=NEIGHBOUR, evidence_type="giay-khai-sinh")
    wrong_purpose = api.prefill("so-yt", NEIGHBOUR, RECORD_PROCEDURE)
    assert (wrong_purpose.status_code, wrong_purpose.json()["error"]["code"]) == (
        403,
        "consent_other_purpose",
    )


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"agency": "so-xyz"}, "unknown_agency", "agency"),
        ({"purpose": "9.999999"}, "unknown_procedure", "purpose"),
        ({"evidence_types": ["giay-phep-lai-xe"]}, "not_required", "evidence_types"),
        ({"evidence_types": ["giay-dang-ky-doanh-nghiep"]}, "subject_kind", "evidence_types"),
        ({"expires_at": "2020-01-01T00:00:00+07:00"}, "expires_in_past", "expires_at"),
        ({"expires_at": "2099-01-01T00:00:00+07:00"}, "expires_too_late", "expires_at"),
        ({"expires_at": "2027-01-01T00:00:00"}, "invalid_field", "expires_at"),
        ({"evidence_types": []}, "invalid_field", "evidence_types"),
    ],
)
def test_bad_consents_are_refused_naming_the_field(
    api: Api, fields: dict[str, Any], code: str, field: str
) -> None:
    answer = api.consent(CITIZEN, **fields)
    assert answer.status_code == 422, answer.text
    assert (answer.json()["error"]["code"], answer.json()["error"]["field"]) == (code, field)
    consents = api.client.get("/api/v1/me/consents", headers=api.as_subject(CITIZEN)).json()
    assert consents == {"consents": []}


def test_unknown_subject_bad_identifier_and_unknown_procedure_are_refused_and_audited(
    api: Api,
) -> None:
    api.record("vp-ubnd")
    unknown = api.prefill("so-yt", NEIGHBOUR, LICENCE_PROCEDURE)
    malformed = api.prefill("so-yt", "08209500012", LICENCE_PROCEDURE)
    procedure = api.prefill("so-yt", CITIZEN, "1.234567")
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "unknown_subject")
    assert (malformed.status_code, malformed.json()["error"]["code"]) == (422, "identifier_shape")
    assert (procedure.status_code, procedure.json()["error"]) == (
        422,
        {
            "code": "unknown_procedure",
            "message": "Không có thủ tục mã '1.234567' trong danh mục",
            "field": "procedure",
        },
    )
    assert [r["code"] for r in api.refusals()] == [
        "unknown_subject",
        "identifier_shape",
        "unknown_procedure",
    ]
    assert [e["refused"] for e in api.access_log(NEIGHBOUR)] == ["unknown_subject"]


def test_the_access_log_shows_the_subject_who_read_what_and_for_which_procedure(
    api: Api,
) -> None:
    api.record("vp-ubnd")
    api.record("vp-ubnd", evidence_id="X-2", subject_id=NEIGHBOUR)
    api.prefill("so-yt", CITIZEN, LICENCE_PROCEDURE)
    api.prefill("so-yt", CITIZEN, RECORD_PROCEDURE)

    mine = api.access_log(CITIZEN)
    assert [(e["action"], e["agency"]) for e in mine] == [
        ("evidence.record", "vp-ubnd"),
        (EVIDENCE_READ, "so-yt"),
        (EVIDENCE_REFUSED, "so-yt"),
    ]
    read = mine[1]
    assert read["agency_name"] == "Sở Y tế tỉnh Đồng Tháp"
    assert read["procedure"] == {
        "code": LICENCE_PROCEDURE,
        "name": "Cấp giấy phép hành nghề khám bệnh, chữa bệnh",
    }
    assert read["evidence"] == [{"evidence_id": "LLTP-2025-000123", "version": 1}]
    assert read["at"].endswith("+07:00")
    assert "Sở Y tế" in read["summary"]
    assert [e["evidence"] for e in api.access_log(NEIGHBOUR)] == [
        [{"evidence_id": "X-2", "version": 1}]
    ]


def test_a_subject_cannot_read_anothers_log_and_the_attempt_is_audited(api: Api) -> None:
    api.record("vp-ubnd", evidence_id="X-2", subject_id=NEIGHBOUR)
    path = f"/api/v1/subjects/{NEIGHBOUR}/access-log"
    answer = api.client.get(path, headers=api.as_subject(CITIZEN))
    assert (answer.status_code, answer.json()["error"]["code"]) == (403, "not_your_data")
    own = api.client.get(path, headers=api.as_subject(NEIGHBOUR))
    admin = api.client.get(path, headers=api.as_agency("admin"))
    agency = api.client.get(path, headers=api.as_agency("so-yt"))
    assert (own.status_code, admin.status_code, agency.status_code) == (200, 200, 403)
    assert own.json() == admin.json()
    assert [e["refused"] for e in api.access_log(CITIZEN)] == ["not_your_data"]
    assert all(e["refused"] is None for e in own.json()["entries"])


def test_the_history_is_for_the_subject_and_the_issuer_and_hidden_from_others(api: Api) -> None:
    api.record("vp-ubnd")
    path = "/api/v1/evidence/LLTP-2025-000123/history"
    subject = api.client.get(path, headers=api.as_subject(CITIZEN))
    stranger = api.client.get(path, headers=api.as_subject(NEIGHBOUR))
    other_agency = api.client.get(path, headers=api.as_agency("so-yt"))
    missing = api.client.get("/api/v1/evidence/NONE/history", headers=api.as_subject(CITIZEN))
    assert [a.status_code for a in (subject, stranger, other_agency, missing)] == [
        200,
        404,
        404,
        404,
    ]
    assert stranger.json() == {
        "error": {"code": "unknown_evidence", "message": "Không có giấy tờ mã LLTP-2025-000123"}
    }
    assert [r["code"] for r in api.refusals()] == ["unknown_evidence"] * 3


def test_subject_pages_need_a_valid_subject_token(api: Api, embedded_hub: Hub) -> None:
    agency = api.client.get("/api/v1/me", headers=api.as_agency("so-yt"))
    garbage = api.client.get("/api/v1/me", headers={"Authorization": "Bearer eyJ.abc.def"})
    expired = api.client.get(
        "/api/v1/me", headers=api.as_subject(CITIZEN, valid_for=dt.timedelta(minutes=-5))
    )
    nobody = api.client.get("/api/v1/me")
    assert (agency.status_code, agency.json()["error"]["code"]) == (403, "not_a_subject")
    assert (garbage.status_code, garbage.json()["error"]["code"]) == (401, "invalid_token")
    assert (expired.status_code, expired.json()["error"]["code"]) == (401, "expired_token")
    assert (nobody.status_code, nobody.json()["error"]["code"]) == (401, "missing_token")
    me = api.client.get("/api/v1/me", headers=api.as_subject(COMPANY)).json()
    assert me == {"subject_id": COMPANY, "kind": "organisation"}


def test_the_citizen_sees_their_evidence_and_consents(api: Api) -> None:
    api.record("vp-ubnd")
    api.consent(CITIZEN)
    evidence_page = api.client.get("/api/v1/me/evidence", headers=api.as_subject(CITIZEN)).json()
    assert [e["evidence_id"] for e in evidence_page["evidence"]] == ["LLTP-2025-000123"]
    consents = api.client.get("/api/v1/me/consents", headers=api.as_subject(CITIZEN)).json()
    assert [(c["agency"], c["state"]) for c in consents["consents"]] == [("so-yt", "active")]
    others = api.client.get("/api/v1/me/consents", headers=api.as_subject(NEIGHBOUR)).json()
    assert others == {"consents": []}
    stolen = consents["consents"][0]["consent_id"]
    revoke = api.client.delete(f"/api/v1/me/consents/{stolen}", headers=api.as_subject(NEIGHBOUR))
    assert (revoke.status_code, revoke.json()["error"]["code"]) == (404, "unknown_consent")


def test_the_audit_chain_holds_after_a_session_of_store_traffic(api: Api) -> None:
    api.record("vp-ubnd")
    api.record("so-nnmt")
    api.prefill("so-yt", CITIZEN, LICENCE_PROCEDURE)
    api.consent(CITIZEN)
    report = api.hub.audit.verify()
    assert report.ok, report
    assert report.checked >= 4
