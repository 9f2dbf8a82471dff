"""Register a whole set of schemas at once, e.g. every subject the catalogue implies when the
hub starts, so that a consumer can fetch a schema before the first record is written.

Registering is idempotent on every registry (an identical schema keeps its id and makes no new
version), so registering the set again is always right; the question is only its cost. On the
hub's own registry it is a few local queries. On an external registry it is one HTTP round trip
per subject, so a ledger in the hub's database remembers the digest of the last set registered
there (registry location, subjects and schema fingerprints): when the set has not changed, one
query replaces every round trip.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from hub.db import metadata
from hub.registry.errors import RegistryUnavailable
from hub.registry.port import SchemaRegistry, Subject
from hub.registry.store import fingerprint

log = logging.getLogger("kho.registry")

registered_sets_table = sa.Table(
    "registry_registered_sets",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("digest", sa.String(64), nullable=False),
)


class RegisteredSets:
    """The ledger: which set of schemas was last registered under a name, by digest."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def holds(self, name: str, digest: str) -> bool:
        table = registered_sets_table.c
        with self._engine.connect() as conn:
            stored = conn.execute(
                sa.select(table.digest).where(table.name == name)
            ).scalar_one_or_none()
        return stored == digest

    def remember(self, name: str, digest: str) -> None:
        table = registered_sets_table
        with self._engine.begin() as conn:
            conn.execute(sa.delete(table).where(table.c.name == name))
            conn.execute(sa.insert(table).values(name=name, digest=digest))


@dataclass(frozen=True, slots=True)
class EnsuredSchemas:
    """What ``ensure_registered`` did: how many subjects the set has; whether it sent them
    (False: the ledger showed this very set already registered at this registry); and why it
    could not, when the registry did not answer."""

    subjects: int
    sent: bool
    unavailable: str | None = None


def set_digest(where: str, schemas: Mapping[Subject, str]) -> str:
    """A digest of the registry's location and every (subject, schema fingerprint) pair."""
    pairs = sorted((str(subject), fingerprint(text)) for subject, text in schemas.items())
    content = json.dumps({"registry": where, "subjects": pairs}, separators=(",", ":"))
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def ensure_registered(
    registry: SchemaRegistry,
    schemas: Mapping[Subject, str],
    *,
    ledger: RegisteredSets | None = None,
    name: str = "catalogue",
    where: str = "",
) -> EnsuredSchemas:
    """Register every schema under its subject (IncompatibleSchema if a subject refuses one).

    With a ``ledger``, the set registered at ``where`` is remembered under ``name``, and the
    same set is not sent again. A registry that does not answer is logged and tried again at
    the next start (each writer registers its own schema before its first record anyway): a
    command that needs no schema still runs."""
    digest = set_digest(where, schemas) if ledger is not None else ""
    if ledger is not None and ledger.holds(name, digest):
        return EnsuredSchemas(len(schemas), sent=False)
    try:
        for subject, text in schemas.items():
            registry.register(subject, text)
    except RegistryUnavailable as exc:
        log.warning("could not register the %s subjects: %s", name, exc)
        return EnsuredSchemas(len(schemas), sent=False, unavailable=str(exc))
    if ledger is not None:
        ledger.remember(name, digest)
    log.info("registered %d subjects (%s)", len(schemas), name)
    return EnsuredSchemas(len(schemas), sent=True)
