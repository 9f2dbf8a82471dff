"""The corpus through the provide-once store's writes: ``POST /api/v1/evidence`` (an issuer
records evidence) and ``POST /api/v1/me/consents`` (a citizen grants consent), and the ids in
their paths. Every bad body and value gets a 4xx naming the rule or field; what is accepted
is in the store."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from hub.app.api import build_app
from hub.app.api.evidence import MAX_EVIDENCE_BYTES
from hub.app.api.me import MAX_CONSENT_BYTES
from hub.app.wiring import Hub
from hub.auth.tokens import Role
from hub.provide_once.subjects import parse_subject
from hub.provide_once.tables import evidence_table
from tests.corpus.inputs import BadValue, bad_bodies, bad_path_params, bad_values, splice
from tests.corpus.tally import PathTally, Tally

CITIZEN = "082095000123"
FIELDS = {"text": "attributes", "key": "evidence_id", "number": "issued_on", "code": "subject_id"}
"""Where each bad value goes in evidence: text as an attribute's value (``so_phieu``)."""
REFUSED_HERE = {"oversized-text", "sql-in-key", "path-in-key"}
"""Refused here though a dossier takes them: a body over 64 KiB, and evidence ids, which are
letters, digits and ``. _ : / -`` starting with a letter or digit."""


@pytest.fixture
def client(embedded_hub: Hub) -> Iterator[TestClient]:
    with TestClient(build_app(embedded_hub), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def issuer(embedded_hub: Hub) -> dict[str, str]:
    issued = embedded_hub.tokens.create("vp-ubnd", frozenset({Role.PRODUCER}))
    return {"Authorization": f"Bearer {issued.plaintext}", "Content-Type": "application/json"}


@pytest.fixture
def citizen(embedded_hub: Hub) -> dict[str, str]:
    token = embedded_hub.subject_tokens.issue(
        parse_subject(CITIZEN), valid_for=dt.timedelta(hours=1)
    )
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def evidence(evidence_id: str) -> dict[str, Any]:
    return {
        "evidence_id": evidence_id,
        "subject_id": CITIZEN,
        "evidence_type": "phieu-ly-lich-tu-phap",
        "issuing_agency": "vp-ubnd",
        "issued_on": (dt.date.today() - dt.timedelta(days=10)).isoformat(),
        "attributes": {"so_phieu": "123/2025/LLTP", "noi_cap": "Sở Tư pháp Đồng Tháp"},
    }


def consent() -> dict[str, Any]:
    return {
        "agency": "so-yt",
        "purpose": "1.000656",
        "evidence_types": ["giay-khai-sinh"],
        "expires_at": (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat(),
    }


def _refused(answer: Any, name: str, counts: PathTally) -> dict[str, Any]:
    assert 400 <= answer.status_code < 500, (name, answer.status_code, answer.text[:300])
    assert "Traceback" not in answer.text
    error: dict[str, Any] = answer.json()["error"]
    assert error["code"] and error["message"], name
    counts.sent_one("refused")
    return error


def _stored(hub: Hub) -> int:
    with hub.engine.connect() as conn:
        count = sa.select(sa.func.count()).select_from(evidence_table)
        return int(conn.execute(count).scalar_one())


def _as_evidence_value(value: BadValue) -> BadValue:
    """A text value goes in as the attribute ``so_phieu``."""
    if value.target != "text":
        return value
    wrapped = f'{{"so_phieu": {value.json_text}}}'
    return BadValue(value.name, value.target, wrapped, value.expect, value.json_only)


@pytest.mark.usefixtures("no_tracebacks")
def test_evidence_with_bad_values(
    client: TestClient, embedded_hub: Hub, issuer: dict[str, str], tally: Tally
) -> None:
    """Each bad value in a piece of evidence: stored when the corpus accepts it, else a 4xx
    naming the field. Sent = stored + refused."""
    counts = tally.path("evidence API: values")
    for i, value in enumerate(bad_values()):
        field = FIELDS[value.target]
        body = splice(evidence(f"CORPUS-{i:04d}"), field, _as_evidence_value(value))
        answer = client.post("/api/v1/evidence", content=body, headers=issuer)
        if value.expect == "accepted" and value.name not in REFUSED_HERE:
            assert answer.status_code == 201, (value.name, answer.text[:300])
            counts.sent_one("accepted")
            continue
        error = _refused(answer, value.name, counts)
        if answer.status_code == 422:
            assert error["field"] == field, (value.name, error)
    assert counts.adds_up()
    assert _stored(embedded_hub) == counts.outcomes["accepted"]


@pytest.mark.usefixtures("no_tracebacks")
def test_evidence_and_consent_bodies(
    client: TestClient,
    embedded_hub: Hub,
    issuer: dict[str, str],
    citizen: dict[str, str],
    tally: Tally,
) -> None:
    """Every bad body, to both: a 4xx with a code and a message; a body with a BOM is read."""
    paths = [
        ("evidence API: bodies", "/api/v1/evidence", evidence("BOM-1"), MAX_EVIDENCE_BYTES, issuer),
        ("consent API: bodies", "/api/v1/me/consents", consent(), MAX_CONSENT_BYTES, citizen),
    ]
    for name, url, document, limit, headers in paths:
        counts = tally.path(name)
        valid = json.dumps(document, ensure_ascii=False).encode("utf-8")
        for body in [b for b in bad_bodies() if b.applies_to(valid)]:
            answer = client.post(url, content=body.content(valid, limit), headers=headers)
            if body.expect == "accepted":
                assert answer.status_code == 201, (name, body.name, answer.text[:300])
                counts.sent_one("accepted")
            else:
                _refused(answer, body.name, counts)
        assert counts.adds_up()
    assert _stored(embedded_hub) == 1
    consents = client.get("/api/v1/me/consents", headers=citizen).json()["consents"]
    assert len(consents) == 1


@pytest.mark.usefixtures("no_tracebacks")
def test_bad_ids_in_provide_once_paths(
    client: TestClient, issuer: dict[str, str], citizen: dict[str, str], tally: Tally
) -> None:
    """SQL, path, look-alike and control characters as an evidence, consent or subject id:
    a 4xx (404 or 403), never a 5xx."""
    counts = tally.path("provide-once API: path parameters")
    for param in bad_path_params():
        quoted = quote(param, safe="")
        requests = [
            ("GET", f"/api/v1/evidence/{quoted}/history", issuer),
            ("DELETE", f"/api/v1/me/consents/{quoted}", citizen),
            ("GET", f"/api/v1/subjects/{quoted}/access-log", citizen),
        ]
        for method, url, headers in requests:
            _refused(client.request(method, url, headers=headers), f"{method} {url}", counts)
    assert counts.adds_up()
