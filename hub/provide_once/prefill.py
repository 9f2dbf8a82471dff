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
from hub.provide_once.evidence import EvidenceVersion
from hub.provide_once.procedures import Procedure, ProcedureCatalogue
from hub.provide_once.subjects import Subject

LEGAL_BASIS = "legal_basis"
CONSENT = "consent"


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
    for code in procedure.requires:
        kind = procedures.evidence_type(code)
        if kind is None or subject.kind not in kind.subjects:
            continue
        if agency in procedure.handled_by and code in procedure.reuse_without_consent:
            covered.append(Coverage(code, LEGAL_BASIS))
        else:
            covered.append(_by_consent(code, kind.name, procedure, agency, consents, now))
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
