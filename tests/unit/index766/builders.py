"""Small builders of dossier and feedback states for the index's tests: every field a test
does not name takes a plain value, so each test shows only what it is about."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hub.index766.periods import VIETNAM
from hub.index766.states import DossierState, FeedbackState


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An instant in Vietnam time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


def dossier(dossier_id: str, **fields: Any) -> DossierState:
    values: dict[str, Any] = {
        "dossier_id": dossier_id,
        "procedure_code": "1.000001",
        "receiving_agency_code": "so-a",
        "commune_code": "29001",
        "channel": "online",
        "received_at": vn(2025, 8, 4, 9),
        "due_at": vn(2025, 8, 10, 17),
        "finished_at": None,
        "status": "received",
        "paid_online": False,
        "fee_vnd": 0,
    }
    values.update(fields)
    return DossierState(**values)


def feedback(feedback_id: str, **fields: Any) -> FeedbackState:
    values: dict[str, Any] = {
        "feedback_id": feedback_id,
        "commune_code": "29001",
        "status": "received",
        "received_at": vn(2025, 8, 4, 9),
        "agency_code": "so-a",
    }
    values.update(fields)
    return FeedbackState(**values)
