"""The ``audit_log`` table. ``seq`` is assigned by the log itself: 1, 2, 3… with no gaps."""

from __future__ import annotations

import sqlalchemy as sa

from hub.db import UtcDateTime, metadata

audit_table = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", UtcDateTime, nullable=False, index=True),
    sa.Column("actor_agency", sa.String(64), nullable=True, index=True),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(64), nullable=False, index=True),
    sa.Column("dataset", sa.String(200), nullable=True, index=True),
    sa.Column("details", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

audit_subjects_table = sa.Table(
    "audit_subjects",
    metadata,
    sa.Column("subject_id", sa.String(16), primary_key=True),
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
)
"""Which entries concern which citizen or organisation, so that each can read their own access
log without a scan. An index only: the subject is also in the entry's hashed details."""
