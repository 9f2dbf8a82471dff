"""What a publication was built from at its last publish, so that an unchanged ``kho publish``
knows it has nothing to do before it reads a single record of the topic.

A publication's files and DCAT description are a function of four things: the topic's records
(named, for a log that only grows, by its end offset per partition), the publication's spec,
the catalogue's say about its dataset (the entry, its agency, its schema) and the portal's
address. When the first three are what the last publish recorded and the portal is the same,
the result is the one recorded: the run reports it without materialising anything.

The record is written after the portal and the publication state were, so a crash in between
leaves no record, and the next run takes the full path.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hub.catalogue.loader import LoadedCatalogue
from hub.db import metadata

# Bump when the publisher's output for the same inputs changes (a new file, a new DCAT field):
# every publication then takes the full path once.
OUTPUT_FORMAT = 1

publish_inputs_table = sa.Table(
    "opendata_publish_inputs",
    metadata,
    sa.Column("publication_id", sa.String(200), primary_key=True),
    sa.Column("spec_digest", sa.String(64), nullable=False),
    sa.Column("source_digest", sa.String(64), nullable=False),
    sa.Column("topic_offsets", sa.Text, nullable=False),
    sa.Column("content_digest", sa.String(64), nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("location", sa.Text, nullable=False),
    sa.Column("files", sa.Text, nullable=False),  # JSON: file name -> SHA-256
)


@dataclass(frozen=True)
class PublishInputs:
    """What a publication is built from, compared before anything is read."""

    spec_digest: str
    source_digest: str
    topic_offsets: dict[int, int]


@dataclass(frozen=True)
class PublishedFrom:
    """The inputs of the last publish, with what it produced."""

    inputs: PublishInputs
    content_digest: str
    rows: int
    location: str
    files: dict[str, str]


def source_digest(catalogue: LoadedCatalogue, dataset_id: str, portal_home: str) -> str:
    """A digest of everything outside the spec and the records that shapes a publication: the
    dataset's catalogue entry, its owning agency, its schema, the portal's address and the
    publisher's output format."""
    entry = catalogue.entry(dataset_id)
    agency = catalogue.catalogue.agency(entry.owner)
    canonical = json.dumps(
        {
            "format": OUTPUT_FORMAT,
            "entry": entry.model_dump(mode="json"),
            "agency": agency.model_dump(mode="json"),
            "schema": catalogue.schema(dataset_id).text,
            "portal": portal_home,
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class PublishInputsStore:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def get(self, publication_id: str) -> PublishedFrom | None:
        table = publish_inputs_table
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(table).where(table.c.publication_id == publication_id)
            ).first()
        return None if row is None else _published_from(row)

    def record(
        self,
        publication_id: str,
        inputs: PublishInputs,
        *,
        content_digest: str,
        rows: int,
        location: str,
        files: dict[str, str],
    ) -> None:
        """Replace the publication's record (delete and insert in one transaction)."""
        table = publish_inputs_table
        values: dict[str, Any] = {
            "publication_id": publication_id,
            "spec_digest": inputs.spec_digest,
            "source_digest": inputs.source_digest,
            "topic_offsets": _offsets_json(inputs.topic_offsets),
            "content_digest": content_digest,
            "rows": rows,
            "location": location,
            "files": json.dumps(files, sort_keys=True),
        }
        for _ in range(2):  # two publishers inserting at once: the second replaces
            try:
                with self._engine.begin() as conn:
                    conn.execute(sa.delete(table).where(table.c.publication_id == publication_id))
                    conn.execute(sa.insert(table).values(**values))
                return
            except sa.exc.IntegrityError:
                continue

    def forget(self, publication_id: str) -> None:
        """A withdrawn publication: its next publish takes the full path."""
        table = publish_inputs_table
        with self._engine.begin() as conn:
            conn.execute(sa.delete(table).where(table.c.publication_id == publication_id))


def _offsets_json(offsets: dict[int, int]) -> str:
    return json.dumps({str(p): o for p, o in sorted(offsets.items())})


def _published_from(row: sa.Row[Any]) -> PublishedFrom:
    offsets = {int(p): int(o) for p, o in json.loads(row.topic_offsets).items()}
    return PublishedFrom(
        inputs=PublishInputs(row.spec_digest, row.source_digest, offsets),
        content_digest=row.content_digest,
        rows=int(row.rows),
        location=row.location,
        files={str(k): str(v) for k, v in json.loads(row.files).items()},
    )
