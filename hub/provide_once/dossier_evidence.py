"""What a dossier says, as the evidence its result is: the fields the feed reads from a decoded
dossier, and the evidence record they make for the applicant."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from hub.provide_once.evidence import EvidenceInput
from hub.provide_once.procedures import EvidenceType
from hub.vietnam_time import VIETNAM_TZ

EVIDENCE_ID_PREFIX = "hs:"
"""Evidence from a dossier is ``hs:<dossier_id>``: the same dossier always gives the same id."""


@dataclass(frozen=True, slots=True)
class DossierFields:
    """The fields of a decoded dossier the feed reads."""

    dossier_id: str
    procedure_code: str
    procedure_name: str
    receiving_agency_code: str
    applicant_id_number: str
    commune_code: str
    status: str
    finished_at: dt.datetime | None

    @classmethod
    def of(cls, datum: dict[str, Any]) -> DossierFields:
        texts = {
            name: datum[name]
            for name in (
                "dossier_id",
                "procedure_code",
                "procedure_name",
                "receiving_agency_code",
                "applicant_id_number",
                "commune_code",
                "status",
            )
        }
        for name, value in texts.items():
            if not isinstance(value, str):
                raise TypeError(name)
        finished_at = datum.get("finished_at")
        if finished_at is not None and not isinstance(finished_at, dt.datetime):
            raise TypeError("finished_at")
        return cls(**texts, finished_at=finished_at)


def evidence_of(dossier: DossierFields, kind: EvidenceType) -> EvidenceInput:
    """The evidence a finished dossier issues to its applicant. The caller has checked that it
    is finished (it has ``finished_at``); pydantic's ValidationError when its fields cannot make
    evidence."""
    if dossier.finished_at is None:
        raise ValueError(f"dossier {dossier.dossier_id} has no finished_at")
    return EvidenceInput(
        evidence_id=f"{EVIDENCE_ID_PREFIX}{dossier.dossier_id}",
        subject_id=dossier.applicant_id_number,
        evidence_type=kind.code,
        issuing_agency=kind.issuer,
        issued_on=dossier.finished_at.astimezone(VIETNAM_TZ).date(),
        source_ref=dossier.dossier_id,
        attributes={
            "procedure_code": dossier.procedure_code,
            "procedure_name": dossier.procedure_name,
            "receiving_agency_code": dossier.receiving_agency_code,
            "commune_code": dossier.commune_code,
        },
    )
