"""The hub's own schema registry, stored in the hub's database (PostgreSQL or SQLite), with
Confluent's semantics: ids are global and shared by identical schemas; a subject's versions
count from 1; a new version must be compatible (BACKWARD unless configured otherwise); deletes
are soft first, then permanent.

A permanent delete removes the subject's version, never the schema text behind an id, so the
records already on a topic stay readable.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa

from hub.registry.compatibility import (
    DEFAULT_LEVEL,
    CompatibilityLevel,
    Incompatibility,
    check_compatibility,
    parse_schema,
    summary,
)
from hub.registry.errors import (
    COMPATIBILITY_NOT_CONFIGURED,
    SCHEMA_NOT_FOUND,
    SCHEMA_NOT_IN_SUBJECT,
    SUBJECT_NOT_FOUND,
    SUBJECT_NOT_SOFT_DELETED,
    SUBJECT_SOFT_DELETED,
    VERSION_NOT_SOFT_DELETED,
    VERSION_SOFT_DELETED,
    IncompatibleSchema,
)
from hub.registry.port import RegistryError, SchemaId, Subject
from hub.registry.store import (
    GLOBAL_CONFIG,
    SubjectVersion,
    VersionRef,
    config_table,
    configured_level,
    deleted_versions_table,
    fingerprint,
    is_deleted,
    pick,
    remove_versions,
    schemas_table,
    subject_rows,
    subject_versions_table,
)

WRITE_ATTEMPTS = 12
LARGEST_SCHEMA_ID = 2**31 - 1  # the id column is an INTEGER, as Confluent's ids are 32-bit
_T = TypeVar("_T")


class DatabaseSchemaRegistry:
    """A SchemaRegistry in the hub's database, and everything the Confluent REST API serves."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._by_id: dict[int, str] = {}

    # The port: what the hub's writers and readers use.

    def register(self, subject: Subject | str, schema_text: str) -> SchemaId:
        """The id of the schema under the subject; a new version if it passes the subject's
        compatibility level (IncompatibleSchema otherwise, naming field and rule)."""
        parse_schema(schema_text)
        digest = fingerprint(schema_text)
        return self._write(lambda: self._register_once(str(subject), schema_text, digest))

    def schema_text(self, schema_id: SchemaId | int) -> str:
        if schema_id in self._by_id:
            return self._by_id[schema_id]
        if not 0 < schema_id <= LARGEST_SCHEMA_ID:  # no such row, and no query the engine takes
            raise SCHEMA_NOT_FOUND(id=schema_id)
        with self._engine.connect() as conn:
            text = conn.execute(
                sa.select(schemas_table.c.schema_text).where(schemas_table.c.id == schema_id)
            ).scalar_one_or_none()
        if text is None:
            raise SCHEMA_NOT_FOUND(id=schema_id)
        self._by_id[int(schema_id)] = str(text)
        return str(text)

    def close(self) -> None:
        """Nothing to release: the engine belongs to the hub."""

    # Reads.

    def subjects(self, *, deleted: bool = False) -> list[str]:
        """Subjects with a live version (or, with ``deleted``, any version), sorted."""
        versions = subject_versions_table.c
        query = sa.select(versions.subject).distinct().order_by(versions.subject)
        if not deleted:
            query = query.where(~is_deleted())
        with self._engine.connect() as conn:
            return [str(s) for s in conn.execute(query).scalars()]

    def versions(self, subject: str, *, deleted: bool = False) -> list[int]:
        return [v.version for v in self._existing(subject, deleted=deleted)]

    def version(self, subject: str, ref: VersionRef, *, deleted: bool = False) -> SubjectVersion:
        return pick(self._existing(subject, deleted=deleted), subject, ref)

    def lookup(self, subject: str, schema_text: str, *, deleted: bool = False) -> SubjectVersion:
        """The version of the subject holding this schema; SCHEMA_NOT_IN_SUBJECT if none does."""
        parse_schema(schema_text)
        digest = fingerprint(schema_text)
        for row in reversed(self._existing(subject, deleted=deleted)):
            if row.fingerprint == digest:
                return row
        raise SCHEMA_NOT_IN_SUBJECT(subject=subject)

    def schema_versions(self, schema_id: int, *, deleted: bool = False) -> list[tuple[str, int]]:
        """Every (subject, version) that uses the schema id."""
        self.schema_text(schema_id)
        versions = subject_versions_table.c
        query = sa.select(versions.subject, versions.version).where(versions.schema_id == schema_id)
        if not deleted:
            query = query.where(~is_deleted())
        with self._engine.connect() as conn:
            rows = conn.execute(query.order_by(versions.subject, versions.version)).all()
        return [(str(subject), int(version)) for subject, version in rows]

    # Deletes: soft first (the version is hidden), then permanent (the version is gone).

    def delete_version(self, subject: str, ref: VersionRef, *, permanent: bool = False) -> int:
        def delete() -> int:
            with self._engine.begin() as conn:
                rows = subject_rows(conn, subject)
                if not rows:
                    raise SUBJECT_NOT_FOUND(subject=subject)
                if permanent:
                    row = pick(rows, subject, ref)
                    if not row.deleted:
                        raise VERSION_NOT_SOFT_DELETED(version=row.version, subject=subject)
                    remove_versions(conn, subject, [row.version])
                    return row.version
                if ref != "latest" and any(r.version == ref and r.deleted for r in rows):
                    raise VERSION_SOFT_DELETED(version=ref, subject=subject)
                row = pick([r for r in rows if not r.deleted], subject, ref)
                conn.execute(
                    sa.insert(deleted_versions_table).values(subject=subject, version=row.version)
                )
                return row.version

        return self._write(delete)

    def delete_subject(self, subject: str, *, permanent: bool = False) -> list[int]:
        def delete() -> list[int]:
            with self._engine.begin() as conn:
                rows = subject_rows(conn, subject)
                if not rows:
                    raise SUBJECT_NOT_FOUND(subject=subject)
                live = [r.version for r in rows if not r.deleted]
                if permanent:
                    if live:
                        raise SUBJECT_NOT_SOFT_DELETED(subject=subject)
                    remove_versions(conn, subject, [r.version for r in rows])
                    conn.execute(sa.delete(config_table).where(config_table.c.subject == subject))
                    return [r.version for r in rows]
                if not live:
                    raise SUBJECT_SOFT_DELETED(subject=subject)
                conn.execute(
                    sa.insert(deleted_versions_table),
                    [{"subject": subject, "version": v} for v in live],
                )
                return live

        return self._write(delete)

    # Compatibility: a global level (BACKWARD by default) and per-subject levels.

    def compatibility(self, subject: str | None = None) -> CompatibilityLevel:
        """The level in force: the subject's own, else the global one."""
        with self._engine.connect() as conn:
            return self._level(conn, subject)

    def subject_compatibility(self, subject: str) -> CompatibilityLevel:
        """The subject's own level; COMPATIBILITY_NOT_CONFIGURED if it follows the global one."""
        with self._engine.connect() as conn:
            level = configured_level(conn, subject)
        if level is None:
            raise COMPATIBILITY_NOT_CONFIGURED(subject=subject)
        return level

    def set_compatibility(self, level: CompatibilityLevel, subject: str | None = None) -> None:
        key = GLOBAL_CONFIG if subject is None else subject

        def store() -> None:
            with self._engine.begin() as conn:
                conn.execute(sa.delete(config_table).where(config_table.c.subject == key))
                conn.execute(sa.insert(config_table).values(subject=key, compatibility=level))

        self._write(store)

    def delete_compatibility(self, subject: str | None = None) -> CompatibilityLevel:
        """Forget a subject's own level (or reset the global one); returns the level it had."""
        key = GLOBAL_CONFIG if subject is None else subject
        with self._engine.begin() as conn:
            level = configured_level(conn, key)
            conn.execute(sa.delete(config_table).where(config_table.c.subject == key))
        if level is None and subject is not None:
            raise COMPATIBILITY_NOT_CONFIGURED(subject=subject)
        return level or DEFAULT_LEVEL

    def test_compatibility(
        self, subject: str, schema_text: str, ref: VersionRef | None = None
    ) -> list[Incompatibility]:
        """What registering the schema would break: against one version, or (``ref`` None) as
        the subject's level would check it."""
        with self._engine.connect() as conn:
            live = [r for r in subject_rows(conn, subject) if not r.deleted]
            level = self._level(conn, subject)
        if not live:
            raise SUBJECT_NOT_FOUND(subject=subject)
        compared = live if ref is None else [pick(live, subject, ref)]
        return check_compatibility(
            schema_text, [(r.version, r.schema_text) for r in compared], level
        )

    # Inside.

    def _register_once(self, subject: str, schema_text: str, digest: str) -> SchemaId:
        with self._engine.begin() as conn:
            rows = subject_rows(conn, subject)
            live = [r for r in rows if not r.deleted]
            for row in live:
                if row.fingerprint == digest:
                    return row.schema_id
            level = self._level(conn, subject)
            problems = check_compatibility(
                schema_text, [(r.version, r.schema_text) for r in live], level
            )
            if problems:
                raise IncompatibleSchema(summary(subject, level, problems), problems)
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
            conn.execute(
                sa.insert(subject_versions_table).values(
                    subject=subject,
                    version=max((r.version for r in rows), default=0) + 1,
                    schema_id=schema_id,
                )
            )
        return SchemaId(int(schema_id))

    def _write(self, operation: Callable[[], _T]) -> _T:
        """Run a write; if another writer got there first (a key clash), look again. Each round
        of clashes has a winner, so the attempts bound how many writers may race at once."""
        for attempt in range(WRITE_ATTEMPTS):
            try:
                return operation()
            except sa.exc.IntegrityError:
                time.sleep(random.uniform(0, 0.005 * (attempt + 1)))  # noqa: S311 (jitter)
        raise RegistryError("Không ghi được vào sổ đăng ký lược đồ do ghi đồng thời")

    def _existing(self, subject: str, *, deleted: bool) -> list[SubjectVersion]:
        with self._engine.connect() as conn:
            rows = [r for r in subject_rows(conn, subject) if deleted or not r.deleted]
        if not rows:
            raise SUBJECT_NOT_FOUND(subject=subject)
        return rows

    def _level(self, conn: sa.Connection, subject: str | None) -> CompatibilityLevel:
        own = configured_level(conn, subject) if subject is not None else None
        return own or configured_level(conn, GLOBAL_CONFIG) or DEFAULT_LEVEL
