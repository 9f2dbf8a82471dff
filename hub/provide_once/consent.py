"""A subject's consent: which agency may reuse which of their evidence, for which procedure,
until when. Revoking takes effect at once: every prefill reads consents afresh."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from hub.audit.actions import CONSENT_GRANT, CONSENT_REVOKE
from hub.audit.entry import Actor
from hub.audit.log import AuditLog
from hub.db import using
from hub.provide_once.errors import InvalidEvidence, NotFound
from hub.provide_once.procedures import ProcedureCatalogue
from hub.provide_once.subjects import Subject
from hub.provide_once.tables import consents_table

MAX_CONSENT_PERIOD = dt.timedelta(days=5 * 366)
"""The longest a consent may run; a subject renews it after that."""


class ConsentInput(BaseModel):
    """A consent as the subject gives it (``POST /api/v1/me/consents``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    agency: str = Field(min_length=1, max_length=64)
    purpose: str = Field(min_length=1, max_length=32, description="a procedure code")
    evidence_types: tuple[str, ...] = Field(min_length=1, max_length=50)
    expires_at: AwareDatetime


class ConsentState(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True, slots=True)
class Consent:
    consent_id: str
    subject_id: str
    agency: str
    purpose: str
    evidence_types: frozenset[str]
    granted_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None

    def state(self, now: dt.datetime) -> ConsentState:
        if self.revoked_at is not None:
            return ConsentState.REVOKED
        return ConsentState.ACTIVE if now < self.expires_at else ConsentState.EXPIRED

    def as_dict(self, now: dt.datetime) -> dict[str, Any]:
        return {
            "consent_id": self.consent_id,
            "agency": self.agency,
            "purpose": self.purpose,
            "evidence_types": sorted(self.evidence_types),
            "granted_at": self.granted_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "state": self.state(now).value,
        }


class ConsentStore:
    def __init__(
        self,
        engine: sa.Engine,
        audit: AuditLog,
        procedures: ProcedureCatalogue,
        agencies: frozenset[str],
    ) -> None:
        self._engine = engine
        self._audit = audit
        self._procedures = procedures
        self._agencies = agencies

    def grant(self, subject: Subject, given: ConsentInput, *, actor: Actor) -> Consent:
        now = dt.datetime.now(dt.UTC)
        self._check(subject, given, now)
        consent = Consent(
            consent_id=f"cs_{secrets.token_hex(8)}",
            subject_id=subject.id,
            agency=given.agency,
            purpose=given.purpose,
            evidence_types=frozenset(given.evidence_types),
            granted_at=now,
            expires_at=given.expires_at.astimezone(dt.UTC),
            revoked_at=None,
        )
        with self._audit.transaction() as conn:
            conn.execute(
                sa.insert(consents_table).values(
                    consent_id=consent.consent_id,
                    subject_id=subject.id,
                    agency=consent.agency,
                    purpose=consent.purpose,
                    evidence_types=",".join(sorted(consent.evidence_types)),
                    granted_at=now,
                    expires_at=consent.expires_at,
                )
            )
            self._audit.append_in(
                conn,
                CONSENT_GRANT,
                actor=actor,
                details={"subject": subject.id, **_summary(consent)},
                subjects=[subject.id],
            )
        return consent

    def revoke(self, subject: Subject, consent_id: str, *, actor: Actor) -> Consent:
        """Revoke one of the subject's own consents. Another subject's consent is NotFound,
        the same answer as an id that does not exist, so ids cannot be probed."""
        now = dt.datetime.now(dt.UTC)
        c = consents_table.c
        with self._audit.transaction() as conn:
            row = conn.execute(
                sa.select(consents_table).where(
                    c.consent_id == consent_id, c.subject_id == subject.id
                )
            ).first()
            if row is None:
                raise NotFound("unknown_consent", f"Không có đồng ý mã {consent_id} của bạn")
            consent = consent_of(row._mapping)
            if consent.revoked_at is not None:
                return consent
            conn.execute(
                sa.update(consents_table).where(c.consent_id == consent_id).values(revoked_at=now)
            )
            self._audit.append_in(
                conn,
                CONSENT_REVOKE,
                actor=actor,
                details={"subject": subject.id, **_summary(consent)},
                subjects=[subject.id],
            )
        return _with_revoked(consent, now)

    def of_subject(
        self, subject_id: str, agency: str | None = None, *, conn: sa.Connection | None = None
    ) -> list[Consent]:
        """The subject's consents, newest first, optionally only those given to one agency."""
        c = consents_table.c
        query = sa.select(consents_table).where(c.subject_id == subject_id)
        if agency is not None:
            query = query.where(c.agency == agency)
        with using(self._engine, conn) as connection:
            rows = connection.execute(query.order_by(c.granted_at.desc())).all()
        return [consent_of(row._mapping) for row in rows]

    def _check(self, subject: Subject, given: ConsentInput, now: dt.datetime) -> None:
        if given.agency not in self._agencies:
            raise InvalidEvidence(
                "unknown_agency", f"Không có cơ quan {given.agency!r}", field="agency"
            )
        procedure = self._procedures.procedure(given.purpose)
        if procedure is None:
            raise InvalidEvidence(
                "unknown_procedure",
                f"Mục đích phải là mã thủ tục hành chính có trong danh mục; không có"
                f" {given.purpose!r}",
                field="purpose",
            )
        for code in given.evidence_types:
            kind = self._procedures.evidence_type(code)
            if kind is None:
                raise InvalidEvidence(
                    "unknown_evidence_type",
                    f"Loại giấy tờ {code!r} không có trong danh mục",
                    field="evidence_types",
                )
            if subject.kind not in kind.subjects:
                raise InvalidEvidence(
                    "subject_kind",
                    f"{kind.name} không cấp cho chủ thể loại {subject.kind}",
                    field="evidence_types",
                )
            if code not in procedure.requires:
                raise InvalidEvidence(
                    "not_required",
                    f"Thủ tục {procedure.code} ({procedure.name}) không cần {kind.name}; chỉ đồng"
                    " ý cho giấy tờ mà thủ tục cần",
                    field="evidence_types",
                )
        if given.expires_at <= now:
            raise InvalidEvidence(
                "expires_in_past", "Thời hạn đồng ý (expires_at) đã qua", field="expires_at"
            )
        if given.expires_at - now > MAX_CONSENT_PERIOD:
            raise InvalidEvidence(
                "expires_too_late",
                "Đồng ý có hiệu lực tối đa 5 năm; hãy chọn thời hạn gần hơn",
                field="expires_at",
            )


def _summary(consent: Consent) -> dict[str, Any]:
    return {
        "consent_id": consent.consent_id,
        "agency": consent.agency,
        "purpose": consent.purpose,
        "evidence_types": sorted(consent.evidence_types),
        "expires_at": consent.expires_at.isoformat(),
    }


def consent_of(row: Mapping[Any, Any]) -> Consent:
    """A consent from its row in ``consents``."""
    return Consent(
        consent_id=row["consent_id"],
        subject_id=row["subject_id"],
        agency=row["agency"],
        purpose=row["purpose"],
        evidence_types=frozenset(row["evidence_types"].split(",")),
        granted_at=row["granted_at"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
    )


def _with_revoked(consent: Consent, when: dt.datetime) -> Consent:
    return replace(consent, revoked_at=when)
