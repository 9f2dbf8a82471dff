"""What the index keeps of each dossier and each feedback: its latest state, only the fields
the indicators read, nothing personal. Every module of the index speaks these two types: the
worker stores them, the store reads them back, the indicators compute from them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar


class Satisfaction(StrEnum):
    NONE = "none"
    SATISFIED = "satisfied"
    DISSATISFIED = "dissatisfied"


@dataclass(frozen=True, slots=True)
class DossierState:
    """A dossier's latest record, as the indicators need it. Times are aware (UTC)."""

    dossier_id: str
    procedure_code: str
    receiving_agency_code: str
    commune_code: str
    channel: str  # "online" | "offline"
    received_at: dt.datetime
    due_at: dt.datetime
    finished_at: dt.datetime | None
    status: str
    paid_online: bool
    fee_vnd: int
    synced_national: bool = False
    result_digitised: bool = False
    components_total: int = 0
    components_digitised: int = 0
    reused_components: int = 0
    satisfaction: Satisfaction = Satisfaction.NONE
    result_in_store: bool = False
    """Whether the finished dossier's result became evidence in the provide-once store."""


@dataclass(frozen=True, slots=True)
class FeedbackState:
    """A citizen feedback's (PAKN) latest record. ``agency_code`` is the unit it is about."""

    feedback_id: str
    commune_code: str
    status: str  # received | assigned | resolved | rejected
    received_at: dt.datetime
    agency_code: str | None = None
    dossier_id: str | None = None
    resolved_at: dt.datetime | None = None
    repeat_of: str | None = None


StateT = TypeVar("StateT", DossierState, FeedbackState)


def latest_states(records: Iterable[StateT]) -> list[StateT]:
    """The latest state of each dossier (by `dossier_id`) or feedback (by `feedback_id`) of a
    sequence in arrival order: a later record replaces the earlier one, in the place where the
    record was first seen."""
    latest: dict[str, StateT] = {}
    for record in records:
        key = record.dossier_id if isinstance(record, DossierState) else record.feedback_id
        latest[key] = record
    return list(latest.values())
