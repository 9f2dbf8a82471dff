"""From a decoded dossier or feedback record to the state the index keeps, or the reason it
cannot be kept (a rule and the field it names, for the dead letter).

Records written with an older schema lack the fields added later: they take the schema's
defaults here (``synced_national`` false, counts 0, ``satisfaction`` none, links null)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hub.index766.states import DossierState, FeedbackState, Satisfaction

NOT_A_DOSSIER_RULE = "index766_not_a_dossier"
NOT_A_FEEDBACK_RULE = "index766_not_a_feedback"
COUNTS_CONTRADICT_RULE = "index766_counts_contradict"
RESOLVED_BEFORE_RECEIVED_RULE = "index766_resolved_before_received"
_SATISFACTION = {s.value: s for s in Satisfaction}


class Refusal(Exception):
    """Why a record cannot become a state: the rule, the field (JSON path) and a message."""

    def __init__(self, rule: str, path: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.path = path
        self.message = message


def dossier_state(datum: dict[str, Any]) -> DossierState:
    """The dossier's state; Refusal when a field is missing, of the wrong type, or the counts
    contradict each other (digitised or reused components over the total)."""
    rule = NOT_A_DOSSIER_RULE
    total = _int(datum, "components_total", rule)
    digitised = _int(datum, "components_digitised", rule)
    reused = _int(datum, "reused_components", rule)
    for name, value in (("components_digitised", digitised), ("reused_components", reused)):
        if value > total:
            raise Refusal(
                COUNTS_CONTRADICT_RULE,
                f"$.{name}",
                f"{name} = {value} lớn hơn components_total = {total}",
            )
    written = datum.get("satisfaction") or Satisfaction.NONE.value
    satisfaction = _SATISFACTION.get(written)
    if satisfaction is None:
        raise Refusal(rule, "$.satisfaction", f"satisfaction không hợp lệ: {written!r}")
    return DossierState(
        dossier_id=_text(datum, "dossier_id", rule),
        procedure_code=_text(datum, "procedure_code", rule),
        receiving_agency_code=_text(datum, "receiving_agency_code", rule),
        commune_code=_text(datum, "commune_code", rule),
        channel=_text(datum, "channel", rule),
        received_at=_moment(datum, "received_at", rule),
        due_at=_moment(datum, "due_at", rule),
        finished_at=_optional_moment(datum, "finished_at", rule),
        status=_text(datum, "status", rule),
        paid_online=_bool(datum, "paid_online", rule, required=True),
        fee_vnd=_int(datum, "fee_vnd", rule, required=True),
        synced_national=_bool(datum, "synced_national", rule),
        result_digitised=_bool(datum, "result_digitised", rule),
        components_total=total,
        components_digitised=digitised,
        reused_components=reused,
        satisfaction=satisfaction,
    )


def feedback_state(datum: dict[str, Any]) -> FeedbackState:
    """The feedback's state; Refusal when a field is missing or of the wrong type, or it was
    resolved before it was received."""
    rule = NOT_A_FEEDBACK_RULE
    received_at = _moment(datum, "received_at", rule)
    resolved_at = _optional_moment(datum, "resolved_at", rule)
    if resolved_at is not None and resolved_at < received_at:
        raise Refusal(
            RESOLVED_BEFORE_RECEIVED_RULE,
            "$.resolved_at",
            f"resolved_at {resolved_at.isoformat()} trước received_at {received_at.isoformat()}",
        )
    return FeedbackState(
        feedback_id=_text(datum, "feedback_id", rule),
        commune_code=_text(datum, "commune_code", rule),
        status=_text(datum, "status", rule),
        received_at=received_at,
        agency_code=_optional_text(datum, "agency_code", rule),
        dossier_id=_optional_text(datum, "dossier_id", rule),
        resolved_at=resolved_at,
        repeat_of=_optional_text(datum, "repeat_of", rule),
    )


def _missing(rule: str, name: str, what: str) -> Refusal:
    return Refusal(rule, f"$.{name}", f"Trường {name} thiếu hoặc không phải {what}")


def _text(datum: dict[str, Any], name: str, rule: str) -> str:
    value = datum.get(name)
    if not isinstance(value, str) or not value:
        raise _missing(rule, name, "chuỗi")
    return value


def _optional_text(datum: dict[str, Any], name: str, rule: str) -> str | None:
    value = datum.get(name)
    if value is not None and not isinstance(value, str):
        raise _missing(rule, name, "chuỗi")
    return value


def _moment(datum: dict[str, Any], name: str, rule: str) -> dt.datetime:
    value = _optional_moment(datum, name, rule)
    if value is None:
        raise _missing(rule, name, "thời điểm")
    return value


def _optional_moment(datum: dict[str, Any], name: str, rule: str) -> dt.datetime | None:
    value = datum.get(name)
    if value is None:
        return None
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise _missing(rule, name, "thời điểm có múi giờ")
    return value


def _bool(datum: dict[str, Any], name: str, rule: str, *, required: bool = False) -> bool:
    value = datum.get(name)
    if value is None and not required:
        return False
    if not isinstance(value, bool):
        raise _missing(rule, name, "đúng/sai")
    return value


def _int(datum: dict[str, Any], name: str, rule: str, *, required: bool = False) -> int:
    value = datum.get(name)
    if value is None and not required:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _missing(rule, name, "số nguyên không âm")
    return value
