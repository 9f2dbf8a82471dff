"""The HTTP registry client turns every transport and HTTP failure into a registry error, caches
what never changes, and is chosen by KHO_REGISTRY_URL."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from hub.db import create_engine
from hub.errors import ConfigurationError
from hub.registry.embedded import DatabaseSchemaRegistry
from hub.registry.errors import (
    INVALID_SCHEMA,
    SUBJECT_NOT_FOUND,
    IncompatibleSchema,
    RefusalKind,
    RegistryRefusal,
    RegistryUnavailable,
)
from hub.registry.factory import open_registry
from hub.registry.http import ConfluentRegistryClient
from hub.registry.port import RegistryError, SchemaId, Subject
from hub.settings import KhoSettings

SCHEMA = json.dumps({"type": "record", "name": "R", "fields": [{"name": "a", "type": "string"}]})
URL = "https://kho:bí-mật@registry.example:8081/api/registry"

Handler = Callable[[httpx.Request], httpx.Response]


def client_with(handler: Handler) -> ConfluentRegistryClient:
    return ConfluentRegistryClient(URL, transport=httpx.MockTransport(handler))


def test_requests_go_under_the_base_path_with_the_subject_escaped() -> None:
    """The URL's path prefixes every request; a subject is one escaped path segment."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": 7})

    assert client_with(handler).register(Subject("a/b-value"), SCHEMA) == 7
    (request,) = seen
    assert request.url.raw_path == b"/api/registry/subjects/a%2Fb-value/versions"
    assert json.loads(request.content) == {"schema": SCHEMA, "schemaType": "AVRO"}
    assert request.headers["content-type"] == "application/vnd.schemaregistry.v1+json"


def test_ids_and_registrations_are_asked_once() -> None:
    """A schema id's text and a subject's registration are cached: one request each."""
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.method} {request.url.path}")
        if request.method == "POST":
            return httpx.Response(200, json={"id": 3})
        return httpx.Response(200, json={"schema": SCHEMA})

    client = client_with(handler)
    for _ in range(3):
        assert client.register(Subject("s-value"), SCHEMA) == 3
        assert client.schema_text(SchemaId(3)) == SCHEMA
    assert calls == [
        "POST /api/registry/subjects/s-value/versions",
        "GET /api/registry/schemas/ids/3",
    ]


@pytest.mark.parametrize(
    ("answer", "error", "words"),
    [
        (
            httpx.Response(409, json={"error_code": 409, "message": "field x"}),
            IncompatibleSchema,
            "field x",
        ),
        (httpx.Response(422, json={"error_code": 42201, "message": "bad"}), INVALID_SCHEMA, "bad"),
        (
            httpx.Response(404, json={"error_code": 40401, "message": "no s"}),
            SUBJECT_NOT_FOUND,
            "no s",
        ),
        (httpx.Response(503, text="down"), RegistryUnavailable, "HTTP 503"),
        (httpx.Response(401, json={"error_code": 40101}), RegistryError, "quyền truy cập"),
        (httpx.Response(500, text="<html>"), RegistryError, "HTTP 500"),
        (httpx.Response(200, text="not json"), RegistryError, "không phải JSON"),
        (httpx.Response(200, json={"unexpected": 1}), RegistryError, "'id'"),
    ],
)
def test_http_answers_become_registry_errors(
    answer: httpx.Response, error: type[Exception] | RefusalKind, words: str
) -> None:
    """Confluent error codes map to the registry's own refusals; other failures to
    RegistryError."""
    expected = RegistryRefusal if isinstance(error, RefusalKind) else error
    with pytest.raises(expected, match=words) as raised:
        client_with(lambda request: answer).register(Subject("s-value"), SCHEMA)
    assert "bí-mật" not in str(raised.value)
    if isinstance(error, RefusalKind):
        assert isinstance(raised.value, RegistryRefusal) and raised.value.kind is error


@pytest.mark.parametrize(
    ("failure", "words"),
    [
        (httpx.ConnectError("refused"), "ConnectError"),
        (httpx.ReadTimeout("slow"), "hết thời gian chờ"),
    ],
)
def test_an_unreachable_registry_is_registry_unavailable(failure: Exception, words: str) -> None:
    """Refused connections and timeouts raise RegistryUnavailable naming the URL (no password)."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise failure

    with pytest.raises(RegistryUnavailable, match=words) as raised:
        client_with(handler).schema_text(SchemaId(1))
    message = str(raised.value)
    assert "registry.example:8081/api/registry" in message and "bí-mật" not in message


def test_a_schema_that_is_not_json_is_refused_before_sending() -> None:
    """register() refuses text that is not JSON without a request."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    with pytest.raises(RegistryRefusal) as refused:
        client_with(handler).register(Subject("s-value"), "{")
    assert refused.value.kind is INVALID_SCHEMA


def test_the_settings_choose_the_adapter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """embedded is the database registry, http(s) the client; anything else is refused."""
    engine = create_engine(f"sqlite:///{tmp_path / 'kho.sqlite3'}")
    assert KhoSettings().registry_url == "embedded"
    assert isinstance(open_registry("embedded", engine), DatabaseSchemaRegistry)
    monkeypatch.setenv("KHO_REGISTRY_URL", "http://127.0.0.1:8081/registry")
    external = open_registry(KhoSettings().registry_url, engine)
    assert isinstance(external, ConfluentRegistryClient)
    external.close()
    with pytest.raises(ConfigurationError, match="KHO_REGISTRY_URL"):
        open_registry("ftp://registry", engine)
    engine.dispose()
