"""What fuzzing the API from /openapi.json found (tests/fuzz): each was a 500 or an answer the
document does not list, and is now the documented refusal."""

from __future__ import annotations

import datetime as dt

import pytest
from starlette.testclient import TestClient

from hub.app.api import build_app
from hub.app.wiring import Hub
from hub.auth.tokens import Role
from hub.provide_once.subjects import parse_subject

CITIZEN = "082095000123"
BEYOND_BIGINT = str(2**63)
REGISTRY_TYPE = "application/vnd.schemaregistry.v1+json"


@pytest.fixture
def client(embedded_hub: Hub) -> TestClient:
    return TestClient(build_app(embedded_hub), raise_server_exceptions=False)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("after", [BEYOND_BIGINT, "²", "9" * 5000])
def test_an_after_no_row_can_have_is_a_400_naming_it(
    client: TestClient, embedded_hub: Hub, after: str
) -> None:
    """``after`` past a BIGINT's largest value (the database refused the comparison), or made
    of digits int() does not read ('²' passes str.isdigit), was a 500 on the access logs and
    the audit log; so was a run of digits longer than int() reads (4,300) on the access logs."""
    citizen = embedded_hub.subject_tokens.issue(
        parse_subject(CITIZEN), valid_for=dt.timedelta(hours=1)
    )
    admin = embedded_hub.tokens.create("vp-ubnd", frozenset({Role.ADMIN})).plaintext
    answers = [
        client.get("/api/v1/me/access-log", params={"after": after}, headers=_bearer(citizen)),
        client.get(
            f"/api/v1/subjects/{CITIZEN}/access-log",
            params={"after": after},
            headers=_bearer(admin),
        ),
        client.get("/api/v1/audit", params={"after": after}, headers=_bearer(admin)),
    ]
    for answer in answers:
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["parameter"] == "after"
    last = str(2**63 - 1)
    fine = client.get("/api/v1/me/access-log", params={"after": last}, headers=_bearer(citizen))
    assert (fine.status_code, fine.json()["entries"]) == (200, [])


@pytest.mark.parametrize("suffix", ["", "/versions", "/subjects"])
def test_a_schema_id_beyond_32_bits_is_not_found(client: TestClient, suffix: str) -> None:
    """Schema ids are 32-bit (an INTEGER column, as Confluent's): a larger one was a 500."""
    answer = client.get(f"/registry/schemas/ids/{2**31}{suffix}")
    assert answer.status_code == 404, answer.text
    assert answer.headers["content-type"] == REGISTRY_TYPE
    assert answer.json()["error_code"] == 40403


def test_a_version_of_other_digits_is_an_invalid_version(client: TestClient) -> None:
    """'²' passed str.isdigit and int() refused it: a 500 instead of Confluent's 42202."""
    answer = client.get("/registry/subjects/tthc.dossiers-value/versions/²")
    assert answer.status_code == 422, answer.text
    assert answer.json()["error_code"] == 42202


def test_a_subject_holding_a_newline_reaches_the_registry(client: TestClient) -> None:
    """The registry's mount did not match a path with a newline, so the hub's own 404 answered
    (in its error body, not the registry's media type and error codes)."""
    for path in ("/registry/subjects/a%0Ab/versions", "/registry/config/a%0Ab"):
        answer = client.get(path)
        assert answer.headers["content-type"] == REGISTRY_TYPE, (path, answer.text)
        assert answer.status_code in (200, 400, 404), (path, answer.text)
        assert "error" not in answer.json(), (path, answer.text)


@pytest.mark.parametrize(("body", "code"), [(b"[]", "empty_batch"), (b"{}", "not_an_array")])
def test_a_body_without_records_is_a_400_and_a_422_is_always_an_ingest_answer(
    client: TestClient, embedded_hub: Hub, body: bytes, code: str
) -> None:
    """The ingest endpoint documents its 422 as the records' verdicts (IngestAnswer), but an
    empty batch or a body that is not an array answered 422 with an error body; now they are
    400s, with the other bodies it cannot read."""
    token = embedded_hub.tokens.create("vp-ubnd", frozenset({Role.PRODUCER})).plaintext
    answer = client.post(
        "/api/v1/datasets/tthc.dossiers/records",
        content=body,
        headers={**_bearer(token), "Content-Type": "application/json"},
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == code
    refused = client.post(
        "/api/v1/datasets/tthc.dossiers/records", json=[{"dossier_id": 1}], headers=_bearer(token)
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["rejected_count"] == 1


def test_every_registry_route_with_a_subject_documents_the_400_of_a_bad_name(
    client: TestClient, embedded_hub: Hub
) -> None:
    """A subject with a control character is a 400 on every route that reads one; the document
    listed the 400 only where a body could be malformed."""
    admin = embedded_hub.tokens.create("vp-ubnd", frozenset({Role.ADMIN})).plaintext
    document = client.get("/openapi.json").json()
    checked = 0
    for path, operations in document["paths"].items():
        if "{subject}" not in path:
            continue
        for method, operation in operations.items():
            url = path.replace("{subject}", "a%01b").replace("{version}", "latest")
            answer = client.request(method, url, headers=_bearer(admin), json={"schema": "{}"})
            assert str(answer.status_code) in operation["responses"], (method, path, answer.text)
            assert answer.status_code == 400, (method, path, answer.text)
            checked += 1
    assert checked >= 12
