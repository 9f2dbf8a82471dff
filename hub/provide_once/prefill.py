"""Prefill: the evidence a procedure needs that the subject already gave the state, for the
agency opening a dossier, item by item only where the law or the subject's consent covers that
agency and that procedure.

For each evidence type the procedure requires (and the subject's kind can hold):

- covered by law: the agency handles the procedure and the procedure's ``legal_basis`` lets it
  reuse that type without consent;
- covered by consent: an active consent of the subject names the agency, this procedure as its
  purpose, and the type;
- otherwise withheld, with the reason (no consent, consent expired, revoked, or given for
  another purpose). Whether the subject holds such evidence is not revealed.

Nothing covered at all is a refusal (403) naming what is missing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from hub.provide_once.consent import Consent, ConsentState
from hub.provide_once.errors import Forbidden, UnknownSubject
from hub.provide_once.evidence import EvidenceVersion
from hub.provide_once.procedures import EvidenceType, Procedure, ProcedureCatalogue
from hub.provide_once.subjects import Subject

LEGAL_BASIS = "legal_basis"
CONSENT = "consent"


@dataclass(frozen=True, slots=True)
class PrefillFacts:
    """What the store holds for one prefill, read together before anything is decided."""

    subject_known: bool
    consents: list[Consent]
    """The subject's consents to the asking agency, newest first."""
    evidence: list[EvidenceVersion]
    """The current version of each of the subject's evidence of the candidate types, in the
    order the answer shows them (type, newest issue first, id). Never shown unfiltered."""


def candidate_types(
    procedures: ProcedureCatalogue, procedure: Procedure, subject: Subject
) -> list[EvidenceType]:
    """The types the procedure requires that the subject's kind can hold."""
    kinds = (procedures.evidence_type(code) for code in procedure.requires)
    return [kind for kind in kinds if kind is not None and subject.kind in kind.subjects]


def decide(
    procedures: ProcedureCatalogue,
    procedure: Procedure,
    subject: Subject,
    agency: str,
    facts: PrefillFacts,
    now: dt.datetime,
    today: dt.date,
) -> PrefillAnswer:
    """The answer for the agency, or the refusal: an unknown subject (404), or nothing the
    procedure needs covered for this agency (403 naming what is missing)."""
    if not facts.subject_known:
        raise UnknownSubject("unknown_subject", "Kho chưa có giấy tờ nào của chủ thể này")
    covered = coverage(procedures, procedure, subject, agency, facts.consents, now)
    allowed = {c.evidence_type for c in covered if c.basis}
    if covered and not allowed:
        reasons = {c.reason or "no_consent" for c in covered}
        raise Forbidden(
            reasons.pop() if len(reasons) == 1 else "not_covered",
            f"{agency} chưa được dùng giấy tờ nào của chủ thể cho thủ tục"
            f" {procedure.code}: cần căn cứ pháp lý hoặc đồng ý của chủ thể",
            missing=[c.as_dict() for c in covered],
        )
    found = [item for item in facts.evidence if item.evidence_type in allowed]
    return PrefillAnswer(subject, procedure, agency, covered, found, today)


@dataclass(frozen=True, slots=True)
class Coverage:
    """Why the agency may, or may not, read one evidence type for this procedure."""

    evidence_type: str
    basis: str | None  # LEGAL_BASIS, CONSENT, or None when withheld
    consent_id: str | None = None
    reason: str | None = None  # why withheld: no_consent, consent_expired, ...
    message: str | None = None

    def as_dict(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"evidence_type": self.evidence_type}
        if self.basis is not None:
            shown.update(basis=self.basis, consent_id=self.consent_id)
        else:
            shown.update(reason=self.reason, message=self.message)
        return shown


def coverage(
    procedures: ProcedureCatalogue,
    procedure: Procedure,
    subject: Subject,
    agency: str,
    consents: list[Consent],
    now: dt.datetime,
) -> list[Coverage]:
    """The coverage of each type the procedure requires that the subject's kind can hold."""
    covered = []
    for kind in candidate_types(procedures, procedure, subject):
        if agency in procedure.handled_by and kind.code in procedure.reuse_without_consent:
            covered.append(Coverage(kind.code, LEGAL_BASIS))
        else:
            covered.append(_by_consent(kind.code, kind.name, procedure, agency, consents, now))
    return covered


def _by_consent(
    code: str,
    name: str,
    procedure: Procedure,
    agency: str,
    consents: list[Consent],
    now: dt.datetime,
) -> Coverage:
    naming = [c for c in consents if c.agency == agency and code in c.evidence_types]
    states = {(c.purpose == procedure.code, c.state(now)): c for c in naming}
    active = states.get((True, ConsentState.ACTIVE))
    if active is not None:
        return Coverage(code, CONSENT, consent_id=active.consent_id)
    if (True, ConsentState.EXPIRED) in states:
        reason, message = "consent_expired", f"Đồng ý cho {agency} dùng {name} đã hết hạn"
    elif (True, ConsentState.REVOKED) in states:
        reason, message = "consent_revoked", f"Chủ thể đã rút đồng ý cho {agency} dùng {name}"
    elif (False, ConsentState.ACTIVE) in states:
        reason = "consent_other_purpose"
        message = (
            f"Đồng ý cho {agency} dùng {name} được cấp cho mục đích khác, không cho thủ tục"
            f" {procedure.code}"
        )
    else:
        reason = "no_consent"
        message = f"Chưa có căn cứ pháp lý hay đồng ý của chủ thể cho {agency} dùng {name}"
    return Coverage(code, None, reason=reason, message=message)


@dataclass(frozen=True, slots=True)
class PrefillAnswer:
    subject: Subject
    procedure: Procedure
    agency: str
    coverage: list[Coverage]
    evidence: list[EvidenceVersion]
    today: dt.date

    @property
    def not_on_file(self) -> list[str]:
        """Covered types the subject has no evidence of: the dossier must ask for them."""
        held = {e.evidence_type for e in self.evidence}
        return [c.evidence_type for c in self.coverage if c.basis and c.evidence_type not in held]

    def as_dict(self) -> dict[str, Any]:
        basis = {c.evidence_type: c for c in self.coverage if c.basis}
        return {
            "subject_id": self.subject.id,
            "procedure": {"code": self.procedure.code, "name": self.procedure.name},
            "agency": self.agency,
            "evidence": [
                {
                    **item.as_dict(),
                    "valid": item.valid_on(self.today),
                    "basis": basis[item.evidence_type].basis,
                    "consent_id": basis[item.evidence_type].consent_id,
                }
                for item in self.evidence
            ],
            "not_on_file": self.not_on_file,
            "withheld": [c.as_dict() for c in self.coverage if c.basis is None],
            "legal_basis": self.procedure.legal_basis,
        }

    def audit_details(self) -> dict[str, Any]:
        """What the ``evidence.read`` entry records: which versions left, on which basis."""
        return {
            "subject": self.subject.id,
            "procedure": self.procedure.code,
            "evidence": [[e.evidence_id, e.version] for e in self.evidence],
            "covered": {c.evidence_type: c.basis for c in self.coverage if c.basis},
            "withheld": {c.evidence_type: c.reason for c in self.coverage if not c.basis},
        }
