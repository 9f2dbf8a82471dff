"""What the publisher last put on the portal, per publication: the content's digest and when it
last changed (DCAT's dct:modified, so an unchanged run changes no metadata), the topic's end
offsets it was read at (for ``--watch``), and the DCAT description (for the catalogue export)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from pydantic import TypeAdapter

from hub.db import UtcDateTime, metadata
from opendata.description import DatasetDescription
from opendata.publish_inputs import PublishInputsStore

publications_state_table = sa.Table(
    "opendata_publications",
    metadata,
    sa.Column("publication_id", sa.String(200), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),  # published | withdrawn
    sa.Column("content_digest", sa.String(64), nullable=False),
    sa.Column("modified_at", UtcDateTime, nullable=False),
    sa.Column("published_at", UtcDateTime, nullable=False),
    sa.Column("topic_offsets", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
)
_DESCRIPTION = TypeAdapter(DatasetDescription)


@dataclass(frozen=True)
class PublicationState:
    publication_id: str
    status: str
    content_digest: str
    modified_at: dt.datetime
    published_at: dt.datetime
    topic_offsets: dict[int, int]
    description: DatasetDescription


class PublicationStates:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    @property
    def inputs(self) -> PublishInputsStore:
        """What each publication was built from at its last publish, in the same database."""
        return PublishInputsStore(self._engine)

    def get(self, publication_id: str) -> PublicationState | None:
        table = publications_state_table
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(table).where(table.c.publication_id == publication_id)
            ).first()
        return None if row is None else _state(row)

    def published(self) -> list[PublicationState]:
        table = publications_state_table
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(table)
                .where(table.c.status == "published")
                .order_by(table.c.publication_id)
            ).all()
        return [_state(row) for row in rows]

    def record_published(
        self,
        description: DatasetDescription,
        content_digest: str,
        topic_offsets: dict[int, int],
        now: dt.datetime,
    ) -> None:
        values: dict[str, Any] = {
            "status": "published",
            "content_digest": content_digest,
            "modified_at": description.modified,
            "published_at": now,
            "topic_offsets": json.dumps({str(p): o for p, o in sorted(topic_offsets.items())}),
            "description": _DESCRIPTION.dump_json(description).decode("utf-8"),
        }
        self._upsert(description.identifier, values)

    def record_withdrawn(self, publication_id: str) -> None:
        table = publications_state_table
        with self._engine.begin() as conn:
            conn.execute(
                sa.update(table)
                .where(table.c.publication_id == publication_id)
                .values(status="withdrawn")
            )

    def _upsert(self, publication_id: str, values: dict[str, Any]) -> None:
        """Update the row, or insert it; two publishers inserting at once: the second updates."""
        table = publications_state_table
        for _ in range(2):
            try:
                with self._engine.begin() as conn:
                    updated = conn.execute(
                        sa.update(table)
                        .where(table.c.publication_id == publication_id)
                        .values(**values)
                    )
                    if updated.rowcount == 0:
                        conn.execute(
                            sa.insert(table).values(publication_id=publication_id, **values)
                        )
                return
            except sa.exc.IntegrityError:
                continue


def _state(row: sa.Row[Any]) -> PublicationState:
    offsets = {int(p): int(o) for p, o in json.loads(row.topic_offsets).items()}
    return PublicationState(
        publication_id=row.publication_id,
        status=row.status,
        content_digest=row.content_digest,
        modified_at=row.modified_at,
        published_at=row.published_at,
        topic_offsets=offsets,
        description=_DESCRIPTION.validate_json(row.description),
    )
