"""The provide-once store's tables. Evidence is never changed in place: a correction adds a
version, and ``evidence.current_version`` points at the one in force."""

from __future__ import annotations

import sqlalchemy as sa

from hub.db import UtcDateTime, metadata

subjects_table = sa.Table(
    "subjects",
    metadata,
    sa.Column("subject_id", sa.String(16), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("first_seen_at", UtcDateTime, nullable=False),
)

evidence_table = sa.Table(
    "evidence",
    metadata,
    sa.Column("evidence_id", sa.String(100), primary_key=True),
    sa.Column("subject_id", sa.String(16), sa.ForeignKey("subjects.subject_id"), nullable=False),
    sa.Column("evidence_type", sa.String(64), nullable=False),
    sa.Column("issuer", sa.String(64), nullable=False),
    sa.Column("current_version", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Index("ix_evidence_subject_type", "subject_id", "evidence_type"),
    sa.Index("ix_evidence_created_at", "created_at"),  # the 766 index looks for new evidence
)

evidence_versions_table = sa.Table(
    "evidence_versions",
    metadata,
    sa.Column("evidence_id", sa.String(100), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("issued_on", sa.Date, nullable=False),
    sa.Column("valid_until", sa.Date, nullable=True),
    sa.Column("attributes", sa.Text, nullable=False),
    sa.Column("source_ref", sa.String(120), nullable=True),
    sa.Column("file_uri", sa.String(500), nullable=True),
    sa.Column("file_sha256", sa.String(64), nullable=True),
    sa.Column("content_sha256", sa.String(64), nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.Column("recorded_by", sa.String(200), nullable=False),
    sa.Column("correction_reason", sa.Text, nullable=True),
)

consents_table = sa.Table(
    "consents",
    metadata,
    sa.Column("consent_id", sa.String(24), primary_key=True),
    sa.Column("subject_id", sa.String(16), nullable=False),
    sa.Column("agency", sa.String(64), nullable=False),
    sa.Column("purpose", sa.String(32), nullable=False),
    sa.Column("evidence_types", sa.Text, nullable=False),
    sa.Column("granted_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
    sa.Index("ix_consents_subject_agency", "subject_id", "agency"),
)

evidence_outbox_table = sa.Table(
    "evidence_outbox",
    metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("evidence_id", sa.String(100), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("sent_at", UtcDateTime, nullable=True, index=True),
)
"""Update events not yet on the evidence topic: written in the transaction that adds the
version, sent after it commits, so a version is never published without being stored or
stored without being published."""
