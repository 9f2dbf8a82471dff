"""The consent form of ``/cua-toi/dong-y``: what the citizen chose (agency, purpose, evidence
types, expiry date) becomes the ``ConsentInput`` the API takes, or a Vietnamese error per field.

The form's expiry is a date; the consent holds until the end of that day in Vietnam time. The
rules the API enforces (a known agency and procedure, only types the procedure needs, at most
five years) stay in ``ConsentStore``: the page shows its refusal next to the field it names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from starlette.datastructures import FormData

from hub.provide_once.consent import ConsentInput
from hub.vietnam_time import VIETNAM_TZ

FIELDS = ("agency", "purpose", "evidence_types", "expires_at")


@dataclass
class ConsentForm:
    """What was posted, kept to fill the form again, and the errors by field."""

    agency: str = ""
    purpose: str = ""
    evidence_types: tuple[str, ...] = ()
    expires_on: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def read_consent_form(form: FormData) -> tuple[ConsentForm, ConsentInput | None]:
    """The posted form, and the consent it asks for when every field is filled in rightly."""
    posted = ConsentForm(
        agency=_text(form, "agency"),
        purpose=_text(form, "purpose"),
        evidence_types=tuple(str(v) for v in form.getlist("evidence_types") if str(v)),
        expires_on=_text(form, "expires_at"),
    )
    if not posted.agency:
        posted.errors["agency"] = "Hãy chọn cơ quan được dùng giấy tờ."
    if not posted.purpose:
        posted.errors["purpose"] = "Hãy chọn thủ tục (mục đích) cơ quan được dùng giấy tờ."
    if not posted.evidence_types:
        posted.errors["evidence_types"] = "Hãy chọn ít nhất một loại giấy tờ."
    expires_at = _end_of_day(posted.expires_on)
    if expires_at is None:
        posted.errors["expires_at"] = "Hãy chọn ngày hết hạn (ngày/tháng/năm)."
    if posted.errors or expires_at is None:
        return posted, None
    given = ConsentInput(
        agency=posted.agency[:64],
        purpose=posted.purpose[:32],
        evidence_types=posted.evidence_types[:50],
        expires_at=expires_at,
    )
    return posted, given


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _end_of_day(value: str) -> dt.datetime | None:
    """``2026-12-31`` -> the last second of that day in Vietnam time; None when not a date."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=VIETNAM_TZ)
