"""The provide-once store as its callers use it: record evidence, prefill a dossier, manage
consent, read the access log. Every refusal is itself audited, in the subject's log when the
subject is known, and leaves nothing else behind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from hub.async_postgres import AsyncPostgres
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
)
from hub.provide_once.evidence import (
    EVIDENCE_DATASET,
    EvidenceInput,
    EvidenceStore,
    EvidenceVersion,
    RecordOutcome,
)
from hub.provide_once.prefill import PrefillAnswer, PrefillFacts, candidate_types, decide
from hub.provide_once.prefill_reads import (
    PostgresPrefillReads,
    PrefillReads,
    StorePrefillReads,
    TokenAndFacts,
)
from hub.provide_once.procedures import Procedure, ProcedureCatalogue
from hub.provide_once.subjects import Subject, parse_subject
from hub.vietnam_time import vietnam_today


class ProvideOnce:
    def __init__(
        self,
        engine: sa.Engine,
        audit: AuditLog,
        procedures: ProcedureCatalogue,
        catalogue: Catalogue,
        fast: AsyncPostgres | None = None,
    ) -> None:
        """``fast``: the async pool the HTTP API reads prefills through on PostgreSQL."""
        self.procedures = procedures
        self.evidence = EvidenceStore(engine, audit, procedures)
        agencies = frozenset(agency.id for agency in catalogue.agencies)
        self.consents = ConsentStore(engine, audit, procedures, agencies)
        self._audit = audit
        self._store_reads = StorePrefillReads(engine, self.evidence, self.consents)
        self._reads: PrefillReads = (
            self._store_reads if fast is None else PostgresPrefillReads(fast)
        )

    def record(self, item: EvidenceInput, *, actor: Actor) -> RecordOutcome:
        details = {"evidence_id": item.evidence_id, "evidence_type": item.evidence_type}
        with self._refusals_audited("record", actor, item.subject_id, details):
            return self.evidence.record(item, actor=actor)

    def prefill(self, subject_id: str, procedure_code: str, *, actor: Actor) -> PrefillAnswer:
        """What the agency behind ``actor`` may reuse for this procedure; audited either way."""
        with self._refusals_audited("prefill", actor, subject_id, {"procedure": procedure_code}):
            subject, procedure, types = self._prefill_asked(subject_id, procedure_code)
            facts = self._store_reads.facts_now(subject.id, actor.agency or "", types)
            answer = self._decided(subject, procedure, actor, facts)
            self._audit.append(EVIDENCE_READ, **self._read_entry(answer, actor))
            return answer

    async def read_ahead(
        self, token: tuple[str, str], subject_id: str, procedure_code: str
    ) -> TokenAndFacts | None:
        """A prefill's facts read with the asking token's row in one statement, for the HTTP
        API's authentication to check the token from; None off PostgreSQL, or when the question
        does not parse (the prefill then refuses it after the token's own check)."""
        if not isinstance(self._reads, PostgresPrefillReads):
            return None
        try:
            question = self._prefill_asked(subject_id, procedure_code)
        except ProvideOnceError:
            return None
        asked = (subject_id, procedure_code)
        return await self._reads.facts_with_token(token, asked, question)

    async def prefill_async(
        self,
        subject_id: str,
        procedure_code: str,
        *,
        actor: Actor,
        ahead: TokenAndFacts | None = None,
    ) -> PrefillAnswer:
        """``prefill`` for the HTTP API: on PostgreSQL, the reads and the audit entry run on the
        event loop (``PrefillReads``, ``AuditLog.append_async``); the entry commits, with those
        of concurrent requests (group commit), before the answer leaves. ``ahead``: the facts
        ``read_ahead`` read for this question and this actor's token, used instead of reading."""
        why = ("prefill", actor, subject_id, {"procedure": procedure_code})
        try:
            if (
                ahead is not None
                and ahead.token is not None
                and ahead.asked == (subject_id, procedure_code)
                and actor.principal == f"token:{ahead.token_id}"
                and ahead.token["agency"] == actor.agency
            ):
                subject, procedure, facts = ahead.subject, ahead.procedure, ahead.facts
            else:
                subject, procedure, types = self._prefill_asked(subject_id, procedure_code)
                facts = await self._reads.facts(subject.id, actor.agency or "", types)
            answer = self._decided(subject, procedure, actor, facts)
        except ProvideOnceError as refusal:
            await self._audit.append_async(EVIDENCE_REFUSED, **self._refusal_entry(*why, refusal))
            raise
        await self._audit.append_async(EVIDENCE_READ, **self._read_entry(answer, actor))
        return answer

    def _prefill_asked(
        self, subject_id: str, procedure_code: str
    ) -> tuple[Subject, Procedure, list[str]]:
        subject = parse_subject(subject_id)
        procedure = self.procedures.procedure(procedure_code)
        if procedure is None:
            raise InvalidEvidence(
                "unknown_procedure",
                f"Không có thủ tục mã {procedure_code!r} trong danh mục",
                field="procedure",
            )
        types = [kind.code for kind in candidate_types(self.procedures, procedure, subject)]
        return subject, procedure, types

    def _decided(
        self, subject: Subject, procedure: Procedure, actor: Actor, facts: PrefillFacts
    ) -> PrefillAnswer:
        now = dt.datetime.now(dt.UTC)
        agency = actor.agency or ""
        return decide(self.procedures, procedure, subject, agency, facts, now, vietnam_today())

    @staticmethod
    def _read_entry(answer: PrefillAnswer, actor: Actor) -> dict[str, Any]:
        return {
            "actor": actor,
            "dataset": EVIDENCE_DATASET,
            "details": answer.audit_details(),
            "subjects": [answer.subject.id],
        }

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
            self._audit_refusal(operation, actor, subject_id, details, refusal)
            raise

    def _audit_refusal(
        self,
        operation: str,
        actor: Actor,
        subject_id: str,
        details: dict[str, Any],
        refusal: ProvideOnceError,
    ) -> None:
        entry = self._refusal_entry(operation, actor, subject_id, details, refusal)
        self._audit.append(EVIDENCE_REFUSED, **entry)

    @staticmethod
    def _refusal_entry(
        operation: str,
        actor: Actor,
        subject_id: str,
        details: dict[str, Any],
        refusal: ProvideOnceError,
    ) -> dict[str, Any]:
        known = _valid_subject(subject_id)
        return {
            "actor": actor,
            "dataset": EVIDENCE_DATASET,
            "details": {
                "operation": operation,
                "code": refusal.code,
                "message": str(refusal),
                "subject": known or subject_id[:40],
                **details,
            },
            "subjects": [known] if known else [],
        }


def _valid_subject(subject_id: str) -> str | None:
    try:
        return parse_subject(subject_id).id
    except InvalidIdentifier:
        return None
