"""The corpus through the schema registry's writes (the Confluent API at ``/registry``):
every bad body, schema text and path parameter (subject, version, schema id) gets a 4xx with
Confluent's error code and a Vietnamese reason, never a 500; what is accepted is registered."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
import yaml
from starlette.testclient import TestClient

from hub.app.api import build_app
from hub.app.api.registry_handlers import MAX_BODY_BYTES
from hub.app.wiring import Hub
from hub.auth.tokens import Role
from tests.corpus.inputs import DATA, bad_bodies, bad_path_params
from tests.corpus.tally import PathTally, Tally

SUBJECT = "corpus.readings-value"
MEDIA = "application/vnd.schemaregistry.v1+json"


@pytest.fixture
def client(embedded_hub: Hub) -> TestClient:
    admin = embedded_hub.tokens.create("vp-ubnd", frozenset({Role.ADMIN})).plaintext
    return TestClient(
        build_app(embedded_hub),
        base_url="http://testserver/registry/",
        headers={"Authorization": f"Bearer {admin}", "Content-Type": MEDIA},
        raise_server_exceptions=False,
    )


def _schemas() -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = yaml.safe_load(
        (DATA / "registry_schemas.yaml").read_text("utf-8")
    )["schemas"]
    for case in listed:
        if "generate" in case:
            g = case["generate"]
            case["text"] = g["template"] % (g["repeat"] * g["times"])
    return listed


def _refused(answer: Any, name: str, counts: PathTally) -> None:
    """A 4xx with Confluent's error, or the hub's own for a path the registry does not serve
    (``subjects/x/versions/%2e%2e%2f`` is ``subjects/x/`` once the client resolves the dots)."""
    assert 400 <= answer.status_code < 500, (name, answer.status_code, answer.text[:300])
    error = answer.json()
    error = error.get("error", error)
    assert error.get("error_code", error.get("code")) and error["message"], name
    assert "Traceback" not in answer.text, name
    counts.sent_one("refused")


def _versions(client: TestClient, subject: str) -> list[int]:
    answer = client.get(f"subjects/{subject}/versions")
    return list(answer.json()) if answer.status_code == 200 else []


@pytest.mark.usefixtures("no_tracebacks")
def test_schema_texts(client: TestClient, tally: Tally) -> None:
    """Each schema text: registered, or refused naming why; registered ones are versions."""
    counts = tally.path("registry: schema texts")
    for i, case in enumerate(_schemas()):
        subject = f"corpus.case-{i}-value"
        body = json.dumps({"schema": case["text"]}, ensure_ascii=False).encode("utf-8")
        answer = client.post(f"subjects/{subject}/versions", content=body)
        if case["expect"] == "accepted":
            assert answer.status_code == 200, (case["name"], answer.text[:300])
            assert _versions(client, subject) == [1]
            counts.sent_one("accepted")
        else:
            _refused(answer, case["name"], counts)
            assert _versions(client, subject) == []
    assert counts.adds_up()


@pytest.mark.usefixtures("no_tracebacks")
def test_bad_bodies(client: TestClient, tally: Tally) -> None:
    """Every bad body of the corpus as a registration: a 4xx; the BOM'd one is registered."""
    counts = tally.path("registry: bodies")
    text = _schemas()[0]["text"]
    valid = json.dumps({"schema": text}, ensure_ascii=False).encode("utf-8")
    for body in bad_bodies():
        answer = client.post(
            f"subjects/{SUBJECT}/versions", content=body.content(valid, MAX_BODY_BYTES)
        )
        if body.expect == "accepted":
            assert answer.status_code == 200, (body.name, answer.text[:300])
            counts.sent_one("accepted")
        else:
            _refused(answer, body.name, counts)
    assert counts.adds_up()
    assert _versions(client, SUBJECT) == [1]


@pytest.mark.usefixtures("no_tracebacks")
def test_bad_path_parameters(client: TestClient, tally: Tally) -> None:
    """SQL, path, look-alike and control characters, and 5,000 digits, as a subject, a
    version and a schema id: a 4xx (a look-alike subject is only a name: not found)."""
    counts = tally.path("registry: path parameters")
    body = json.dumps({"schema": _schemas()[0]["text"], "compatibility": "BACKWARD"}).encode()
    for param in [*bad_path_params(), "9" * 5000]:
        q = quote(param, safe="")
        requests = [
            ("GET", f"subjects/{q}/versions"),
            ("GET", f"subjects/{SUBJECT}/versions/{q}"),
            ("GET", f"schemas/ids/{q}"),
            ("DELETE", f"subjects/{q}"),
            ("POST", f"compatibility/subjects/{q}/versions/latest"),
        ]
        for method, url in requests:
            _refused(client.request(method, url, content=body), f"{method} {url}", counts)
    assert counts.adds_up()


@pytest.mark.usefixtures("no_tracebacks")
def test_subject_names_the_store_cannot_keep(client: TestClient, tally: Tally) -> None:
    """Registering under a subject with NUL or another control character, or longer than the
    store's 255 characters, is a 400 (PostgreSQL would refuse the write); nothing registered."""
    counts = tally.path("registry: subject names")
    body = json.dumps({"schema": _schemas()[0]["text"]}).encode()
    for subject in ["a\x00-value", "a\n-value", "a\u202e-value", "x" * 256]:
        answer = client.post(f"subjects/{quote(subject, safe='')}/versions", content=body)
        _refused(answer, repr(subject[:20]), counts)
        assert answer.status_code == 400
        level = b'{"compatibility":"NONE"}'
        put = client.put(f"config/{quote(subject, safe='')}", content=level)
        _refused(put, repr(subject[:20]), counts)
    assert counts.adds_up()
    registered = client.get("subjects").json()
    assert not [s for s in registered if s.startswith(("a\x00", "a\n", "a\u202e", "xxx"))]
