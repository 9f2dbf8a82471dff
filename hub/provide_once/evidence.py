"""Evidence records: what the state issued to a subject, kept once, corrected by new versions.

An evidence id names one document for its whole life. The same content arriving again (a
feed replayed, a client retrying) changes nothing; other content under the same id is a
correction by its issuer and becomes the next version. Each new version, its audit entry and
its update event (in the outbox) commit in one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from hub.audit.actions import EVIDENCE_RECORD
from hub.audit.entry import Actor
from hub.audit.log import AuditLog
from hub.avro.json_codec import nfc_text
from hub.db import using
from hub.ingest.validation import unwritable
from hub.provide_once.errors import Forbidden, InvalidEvidence, NotFound
from hub.provide_once.procedures import ProcedureCatalogue
from hub.provide_once.subjects import parse_subject
from hub.provide_once.tables import (
    evidence_outbox_table,
    evidence_table,
    evidence_versions_table,
    subjects_table,
)
from hub.vietnam_time import vietnam_today

EVIDENCE_DATASET = "evidence.citizen_evidence"
"""The catalogue dataset whose topic carries every new version as an update event."""


class EvidenceInput(BaseModel):
    """Evidence as an issuer sends it (``POST /api/v1/evidence``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    evidence_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$")
    subject_id: str = Field(min_length=1, max_length=20)
    evidence_type: str = Field(min_length=1, max_length=64)
    issuing_agency: str = Field(min_length=1, max_length=64)
    issued_on: dt.date
    valid_until: dt.date | None = None
    attributes: dict[str, str] = Field(default_factory=dict, max_length=50)
    source_ref: str | None = Field(default=None, min_length=1, max_length=120)
    file_uri: str | None = Field(default=None, min_length=1, max_length=500)
    file_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    correction_reason: str | None = Field(default=None, min_length=1, max_length=1000)

    @field_validator("*", mode="before")
    @classmethod
    def _writable_nfc(cls, value: Any) -> Any:
        """No NUL or lone surrogate in any text, an attribute's name or value included: the
        store could not keep it (PostgreSQL refuses NUL; UTF-8 has no lone surrogate). Every
        text in Unicode NFC, as the ingest path keeps records (hub.avro.json_codec): a name
        sent decomposed (NFD, as macOS types it) is stored, hashed and answered as the same
        string as the same name sent composed. Before the length checks, which count the
        composed form."""
        texts = [*value.keys(), *value.values()] if isinstance(value, dict) else [value]
        if any(isinstance(t, str) and unwritable(t) for t in texts):
            raise PydanticCustomError(
                "unwritable_text", "chứa ký tự NUL (\\u0000) hoặc nửa cặp surrogate UTF-16"
            )
        if isinstance(value, dict):
            return {nfc_text(key): nfc_text(item) for key, item in value.items()}
        return nfc_text(value)


class Outcome(StrEnum):
    CREATED = "created"
    CORRECTED = "corrected"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class EvidenceVersion:
    evidence_id: str
    subject_id: str
    evidence_type: str
    issuer: str
    version: int
    issued_on: dt.date
    valid_until: dt.date | None
    attributes: dict[str, str]
    source_ref: str | None
    file_uri: str | None
    file_sha256: str | None
    recorded_at: dt.datetime
    recorded_by: str
    correction_reason: str | None

    def valid_on(self, day: dt.date) -> bool:
        return self.issued_on <= day and (self.valid_until is None or day <= self.valid_until)

    def as_dict(self) -> dict[str, Any]:
        return {
            "evidence_id": self.evidence_id,
            "subject_id": self.subject_id,
            "evidence_type": self.evidence_type,
            "issuing_agency": self.issuer,
            "version": self.version,
            "issued_on": self.issued_on.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "attributes": self.attributes,
            "source_ref": self.source_ref,
            "file": {"uri": self.file_uri, "sha256": self.file_sha256} if self.file_uri else None,
            "recorded_at": self.recorded_at.isoformat(),
            "recorded_by": self.recorded_by,
            "correction_reason": self.correction_reason,
        }


@dataclass(frozen=True, slots=True)
class RecordOutcome:
    outcome: Outcome
    evidence: EvidenceVersion


class EvidenceStore:
    def __init__(self, engine: sa.Engine, audit: AuditLog, procedures: ProcedureCatalogue):
        self._engine = engine
        self._audit = audit
        self._procedures = procedures

    def record(self, item: EvidenceInput, *, actor: Actor) -> RecordOutcome:
        """Store the evidence, or its correction, for ``actor`` acting for the issuing agency.

        Refused (nothing written): a bad identifier or an unknown type (422), an agency that
        is not the type's issuer or not the one named (403), an id already used for another
        subject or type (422 ``evidence_id_taken``)."""
        subject = parse_subject(item.subject_id)
        kind = self._procedures.evidence_type(item.evidence_type)
        if kind is None:
            raise InvalidEvidence(
                "unknown_evidence_type",
                f"Loại giấy tờ {item.evidence_type!r} không có trong danh mục thủ tục",
                field="evidence_type",
            )
        if subject.kind not in kind.subjects:
            raise InvalidEvidence(
                "subject_kind",
                f"{kind.name} không cấp cho chủ thể loại {subject.kind}",
                field="subject_id",
            )
        if actor.agency != kind.issuer or item.issuing_agency != kind.issuer:
            raise Forbidden(
                "not_issuer",
                f"{kind.name} do {kind.issuer} cấp; {actor.agency or actor.principal} không"
                " được ghi hay đính chính giấy tờ này",
                field="issuing_agency",
            )
        valid_until = item.valid_until or kind.default_valid_until(item.issued_on)
        _check_dates(item.issued_on, valid_until)
        if (item.file_uri is None) != (item.file_sha256 is None):
            raise InvalidEvidence(
                "file_reference",
                "Tệp đính kèm cần cả đường dẫn (file_uri) và mã băm SHA-256 (file_sha256)",
                field="file_sha256" if item.file_uri else "file_uri",
            )
        content = _content_hash(item, valid_until)
        now = dt.datetime.now(dt.UTC)
        with self._audit.transaction() as conn:
            current = conn.execute(
                sa.select(evidence_table).where(evidence_table.c.evidence_id == item.evidence_id)
            ).first()
            if current is not None:
                if (current.subject_id, current.evidence_type) != (
                    subject.id,
                    item.evidence_type,
                ):
                    raise InvalidEvidence(
                        "evidence_id_taken",
                        f"Mã giấy tờ {item.evidence_id} đã dùng cho chủ thể hoặc loại giấy tờ"
                        " khác; một mã chỉ chỉ một giấy tờ",
                        field="evidence_id",
                    )
                stored = _version(conn, item.evidence_id, int(current.current_version))
                if stored.content_sha256 == content:
                    return RecordOutcome(Outcome.UNCHANGED, _evidence(current, stored))
                version, outcome = int(current.current_version) + 1, Outcome.CORRECTED
            else:
                version, outcome = 1, Outcome.CREATED
            _ensure_subject(conn, subject.id, subject.kind, now)
            if current is None:
                conn.execute(
                    sa.insert(evidence_table).values(
                        evidence_id=item.evidence_id,
                        subject_id=subject.id,
                        evidence_type=item.evidence_type,
                        issuer=kind.issuer,
                        current_version=version,
                        created_at=now,
                        updated_at=now,
                    )
                )
            else:
                conn.execute(
                    sa.update(evidence_table)
                    .where(evidence_table.c.evidence_id == item.evidence_id)
                    .values(current_version=version, updated_at=now)
                )
            conn.execute(
                sa.insert(evidence_versions_table).values(
                    evidence_id=item.evidence_id,
                    version=version,
                    issued_on=item.issued_on,
                    valid_until=valid_until,
                    attributes=json.dumps(item.attributes, ensure_ascii=False, sort_keys=True),
                    source_ref=item.source_ref,
                    file_uri=item.file_uri,
                    file_sha256=item.file_sha256,
                    content_sha256=content,
                    recorded_at=now,
                    recorded_by=actor.principal,
                    correction_reason=item.correction_reason,
                )
            )
            conn.execute(
                sa.insert(evidence_outbox_table).values(
                    evidence_id=item.evidence_id, version=version, created_at=now
                )
            )
            self._audit.append_in(
                conn,
                EVIDENCE_RECORD,
                actor=actor,
                dataset=EVIDENCE_DATASET,
                details={
                    "evidence_id": item.evidence_id,
                    "evidence_type": item.evidence_type,
                    "subject": subject.id,
                    "version": version,
                    "outcome": outcome.value,
                    "source_ref": item.source_ref,
                },
                subjects=[subject.id],
            )
        return RecordOutcome(outcome, self.version(item.evidence_id, version))

    def version(self, evidence_id: str, version: int) -> EvidenceVersion:
        with self._engine.connect() as conn:
            head = conn.execute(
                sa.select(evidence_table).where(evidence_table.c.evidence_id == evidence_id)
            ).first()
            if head is None:
                raise NotFound("unknown_evidence", f"Không có giấy tờ mã {evidence_id}")
            return _evidence(head, _version(conn, evidence_id, version))

    def history(self, evidence_id: str) -> list[EvidenceVersion]:
        """Every version of one evidence, oldest first; NotFound if there is none."""
        e, v = evidence_table.c, evidence_versions_table.c
        query = (
            sa.select(*VERSION_COLUMNS)
            .join(evidence_versions_table, v.evidence_id == e.evidence_id)
            .where(e.evidence_id == evidence_id)
            .order_by(v.version)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        if not rows:
            raise NotFound("unknown_evidence", f"Không có giấy tờ mã {evidence_id}")
        return [version_of(row) for row in rows]

    def current(
        self,
        subject_id: str,
        types: Collection[str] | None = None,
        *,
        conn: sa.Connection | None = None,
    ) -> list[EvidenceVersion]:
        """The version in force of each of the subject's evidence, optionally of some types."""
        query = current_versions(subject_id)
        if types is not None:
            query = query.where(evidence_table.c.evidence_type.in_(sorted(types)))
        with using(self._engine, conn) as connection:
            return [version_of(row) for row in connection.execute(query)]

    def holders_of(self, evidence_type: str, *, limit: int) -> list[str]:
        """Some subjects holding evidence of a type, in id order."""
        e = evidence_table.c
        query = (
            sa.select(e.subject_id)
            .where(e.evidence_type == evidence_type)
            .distinct()
            .order_by(e.subject_id)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def subject_exists(self, subject_id: str, *, conn: sa.Connection | None = None) -> bool:
        query = sa.select(subjects_table.c.subject_id).where(
            subjects_table.c.subject_id == subject_id
        )
        with using(self._engine, conn) as connection:
            return connection.execute(query).first() is not None


VERSION_COLUMNS = (
    evidence_table.c.evidence_id,
    evidence_table.c.subject_id,
    evidence_table.c.evidence_type,
    evidence_table.c.issuer,
    *(c for c in evidence_versions_table.c if c.name != "evidence_id"),
)


def current_versions(subject: str | sa.BindParameter[str]) -> sa.Select[Any]:
    """The version in force of each of the subject's evidence, by type, newest issue first."""
    e, v = evidence_table.c, evidence_versions_table.c
    return (
        sa.select(*VERSION_COLUMNS)
        .join(
            evidence_versions_table,
            sa.and_(v.evidence_id == e.evidence_id, v.version == e.current_version),
        )
        .where(e.subject_id == subject)
        .order_by(e.evidence_type, v.issued_on.desc(), e.evidence_id)
    )


def _check_dates(issued_on: dt.date, valid_until: dt.date | None) -> None:
    if issued_on > vietnam_today():
        raise InvalidEvidence(
            "issued_in_future", "Ngày cấp (issued_on) ở tương lai", field="issued_on"
        )
    if valid_until is not None and valid_until < issued_on:
        raise InvalidEvidence(
            "valid_until_after_issue",
            "Ngày hết hiệu lực (valid_until) sớm hơn ngày cấp",
            field="valid_until",
        )


def _content_hash(item: EvidenceInput, valid_until: dt.date | None) -> str:
    """What makes two arrivals the same evidence: everything but the id and the reason."""
    content = item.model_dump(mode="json", exclude={"evidence_id", "correction_reason"})
    content["valid_until"] = valid_until.isoformat() if valid_until else None
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _ensure_subject(conn: sa.Connection, subject_id: str, kind: str, now: dt.datetime) -> None:
    known = conn.execute(
        sa.select(subjects_table.c.subject_id).where(subjects_table.c.subject_id == subject_id)
    ).first()
    if known is None:
        conn.execute(
            sa.insert(subjects_table).values(subject_id=subject_id, kind=kind, first_seen_at=now)
        )


def _version(conn: sa.Connection, evidence_id: str, version: int) -> sa.Row[Any]:
    v = evidence_versions_table.c
    row = conn.execute(
        sa.select(evidence_versions_table).where(v.evidence_id == evidence_id, v.version == version)
    ).first()
    if row is None:
        raise NotFound("unknown_evidence", f"Giấy tờ {evidence_id} không có phiên bản {version}")
    return row


def _evidence(head: sa.Row[Any], version: sa.Row[Any]) -> EvidenceVersion:
    return version_of({**head._mapping, **version._mapping})


def version_of(row: Any) -> EvidenceVersion:
    """An evidence version from a row of ``VERSION_COLUMNS`` (a SQLAlchemy row or a dict)."""
    data = row if isinstance(row, dict) else row._mapping
    return EvidenceVersion(
        evidence_id=data["evidence_id"],
        subject_id=data["subject_id"],
        evidence_type=data["evidence_type"],
        issuer=data["issuer"],
        version=int(data["version"]),
        issued_on=data["issued_on"],
        valid_until=data["valid_until"],
        attributes=json.loads(data["attributes"]),
        source_ref=data["source_ref"],
        file_uri=data["file_uri"],
        file_sha256=data["file_sha256"],
        recorded_at=data["recorded_at"],
        recorded_by=data["recorded_by"],
        correction_reason=data["correction_reason"],
    )
