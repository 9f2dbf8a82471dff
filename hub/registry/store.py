"""The registry's tables in the hub's database, the fingerprint that makes ids shared, and the
queries the registry is built from.

Soft deletes and compatibility settings live in tables of their own, so a database created
before they existed gains them through ``create_tables`` without a migration.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa

from hub.db import metadata
from hub.registry.compatibility import CompatibilityLevel, parse_level
from hub.registry.errors import SUBJECT_NOT_FOUND, VERSION_NOT_FOUND
from hub.registry.port import SchemaId

VersionRef = int | Literal["latest"]

GLOBAL_CONFIG = ""  # the config row of the whole registry; no subject has an empty name

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

deleted_versions_table = sa.Table(
    "registry_deleted_versions",
    metadata,
    sa.Column("subject", sa.String(255), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
)

config_table = sa.Table(
    "registry_config",
    metadata,
    sa.Column("subject", sa.String(255), primary_key=True),
    sa.Column("compatibility", sa.String(32), nullable=False),
)


def fingerprint(schema_text: str) -> str:
    """A stable hash of the schema's JSON, independent of whitespace and key order."""
    canonical = json.dumps(json.loads(schema_text), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class SubjectVersion:
    """One version of a subject: its number, the schema's id and text."""

    subject: str
    version: int
    schema_id: SchemaId
    schema_text: str
    fingerprint: str
    deleted: bool = False


def subject_rows(conn: sa.Connection, subject: str) -> list[SubjectVersion]:
    """Every version of the subject, soft-deleted ones included, oldest first."""
    versions, schemas = subject_versions_table.c, schemas_table.c
    query = (
        sa.select(
            versions.version,
            versions.schema_id,
            schemas.schema_text,
            schemas.fingerprint,
            is_deleted().label("deleted"),
        )
        .join_from(subject_versions_table, schemas_table, versions.schema_id == schemas.id)
        .where(versions.subject == subject)
        .order_by(versions.version)
    )
    return [
        SubjectVersion(subject, int(v), SchemaId(int(i)), str(t), str(f), bool(d))
        for v, i, t, f, d in conn.execute(query)
    ]


def is_deleted() -> sa.ColumnElement[bool]:
    """Whether the subject version of the current row is soft-deleted (a correlated EXISTS)."""
    versions, deleted = subject_versions_table.c, deleted_versions_table.c
    return sa.exists().where(
        deleted.subject == versions.subject, deleted.version == versions.version
    )


def configured_level(conn: sa.Connection, key: str) -> CompatibilityLevel | None:
    """The level set for a subject (or GLOBAL_CONFIG), None if none is."""
    stored = conn.execute(
        sa.select(config_table.c.compatibility).where(config_table.c.subject == key)
    ).scalar_one_or_none()
    return parse_level(stored) if stored is not None else None


def pick(rows: list[SubjectVersion], subject: str, ref: VersionRef) -> SubjectVersion:
    """The version ``ref`` among the rows; SUBJECT_NOT_FOUND or VERSION_NOT_FOUND otherwise."""
    if not rows:
        raise SUBJECT_NOT_FOUND(subject=subject)
    if ref == "latest":
        return rows[-1]
    for row in rows:
        if row.version == ref:
            return row
    raise VERSION_NOT_FOUND(subject=subject, version=ref)


def remove_versions(conn: sa.Connection, subject: str, versions: list[int]) -> None:
    """Delete versions for good (the schema texts behind their ids stay)."""
    for table in (deleted_versions_table, subject_versions_table):
        conn.execute(
            sa.delete(table).where(table.c.subject == subject, table.c.version.in_(versions))
        )
