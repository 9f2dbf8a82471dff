"""The provide-once store as its callers use it: record evidence, prefill a dossier, manage
consent, read the access log. Every refusal is itself audited, in the subject's log when the
subject is known, and leaves nothing else behind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from hub.audit.actions import EVIDENCE_READ, EVIDENCE_REFUSED
from hub.audit.entry import Actor, AuditEntry
from hub.audit.log import AuditLog
from hub.catalogue.models import Catalogue
from hub.provide_once.consent import Consent, ConsentInput, ConsentStore
from hub.provide_once.errors import (
    Forbidden,
    InvalidEvidence,
    InvalidIdentifier,
    NotFound,
    ProvideOnceError,
    UnknownSubject,
)
from hub.provide_once.evidence import (
    EVIDENCE_DATASET,
    EvidenceInput,
    EvidenceStore,
    EvidenceVersion,
    RecordOutcome,
)
from hub.provide_once.prefill import PrefillAnswer, coverage
from hub.provide_once.procedures import ProcedureCatalogue
from hub.provide_once.subjects import Subject, parse_subject
from hub.vietnam_time import vietnam_today


class ProvideOnce:
    def __init__(
        self,
        engine: sa.Engine,
        audit: AuditLog,
        procedures: ProcedureCatalogue,
        catalogue: Catalogue,
    ) -> None:
        self.procedures = procedures
        self.evidence = EvidenceStore(engine, audit, procedures)
        agencies = frozenset(agency.id for agency in catalogue.agencies)
        self.consents = ConsentStore(engine, audit, procedures, agencies)
        self._audit = audit

    def record(self, item: EvidenceInput, *, actor: Actor) -> RecordOutcome:
        details = {"evidence_id": item.evidence_id, "evidence_type": item.evidence_type}
        with self._refusals_audited("record", actor, item.subject_id, details):
            return self.evidence.record(item, actor=actor)

    def prefill(self, subject_id: str, procedure_code: str, *, actor: Actor) -> PrefillAnswer:
        """What the agency behind ``actor`` may reuse for this procedure; audited either way."""
        agency = actor.agency or ""
        with self._refusals_audited("prefill", actor, subject_id, {"procedure": procedure_code}):
            subject = parse_subject(subject_id)
            procedure = self.procedures.procedure(procedure_code)
            if procedure is None:
                raise InvalidEvidence(
                    "unknown_procedure",
                    f"Không có thủ tục mã {procedure_code!r} trong danh mục",
                    field="procedure",
                )
            if not self.evidence.subject_exists(subject.id):
                raise UnknownSubject("unknown_subject", "Kho chưa có giấy tờ nào của chủ thể này")
            now = dt.datetime.now(dt.UTC)
            consents = self.consents.of_subject(subject.id, agency)
            covered = coverage(self.procedures, procedure, subject, agency, consents, now)
            allowed = {c.evidence_type for c in covered if c.basis}
            if covered and not allowed:
                reasons = {c.reason or "no_consent" for c in covered}
                raise Forbidden(
                    reasons.pop() if len(reasons) == 1 else "not_covered",
                    f"{agency} chưa được dùng giấy tờ nào của chủ thể cho thủ tục"
                    f" {procedure.code}: cần căn cứ pháp lý hoặc đồng ý của chủ thể",
                    missing=[c.as_dict() for c in covered],
                )
            found = self.evidence.current(subject.id, allowed) if allowed else []
            answer = PrefillAnswer(subject, procedure, agency, covered, found, vietnam_today())
            self._audit.append(
                EVIDENCE_READ,
                actor=actor,
                dataset=EVIDENCE_DATASET,
                details={
                    "subject": subject.id,
                    "procedure": procedure.code,
                    "evidence": [[e.evidence_id, e.version] for e in found],
                    "covered": {c.evidence_type: c.basis for c in covered if c.basis},
                    "withheld": {c.evidence_type: c.reason for c in covered if not c.basis},
                },
                subjects=[subject.id],
            )
            return answer

    def history(
        self, evidence_id: str, *, actor: Actor, subject: Subject | None
    ) -> list[EvidenceVersion]:
        """Every version of one evidence: for its subject, or for its issuing agency. To anyone
        else it does not exist (404, as for an unknown id), so ids cannot be probed."""
        asked_by = subject.id if subject is not None else ""
        with self._refusals_audited("history", actor, asked_by, {"evidence_id": evidence_id}):
            versions = self.evidence.history(evidence_id)
            owner = versions[-1].subject_id
            if subject is not None and subject.id == owner:
                return versions
            if subject is None and actor.agency == versions[-1].issuer:
                self._audit.append(
                    EVIDENCE_READ,
                    actor=actor,
                    dataset=EVIDENCE_DATASET,
                    details={"subject": owner, "history_of": evidence_id},
                    subjects=[owner],
                )
                return versions
            raise NotFound("unknown_evidence", f"Không có giấy tờ mã {evidence_id}")

    def grant_consent(self, subject: Subject, given: ConsentInput, *, actor: Actor) -> Consent:
        details = {"agency": given.agency, "purpose": given.purpose}
        with self._refusals_audited("consent.grant", actor, subject.id, details):
            return self.consents.grant(subject, given, actor=actor)

    def revoke_consent(self, subject: Subject, consent_id: str, *, actor: Actor) -> Consent:
        details = {"consent_id": consent_id}
        with self._refusals_audited("consent.revoke", actor, subject.id, details):
            return self.consents.revoke(subject, consent_id, actor=actor)

    def access_log(self, subject: Subject, *, after: int, limit: int) -> list[AuditEntry]:
        return self._audit.for_subject(subject.id, after=after, limit=limit)

    def refuse_other_subject(self, actor: Actor, subject: Subject, requested: str) -> None:
        """A subject asked for another subject's data: audited, then refused."""
        with self._refusals_audited("access_log", actor, subject.id, {"requested": requested}):
            raise Forbidden(
                "not_your_data", "Bạn chỉ xem được dữ liệu và nhật ký truy cập của chính mình"
            )

    @contextmanager
    def _refusals_audited(
        self, operation: str, actor: Actor, subject_id: str, details: dict[str, Any]
    ) -> Iterator[None]:
        try:
            yield
        except ProvideOnceError as refusal:
            known = _valid_subject(subject_id)
            self._audit.append(
                EVIDENCE_REFUSED,
                actor=actor,
                dataset=EVIDENCE_DATASET,
                details={
                    "operation": operation,
                    "code": refusal.code,
                    "message": str(refusal),
                    "subject": known or subject_id[:40],
                    **details,
                },
                subjects=[known] if known else [],
            )
            raise


def _valid_subject(subject_id: str) -> str | None:
    try:
        return parse_subject(subject_id).id
    except InvalidIdentifier:
        return None
