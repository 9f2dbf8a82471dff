"""One contract for every schema registry adapter: the hub's own registry in its database
(SQLite, and PostgreSQL with the real services), and the HTTP client of a Confluent-compatible
registry (here pointed at the hub's /registry API)."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import fastavro
import httpx
import pytest
from starlette.testclient import TestClient

from hub.app.api import build_app
from hub.app.wiring import Hub
from hub.auth.tokens import Role
from hub.avro.decoder import RegistryDecoder
from hub.avro.wire import encode
from hub.db import create_engine, create_tables
from hub.registry.embedded import DatabaseSchemaRegistry
from hub.registry.errors import (
    INVALID_SCHEMA,
    SCHEMA_NOT_FOUND,
    IncompatibleSchema,
    RegistryRefusal,
)
from hub.registry.http import ConfluentRegistryClient
from hub.registry.port import RegistryError, SchemaId, SchemaRegistry, Subject
from tests.conftest import service_port

POSTGRES_URL = f"postgresql://kho:kho@127.0.0.1:{service_port('PG', 15432)}/kho"


def schema(*extra: dict[str, object]) -> str:
    fields = [{"name": "station_id", "type": "string", "personal": True}, *extra]
    return json.dumps(
        {
            "type": "record",
            "name": "Reading",
            "namespace": "t",
            "kho.key": "station_id",
            "fields": fields,
        }
    )


V1 = schema()
V2 = schema({"name": "depth_m", "type": "double", "default": 0.0})


class StarletteTransport(httpx.BaseTransport):
    """Sends httpx requests to an ASGI app in-process, through Starlette's TestClient."""

    def __init__(self, client: TestClient) -> None:
        self._client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self._client.request(
            request.method,
            str(request.url),
            content=request.read(),
            headers=dict(request.headers),
        )
        return httpx.Response(
            answer.status_code, headers=answer.headers.multi_items(), content=answer.content
        )


POSTGRES = pytest.param("postgres", marks=pytest.mark.integration)


@pytest.fixture(params=["sqlite", "http", POSTGRES])
def registry(
    request: pytest.FixtureRequest, tmp_path: Path, embedded_hub: Hub
) -> Iterator[SchemaRegistry]:
    if request.param == "http":
        transport = StarletteTransport(TestClient(build_app(embedded_hub)))
        admin = embedded_hub.tokens.create("vp-ubnd", frozenset({Role.ADMIN})).plaintext
        client = ConfluentRegistryClient(
            f"http://kho:{admin}@testserver/registry", transport=transport
        )
        yield client
        client.close()
        return
    url = POSTGRES_URL if request.param == "postgres" else f"sqlite:///{tmp_path / 'r.sqlite3'}"
    engine = create_engine(url)
    create_tables(engine)
    yield DatabaseSchemaRegistry(engine)
    engine.dispose()


@pytest.fixture
def subject() -> Subject:
    """A subject of its own for each test (the PostgreSQL registry outlives test runs)."""
    return Subject(f"contract.{uuid.uuid4().hex[:12]}-value")


def test_identical_schemas_share_one_id(registry: SchemaRegistry, subject: Subject) -> None:
    """The same schema, re-spaced or under another subject, has one id; a changed one another."""
    first = registry.register(subject, V1)
    assert registry.register(subject, json.dumps(json.loads(V1), indent=2)) == first
    assert registry.register(Subject(f"{subject}-other"), V1) == first
    assert registry.register(subject, V2) != first


def test_an_id_gives_back_its_schema(registry: SchemaRegistry, subject: Subject) -> None:
    """schema_text(id) returns the schema registered under that id."""
    schema_id = registry.register(subject, V2)
    assert json.loads(registry.schema_text(schema_id)) == json.loads(V2)


def test_an_unknown_id_is_a_registry_error_naming_it(registry: SchemaRegistry) -> None:
    """Looking up an id nobody registered is refused as SCHEMA_NOT_FOUND, a RegistryError,
    naming the id."""
    with pytest.raises(RegistryRefusal, match="2147483647") as refused:
        registry.schema_text(SchemaId(2**31 - 1))
    assert refused.value.kind is SCHEMA_NOT_FOUND
    assert isinstance(refused.value, RegistryError)


def test_an_incompatible_schema_is_refused_naming_field_and_rule(
    registry: SchemaRegistry, subject: Subject
) -> None:
    """Under the default BACKWARD level, a field added without default is IncompatibleSchema
    whose message names the field and the rule."""
    registry.register(subject, V1)
    with pytest.raises(IncompatibleSchema) as refused:
        registry.register(subject, schema({"name": "depth_m", "type": "double"}))
    assert "'depth_m'" in str(refused.value)
    assert "READER_FIELD_MISSING_DEFAULT_VALUE" in str(refused.value)


def test_an_invalid_schema_is_refused(registry: SchemaRegistry, subject: Subject) -> None:
    """Text that is not an Avro schema is refused as INVALID_SCHEMA."""
    with pytest.raises(RegistryRefusal) as refused:
        registry.register(subject, '{"type": "record", "name": "NoFields"}')
    assert refused.value.kind is INVALID_SCHEMA


def test_wire_format_round_trip_through_the_registry(
    registry: SchemaRegistry, subject: Subject
) -> None:
    """A record encoded under a registered id decodes through the registry to the same record."""
    schema_id = registry.register(subject, V2)
    parsed = fastavro.parse_schema(json.loads(V2))
    record = {"station_id": "TRA-VINH-01", "depth_m": 2.5}
    assert RegistryDecoder(registry).decode(encode(schema_id, parsed, record)) == record


@pytest.fixture(params=["sqlite", POSTGRES])
def database_registry(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[DatabaseSchemaRegistry]:
    url = POSTGRES_URL if request.param == "postgres" else f"sqlite:///{tmp_path / 'r.sqlite3'}"
    engine = create_engine(url)
    create_tables(engine)
    yield DatabaseSchemaRegistry(engine)
    engine.dispose()


def test_two_writers_at_once_agree(
    database_registry: DatabaseSchemaRegistry, subject: Subject
) -> None:
    """Writers registering at the same moment get one id per schema and distinct versions."""
    schemas = [V1, V1, V2, V2, schema({"name": "depth_m", "type": "double", "default": 1.0})]
    start = threading.Barrier(len(schemas))
    ids: dict[int, SchemaId] = {}
    errors: list[Exception] = []

    def write(index: int, text: str) -> None:
        start.wait()
        try:
            ids[index] = database_registry.register(subject, text)
        except Exception as exc:  # collected and reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=pair) for pair in enumerate(schemas)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert ids[0] == ids[1] and ids[2] == ids[3] and len(set(ids.values())) == 3
    assert database_registry.versions(subject) == [1, 2, 3]
