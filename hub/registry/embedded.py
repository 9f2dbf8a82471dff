"""The hub's own schema registry, stored in the hub's database (PostgreSQL or SQLite).

Ids are global and shared by identical schemas, as in Confluent's registry; a subject's versions
count from 1. Compatibility checks and the Confluent REST API come with the event backbone.
"""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa

from hub.db import metadata
from hub.registry.port import RegistryError, SchemaId, Subject

schemas_table = sa.Table(
    "registry_schemas",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
    sa.Column("schema_text", sa.Text, nullable=False),
)

subject_versions_table = sa.Table(
    "registry_subject_versions",
    metadata,
    sa.Column("subject", sa.String(255), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("schema_id", sa.Integer, sa.ForeignKey("registry_schemas.id"), nullable=False),
)


def fingerprint(schema_text: str) -> str:
    """A stable hash of the schema's JSON, independent of whitespace and key order."""
    canonical = json.dumps(json.loads(schema_text), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class DatabaseSchemaRegistry:
    """A SchemaRegistry in the hub's database."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._by_id: dict[int, str] = {}

    def register(self, subject: Subject, schema_text: str) -> SchemaId:
        digest = fingerprint(schema_text)
        for _attempt in range(3):
            try:
                return self._register_once(subject, schema_text, digest)
            except sa.exc.IntegrityError:
                continue  # another writer registered the same schema or version first
        raise RegistryError(f"Không đăng ký được lược đồ cho {subject} do ghi đồng thời")

    def schema_text(self, schema_id: SchemaId) -> str:
        if schema_id in self._by_id:
            return self._by_id[schema_id]
        with self._engine.connect() as conn:
            text = conn.execute(
                sa.select(schemas_table.c.schema_text).where(schemas_table.c.id == schema_id)
            ).scalar_one_or_none()
        if text is None:
            raise RegistryError(f"Không có lược đồ mang id {schema_id}")
        self._by_id[schema_id] = str(text)
        return str(text)

    def _register_once(self, subject: Subject, schema_text: str, digest: str) -> SchemaId:
        with self._engine.begin() as conn:
            schema_id = conn.execute(
                sa.select(schemas_table.c.id).where(schemas_table.c.fingerprint == digest)
            ).scalar_one_or_none()
            if schema_id is None:
                inserted = conn.execute(
                    sa.insert(schemas_table).values(fingerprint=digest, schema_text=schema_text)
                ).inserted_primary_key
                if inserted is None:
                    raise RegistryError(f"Cơ sở dữ liệu không trả về id lược đồ cho {subject}")
                schema_id = inserted[0]
            versions = subject_versions_table.c
            present = conn.execute(
                sa.select(versions.version).where(
                    versions.subject == subject, versions.schema_id == schema_id
                )
            ).first()
            if present is None:
                latest = conn.execute(
                    sa.select(sa.func.max(versions.version)).where(versions.subject == subject)
                ).scalar_one()
                conn.execute(
                    sa.insert(subject_versions_table).values(
                        subject=subject, version=(latest or 0) + 1, schema_id=schema_id
                    )
                )
        return SchemaId(int(schema_id))
