"""Evidence text in Unicode NFC, as the ingest path keeps records: an issuer whose system sends
Vietnamese decomposed (NFD) records the same strings as one sending them composed."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from typing import Any

import sqlalchemy as sa
from starlette.testclient import TestClient

from hub.app.api import build_app
from hub.app.wiring import Hub
from hub.auth.tokens import Role
from hub.provide_once.tables import evidence_versions_table

AGENCY = "Sở Tư pháp Đồng Tháp"
SIGNER = "Nguyễn Thị Ánh Tuyết"
REASON = "Sửa họ tên người ký"


def nfd(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    assert decomposed != text  # the test means something only if the forms differ
    return decomposed


def evidence(form: Any, **fields: Any) -> dict[str, Any]:
    return {
        "evidence_id": "LLTP-2025-NFC-1",
        "subject_id": "082095000123",
        "evidence_type": "phieu-ly-lich-tu-phap",
        "issuing_agency": "vp-ubnd",
        "issued_on": (dt.date.today() - dt.timedelta(days=3)).isoformat(),
        "attributes": {form("nơi_cấp"): form(AGENCY), "người_ký": form(SIGNER)},
        "source_ref": form("hồ sơ số 12/Đồng Tháp"),
        **fields,
    }


def test_evidence_sent_in_nfd_is_stored_and_answered_in_nfc(embedded_hub: Hub) -> None:
    token = embedded_hub.tokens.create("vp-ubnd", frozenset({Role.PRODUCER})).plaintext
    headers = {"Authorization": f"Bearer {token}"}
    client = TestClient(build_app(embedded_hub))

    created = client.post("/api/v1/evidence", json=evidence(nfd), headers=headers)
    assert created.status_code == 201, created.text
    expected = {"nơi_cấp": AGENCY, "người_ký": SIGNER}
    assert all(unicodedata.is_normalized("NFC", text) for text in [*expected, AGENCY, SIGNER])
    assert created.json()["evidence"]["attributes"] == expected
    assert created.json()["evidence"]["source_ref"] == "hồ sơ số 12/Đồng Tháp"

    # the same evidence sent composed is the same content: nothing new is stored
    again = client.post("/api/v1/evidence", json=evidence(str), headers=headers)
    assert again.json()["outcome"] == "unchanged"

    corrected = client.post(
        "/api/v1/evidence",
        json=evidence(
            nfd, attributes={"người_ký": nfd("Lê Văn Đức")}, correction_reason=nfd(REASON)
        ),
        headers=headers,
    )
    assert corrected.json()["outcome"] == "corrected"
    history = client.get("/api/v1/evidence/LLTP-2025-NFC-1/history", headers=headers).json()
    assert [v["attributes"] for v in history["versions"]] == [expected, {"người_ký": "Lê Văn Đức"}]
    assert history["versions"][1]["correction_reason"] == REASON
    with embedded_hub.engine.connect() as conn:
        stored = conn.execute(sa.select(evidence_versions_table.c.attributes)).scalars().all()
    assert [json.loads(text) for text in stored] == [expected, {"người_ký": "Lê Văn Đức"}]
