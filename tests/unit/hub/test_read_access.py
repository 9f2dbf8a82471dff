"""Reads follow the catalogue: the owner and personal-data grantees see every field, other
grantees a masked projection with keyed pseudonyms, everyone else the public projection."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from connectors.samples.dossiers import dossier_documents
from hub.app.api import build_app
from hub.app.wiring import Hub
from hub.auth.tokens import Role
from hub.sharing import Pseudonymiser, load_pseudonym_key

DOSSIERS = "/api/v1/datasets/tthc.dossiers/records"
EVIDENCE = "/api/v1/datasets/evidence.citizen_evidence"


@pytest.fixture
def client(embedded_hub: Hub) -> Iterator[TestClient]:
    documents = dossier_documents(12, seed=5)
    answer = TestClient(build_app(embedded_hub)).post(
        DOSSIERS, json=documents, headers=_bearer(embedded_hub, "vp-ubnd", Role.PRODUCER)
    )
    assert answer.status_code == 200, answer.text
    yield TestClient(build_app(embedded_hub))


def _bearer(hub: Hub, agency: str, *roles: Role) -> dict[str, str]:
    issued = hub.tokens.create(agency, frozenset(roles))
    return {"Authorization": f"Bearer {issued.plaintext}"}


def _values(client: TestClient, headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    answer = client.get(DOSSIERS, params={"limit": 100}, headers=headers or {})
    assert answer.status_code == 200, answer.text
    return [item["value"] for item in answer.json()["records"]]


def test_owner_and_personal_data_grantee_read_every_field(
    client: TestClient, embedded_hub: Hub
) -> None:
    """vp-ubnd owns dossiers; so-khcn is granted personal data: both see names and CCCDs."""
    for agency in ("vp-ubnd", "so-khcn"):
        values = _values(client, _bearer(embedded_hub, agency, Role.CONSUMER))
        assert len(values) == 12
        assert all(v["applicant_name"] and v["applicant_id_number"] for v in values), agency


def test_grantee_without_personal_data_reads_pseudonyms(
    client: TestClient, embedded_hub: Hub
) -> None:
    """so-ct reads dossiers without the personal-data right: the name is gone and the CCCD is
    the keyed pseudonym, the same for the same citizen, so records can still be joined."""
    full = {
        v["dossier_id"]: v for v in _values(client, _bearer(embedded_hub, "vp-ubnd", Role.CONSUMER))
    }
    answer = client.get(DOSSIERS, headers=_bearer(embedded_hub, "so-ct", Role.CONSUMER))
    assert answer.json()["projection"] == "masked"
    key = load_pseudonym_key(None, embedded_hub.settings.data_dir)
    pseudonymiser = Pseudonymiser(key)
    for item in answer.json()["records"]:
        value = item["value"]
        assert "applicant_name" not in value
        original = full[value["dossier_id"]]["applicant_id_number"]
        assert value["applicant_id_number"] == pseudonymiser.pseudonym(original)
        assert value["applicant_id_number"] != original


def test_public_and_ungranted_agencies_read_the_public_projection(
    client: TestClient, embedded_hub: Hub
) -> None:
    """Without a token, or as an agency with no grant (so-yt), no personal field at all."""
    for headers in (None, _bearer(embedded_hub, "so-yt", Role.CONSUMER)):
        values = _values(client, headers)
        assert values
        assert all("applicant_name" not in v and "applicant_id_number" not in v for v in values)


def test_shared_dataset_without_open_projection_refuses_ungranted_callers(
    client: TestClient, embedded_hub: Hub
) -> None:
    """Citizen feedback has no open projection: the public gets 403 not_open, an agency
    without a grant 403 no_grant, a grantee 200."""
    path = "/api/v1/datasets/feedback.citizen_feedback/records"
    public = client.get(path)
    assert (public.status_code, public.json()["error"]["code"]) == (403, "not_open")
    ungranted = client.get(path, headers=_bearer(embedded_hub, "so-ct", Role.CONSUMER))
    assert (ungranted.status_code, ungranted.json()["error"]["code"]) == (403, "no_grant")
    assert "so-ct" in ungranted.json()["error"]["message"]
    granted = client.get(path, headers=_bearer(embedded_hub, "so-yt", Role.CONSUMER))
    assert granted.status_code == 200 and granted.json()["projection"] == "masked"


def test_restricted_dataset_is_invisible_to_other_agencies(
    client: TestClient, embedded_hub: Hub
) -> None:
    """Citizen evidence is restricted to vp-ubnd: others get 404 as if it did not exist, and
    it is missing from their catalogue; the owner and admins see it."""
    for headers in (None, _bearer(embedded_hub, "so-yt", Role.CONSUMER, Role.PRODUCER)):
        assert client.get(EVIDENCE, headers=headers or {}).status_code == 404
        assert client.get(f"{EVIDENCE}/records", headers=headers or {}).status_code == 404
        listed = client.get("/api/v1/catalogue", headers=headers or {}).json()["datasets"]
        assert "evidence.citizen_evidence" not in {d["id"] for d in listed}
    for agency, role in (("vp-ubnd", Role.CONSUMER), ("so-khcn", Role.ADMIN)):
        headers = _bearer(embedded_hub, agency, role)
        assert client.get(EVIDENCE, headers=headers).status_code == 200
        listed = client.get("/api/v1/catalogue", headers=headers).json()["datasets"]
        assert "evidence.citizen_evidence" in {d["id"] for d in listed}


def test_a_token_that_is_sent_must_be_valid(client: TestClient, embedded_hub: Hub) -> None:
    """A bad token is a 401 even where the public may read: never a silent public answer."""
    issued = embedded_hub.tokens.create("so-ct", frozenset({Role.CONSUMER}))
    embedded_hub.tokens.revoke(issued.token_id)
    cases = {
        "Bearer kho_khongdung": "malformed_token",
        f"Bearer {issued.plaintext}": "revoked_token",
        "Basic abc": "malformed_token",
    }
    for header, code in cases.items():
        answer = client.get(DOSSIERS, headers={"Authorization": header})
        assert (answer.status_code, answer.json()["error"]["code"]) == (401, code), header


def test_a_producer_only_token_may_not_read(client: TestClient, embedded_hub: Hub) -> None:
    answer = client.get(DOSSIERS, headers=_bearer(embedded_hub, "vp-ubnd", Role.PRODUCER))
    assert (answer.status_code, answer.json()["error"]["code"]) == (403, "not_a_reader")


def test_catalogue_tells_the_caller_its_access(client: TestClient, embedded_hub: Hub) -> None:
    """The dataset description names grants, legal basis, retention and the caller's own view."""
    body = client.get(
        "/api/v1/datasets/tthc.dossiers", headers=_bearer(embedded_hub, "so-ct", Role.CONSUMER)
    ).json()
    assert body["your_access"] == {"projection": "masked", "basis": "grant"}
    assert {c["agency"] for c in body["consumers"]} == {"so-khcn", "so-ct"}
    assert body["retention"] == "P10Y" and "61/2018/NĐ-CP" in body["legal_basis"]
    pseudonymised = {f["name"] for f in body["fields"] if f["pseudonymised"]}
    assert pseudonymised == {"applicant_id_number"}


def test_reads_of_personal_fields_are_audited(client: TestClient, embedded_hub: Hub) -> None:
    """A full read of personal fields appends who read which records and on what basis;
    masked and public reads show no personal data in clear and append nothing."""
    from hub.audit import AuditFilter

    before = embedded_hub.audit.query(AuditFilter(action="records.read_personal"))
    _values(client, _bearer(embedded_hub, "so-ct", Role.CONSUMER))
    _values(client)
    assert embedded_hub.audit.query(AuditFilter(action="records.read_personal")) == before
    _values(client, _bearer(embedded_hub, "so-khcn", Role.CONSUMER))
    (entry,) = embedded_hub.audit.query(AuditFilter(action="records.read_personal"))
    assert entry.actor.agency == "so-khcn" and entry.dataset == "tthc.dossiers"
    assert entry.details["basis"] == "grant:personal_data" and entry.details["count"] == 12
    assert embedded_hub.audit.verify().ok
