"""The Confluent Schema Registry REST API at /registry: every endpoint, every error code."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from hub.app.api import build_app
from hub.app.api.registry_answers import MEDIA_TYPE
from hub.app.wiring import Hub
from hub.auth.tokens import Role
from hub.registry.embedded import DatabaseSchemaRegistry

SUBJECT = "salinity.readings-value"


def schema(*extra: dict[str, Any], name: str = "Reading") -> str:
    fields = [{"name": "station_id", "type": "string"}, *extra]
    return json.dumps({"type": "record", "name": name, "namespace": "t", "fields": fields})


V1 = schema()
V2 = schema({"name": "note", "type": "string", "default": ""})
BREAKS_V2 = schema(
    {"name": "note", "type": "string", "default": ""}, {"name": "depth", "type": "int"}
)


@pytest.fixture
def client(embedded_hub: Hub) -> TestClient:
    """A client with an admin token: these tests are about the API, not who may change it.
    The registry starts empty (the hub registers the catalogue's subjects when it starts)."""
    _empty(embedded_hub)
    admin = embedded_hub.tokens.create("vp-ubnd", frozenset({Role.ADMIN})).plaintext
    return TestClient(
        build_app(embedded_hub),
        base_url="http://testserver/registry/",
        headers={"Authorization": f"Bearer {admin}"},
    )


def _empty(hub: Hub) -> None:
    registry = hub.registry
    assert isinstance(registry, DatabaseSchemaRegistry)
    for subject in registry.subjects():
        registry.delete_subject(subject)
        registry.delete_subject(subject, permanent=True)


def register(client: TestClient, text: str, subject: str = SUBJECT) -> Any:
    return client.post(f"subjects/{subject}/versions", json={"schema": text})


def registered(client: TestClient, text: str, subject: str = SUBJECT) -> int:
    answer = register(client, text, subject)
    assert answer.status_code == 200, answer.text
    return int(answer.json()["id"])


def error_code(answer: Any) -> int:
    return int(answer.json()["error_code"])


def test_register_answers_an_id_shared_by_identical_schemas(client: TestClient) -> None:
    """POST /subjects/{s}/versions gives {"id"}; the same schema, re-spaced or in another
    subject, gets the same id, a changed one a new id."""
    first = registered(client, V1)
    assert registered(client, json.dumps(json.loads(V1), indent=2)) == first
    assert registered(client, V1, "other-value") == first
    assert registered(client, V2) != first
    assert client.get(f"subjects/{SUBJECT}/versions").json() == [1, 2]


def test_answers_use_the_registry_media_type(client: TestClient) -> None:
    """Answers are application/vnd.schemaregistry.v1+json; plain JSON requests are accepted."""
    answer = client.post(
        f"subjects/{SUBJECT}/versions",
        content=json.dumps({"schema": V1, "schemaType": "avro"}),
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(MEDIA_TYPE)


def test_subjects_versions_and_schemas_read_back(client: TestClient) -> None:
    """GET /subjects, /subjects/{s}/versions[/{v}[/schema]] and /schemas/ids/... describe
    what was registered."""
    first, second = registered(client, V1), registered(client, V2)
    registered(client, V1, "another-value")
    assert client.get("subjects").json() == ["another-value", SUBJECT]
    assert client.get("subjects", params={"subjectPrefix": "sal"}).json() == [SUBJECT]
    one = client.get(f"subjects/{SUBJECT}/versions/1").json()
    assert one == {"subject": SUBJECT, "version": 1, "id": first, "schema": V1}
    for latest in ("latest", "-1"):
        assert client.get(f"subjects/{SUBJECT}/versions/{latest}").json()["id"] == second
    raw = client.get(f"subjects/{SUBJECT}/versions/2/schema")
    assert json.loads(raw.content) == json.loads(V2)
    assert client.get(f"schemas/ids/{first}").json() == {"schema": V1}
    assert client.get(f"schemas/ids/{first}/versions").json() == [
        {"subject": "another-value", "version": 1},
        {"subject": SUBJECT, "version": 1},
    ]
    assert client.get(f"schemas/ids/{first}/subjects").json() == ["another-value", SUBJECT]
    assert client.get("schemas/types").json() == ["AVRO"]
    assert client.get("").json() == {}


def test_lookup_finds_the_version_holding_a_schema(client: TestClient) -> None:
    """POST /subjects/{s} answers subject, version, id and schema; unknown schema is 40403,
    unknown subject 40401."""
    schema_id = registered(client, V1)
    registered(client, V2)
    found = client.post(f"subjects/{SUBJECT}", json={"schema": V1})
    assert found.json() == {"subject": SUBJECT, "version": 1, "id": schema_id, "schema": V1}
    missing = client.post(f"subjects/{SUBJECT}", json={"schema": BREAKS_V2})
    assert (missing.status_code, error_code(missing)) == (404, 40403)
    nobody = client.post("subjects/nobody-value", json={"schema": V1})
    assert (nobody.status_code, error_code(nobody)) == (404, 40401)


def test_an_incompatible_schema_is_409_naming_field_and_rule(client: TestClient) -> None:
    """A new field without default breaks BACKWARD: 409, message naming 'depth' and the rule."""
    registered(client, V1)
    registered(client, V2)
    answer = register(client, BREAKS_V2)
    assert (answer.status_code, error_code(answer)) == (409, 409)
    body = answer.json()
    assert "'depth'" in body["message"]
    assert "READER_FIELD_MISSING_DEFAULT_VALUE" in body["message"]
    assert "phiên bản 2" in body["message"]
    (problem,) = body["incompatibilities"]
    assert problem["field"] == "depth" and problem["oldSchemaVersion"] == 2
    assert client.get(f"subjects/{SUBJECT}/versions").json() == [1, 2]


@pytest.mark.parametrize(
    "body",
    [
        {"schema": '{"type": "record", "name": "R"}'},
        {"schema": "{not json"},
        {"schemaType": "AVRO"},
        {"schema": V1, "schemaType": "PROTOBUF"},
        {"schema": V1, "references": [{"name": "x", "subject": "y", "version": 1}]},
    ],
)
def test_invalid_schemas_are_42201(client: TestClient, body: dict[str, Any]) -> None:
    """Not Avro, missing, of another type, or with references: 422 with error_code 42201."""
    for path in (f"subjects/{SUBJECT}/versions", f"subjects/{SUBJECT}"):
        answer = client.post(path, json=body)
        assert (answer.status_code, error_code(answer)) == (422, 42201)
        assert answer.json()["message"]


def test_a_body_that_is_not_json_is_400(client: TestClient) -> None:
    """A request body that is not a JSON object answers 400."""
    for content in (b"{", b"[1, 2]"):
        answer = client.post(f"subjects/{SUBJECT}/versions", content=content)
        assert (answer.status_code, error_code(answer)) == (400, 400)


@pytest.mark.parametrize("version", ["0", "abc", "2147483648", "-2"])
def test_invalid_versions_are_42202(client: TestClient, version: str) -> None:
    """Versions that are not 1..2^31-1, 'latest' or -1 answer 42202."""
    registered(client, V1)
    for method, path in [
        ("GET", f"subjects/{SUBJECT}/versions/{version}"),
        ("GET", f"subjects/{SUBJECT}/versions/{version}/schema"),
        ("DELETE", f"subjects/{SUBJECT}/versions/{version}"),
    ]:
        answer = client.request(method, path)
        assert (answer.status_code, error_code(answer)) == (422, 42202)


def test_unknown_subjects_versions_and_ids_are_404(client: TestClient) -> None:
    """40401 for a subject, 40402 for a version, 40403 for an id, 404 for any other path."""
    registered(client, V1)
    cases = [
        ("subjects/nobody-value/versions", 40401),
        ("subjects/nobody-value/versions/1", 40401),
        (f"subjects/{SUBJECT}/versions/7", 40402),
        (f"subjects/{SUBJECT}/versions/7/schema", 40402),
        ("schemas/ids/999", 40403),
        ("schemas/ids/999/versions", 40403),
        ("no/such/path", 404),
        ("schemas/ids/abc", 404),
    ]
    for path, code in cases:
        answer = client.get(path)
        assert (answer.status_code, error_code(answer)) == (404, code), path


def test_compatibility_config_global_and_per_subject(client: TestClient) -> None:
    """GET/PUT/DELETE /config and /config/{s}: BACKWARD by default, a subject's own level wins,
    40408 when a subject has none, 42203 for an unknown level."""
    assert client.get("config").json() == {"compatibilityLevel": "BACKWARD"}
    assert client.put("config", json={"compatibility": "full"}).json() == {"compatibility": "FULL"}
    assert client.get("config").json() == {"compatibilityLevel": "FULL"}

    unset = client.get(f"config/{SUBJECT}")
    assert (unset.status_code, error_code(unset)) == (404, 40408)
    inherited = client.get(f"config/{SUBJECT}", params={"defaultToGlobal": "true"})
    assert inherited.json() == {"compatibilityLevel": "FULL"}

    assert client.put(f"config/{SUBJECT}", json={"compatibility": "NONE"}).status_code == 200
    assert client.get(f"config/{SUBJECT}").json() == {"compatibilityLevel": "NONE"}
    registered(client, V1)
    registered(client, schema(name="Unrelated"))  # NONE lets anything through

    assert client.delete(f"config/{SUBJECT}").json() == {"compatibilityLevel": "NONE"}
    gone = client.delete(f"config/{SUBJECT}")
    assert (gone.status_code, error_code(gone)) == (404, 40408)
    assert client.delete("config").json() == {"compatibilityLevel": "FULL"}
    assert client.get("config").json() == {"compatibilityLevel": "BACKWARD"}

    for path in ("config", f"config/{SUBJECT}"):
        bad = client.put(path, json={"compatibility": "SOMETIMES"})
        assert (bad.status_code, error_code(bad)) == (422, 42203)


def test_a_subject_level_applies_to_registration(client: TestClient) -> None:
    """With FORWARD on the subject, removing a field old readers need is refused with 409."""
    client.put(f"config/{SUBJECT}", json={"compatibility": "FORWARD"})
    registered(client, schema({"name": "depth", "type": "int"}))
    answer = register(client, V1)
    assert (answer.status_code, error_code(answer)) == (409, 409)
    assert "'depth'" in answer.json()["message"] and "FORWARD" in answer.json()["message"]


def test_compatibility_test_endpoint(client: TestClient) -> None:
    """POST /compatibility/subjects/{s}/versions/{v} answers is_compatible, with messages
    naming the field when verbose; errors as elsewhere."""
    registered(client, V1)
    registered(client, V2)
    path = f"compatibility/subjects/{SUBJECT}/versions"
    ok = client.post(f"{path}/latest", json={"schema": V2})
    assert ok.json() == {"is_compatible": True}
    bad = client.post(f"{path}/2", params={"verbose": "true"}, json={"schema": BREAKS_V2})
    assert bad.json()["is_compatible"] is False
    assert any("'depth'" in m for m in bad.json()["messages"])
    assert client.post(path, json={"schema": BREAKS_V2}).json() == {"is_compatible": False}
    for target, code in [("nobody-value/versions/1", 40401), (f"{SUBJECT}/versions/9", 40402)]:
        answer = client.post(f"compatibility/subjects/{target}", json={"schema": V1})
        assert error_code(answer) == code
    invalid = client.post(f"{path}/zero", json={"schema": V1})
    assert error_code(invalid) == 42202


def test_deleting_a_version_soft_then_permanently(client: TestClient) -> None:
    """A soft-deleted version is hidden (40402) unless deleted=true; deleting it softly again is
    40406; a permanent delete needs the soft one first (40407) and removes it for good."""
    registered(client, V1)
    registered(client, V2)
    versions = f"subjects/{SUBJECT}/versions"

    early = client.delete(f"{versions}/1", params={"permanent": "true"})
    assert (early.status_code, error_code(early)) == (404, 40407)
    assert client.delete(f"{versions}/1").json() == 1
    assert client.get(versions).json() == [2]
    assert client.get(versions, params={"deleted": "true"}).json() == [1, 2]
    assert error_code(client.get(f"{versions}/1")) == 40402
    assert client.get(f"{versions}/1", params={"deleted": "true"}).json()["version"] == 1
    again = client.delete(f"{versions}/1")
    assert (again.status_code, error_code(again)) == (404, 40406)

    assert client.delete(f"{versions}/1", params={"permanent": "true"}).json() == 1
    assert client.get(versions, params={"deleted": "true"}).json() == [2]
    assert error_code(client.delete(f"{versions}/1")) == 40402
    assert client.delete(f"{versions}/latest").json() == 2
    assert error_code(client.delete("subjects/nobody-value/versions/1")) == 40401


def test_deleting_a_subject_soft_then_permanently(client: TestClient) -> None:
    """Soft delete returns the versions and hides the subject (40401); again is 40404; a
    permanent delete needs it first (40405); ids stay readable for records already written."""
    first = registered(client, V1)
    registered(client, V2)
    early = client.delete(f"subjects/{SUBJECT}", params={"permanent": "true"})
    assert (early.status_code, error_code(early)) == (404, 40405)

    assert client.delete(f"subjects/{SUBJECT}").json() == [1, 2]
    assert client.get("subjects").json() == []
    assert client.get("subjects", params={"deleted": "true"}).json() == [SUBJECT]
    assert error_code(client.get(f"subjects/{SUBJECT}/versions")) == 40401
    again = client.delete(f"subjects/{SUBJECT}")
    assert (again.status_code, error_code(again)) == (404, 40404)

    assert client.delete(f"subjects/{SUBJECT}", params={"permanent": "true"}).json() == [1, 2]
    assert client.get("subjects", params={"deleted": "true"}).json() == []
    assert error_code(client.delete(f"subjects/{SUBJECT}")) == 40401
    assert client.get(f"schemas/ids/{first}").json() == {"schema": V1}
    assert client.get(f"schemas/ids/{first}/versions").json() == []


def test_a_soft_deleted_subject_starts_afresh_but_keeps_counting(client: TestClient) -> None:
    """After a soft delete, compatibility ignores the deleted versions and numbering goes on."""
    first = registered(client, V1)
    registered(client, V2)
    client.delete(f"subjects/{SUBJECT}")
    registered(client, BREAKS_V2)  # would break version 2, which is deleted
    assert client.get(f"subjects/{SUBJECT}/versions").json() == [3]
    assert registered(client, V1) == first  # the same id again, as a new version
    assert client.get(f"subjects/{SUBJECT}/versions").json() == [3, 4]


def test_changes_need_a_token_that_the_catalogue_allows(embedded_hub: Hub) -> None:
    """Reads are open. Registering needs a producer of the dataset's owner (so-nnmt owns
    salinity.readings), or an admin; deletes and compatibility settings need an admin; HTTP
    Basic with the token as password works, as Confluent clients send it."""
    import base64

    _empty(embedded_hub)
    anonymous = TestClient(build_app(embedded_hub), base_url="http://testserver/registry/")
    refused = anonymous.post(f"subjects/{SUBJECT}/versions", json={"schema": V1})
    assert (refused.status_code, error_code(refused)) == (401, 40101)
    assert anonymous.get("subjects").status_code == 200

    def bearer(agency: str, role: Role) -> dict[str, str]:
        token = embedded_hub.tokens.create(agency, frozenset({role})).plaintext
        return {"Authorization": f"Bearer {token}"}

    other = anonymous.post(
        f"subjects/{SUBJECT}/versions", json={"schema": V1}, headers=bearer("so-ct", Role.PRODUCER)
    )
    assert (other.status_code, error_code(other)) == (403, 40301)
    assert "so-nnmt" in other.json()["message"]
    owner_token = embedded_hub.tokens.create("so-nnmt", frozenset({Role.PRODUCER})).plaintext
    basic = base64.b64encode(f"so-nnmt:{owner_token}".encode()).decode()
    owner = {"Authorization": f"Basic {basic}"}
    assert (
        anonymous.post(
            f"subjects/{SUBJECT}/versions", json={"schema": V1}, headers=owner
        ).status_code
        == 200
    )
    stray = anonymous.post(
        "subjects/ngoai-danh-muc-value/versions", json={"schema": V1}, headers=owner
    )
    assert (stray.status_code, error_code(stray)) == (403, 40301)
    for method, path in (("DELETE", f"subjects/{SUBJECT}"), ("PUT", "config")):
        answer = anonymous.request(method, path, json={"compatibility": "NONE"}, headers=owner)
        assert (answer.status_code, error_code(answer)) == (403, 40301), path
    assert anonymous.get(f"subjects/{SUBJECT}/versions").json() == [1]
