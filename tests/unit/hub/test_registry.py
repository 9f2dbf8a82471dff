"""The hub's registry gives one id per distinct schema and numbers subject versions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.db import create_engine, create_tables
from hub.registry import DatabaseSchemaRegistry, RegistryError, SchemaId, subject_for_topic


@pytest.fixture
def registry(tmp_path: Path) -> DatabaseSchemaRegistry:
    engine = create_engine(f"sqlite:///{tmp_path / 'kho.sqlite3'}")
    create_tables(engine)
    return DatabaseSchemaRegistry(engine)


SCHEMA_V1 = {"type": "record", "name": "R", "fields": [{"name": "a", "type": "string"}]}


def test_same_schema_same_id_whatever_the_spacing(registry: DatabaseSchemaRegistry) -> None:
    """Registering an identical schema again, even re-formatted, returns the same id."""
    subject = subject_for_topic("t")
    first = registry.register(subject, json.dumps(SCHEMA_V1))
    again = registry.register(subject, json.dumps(SCHEMA_V1, indent=4))
    assert first == again
    assert json.loads(registry.schema_text(first)) == SCHEMA_V1


def test_a_changed_schema_gets_a_new_id(registry: DatabaseSchemaRegistry) -> None:
    """A second field makes a second schema id under the same subject."""
    subject = subject_for_topic("t")
    v2 = {**SCHEMA_V1, "fields": [*SCHEMA_V1["fields"], {"name": "b", "type": "int", "default": 0}]}
    assert registry.register(subject, json.dumps(SCHEMA_V1)) != registry.register(
        subject, json.dumps(v2)
    )


def test_unknown_id_is_a_registry_error(registry: DatabaseSchemaRegistry) -> None:
    """Looking up an id nobody registered says so."""
    with pytest.raises(RegistryError, match="999"):
        registry.schema_text(SchemaId(999))
