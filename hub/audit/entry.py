"""Who did what, as the audit log stores and returns it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from hub.audit.chain import utc_iso
from hub.vietnam_time import VIETNAM_TZ


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acted: ``principal`` is ``token:<id>``, ``cli``, ``system:<component>``, or for the
    pages' sign-in ``person:<account>`` (``web:signin`` before anyone is known); ``agency`` the
    catalogue agency it acted for, when there is one."""

    principal: str
    agency: str | None = None


CLI = Actor("cli")
"""An operator at the ``kho`` command line."""


def token_actor(token_id: str, agency: str) -> Actor:
    """The caller behind an API token."""
    return Actor(f"token:{token_id}", agency)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: dt.datetime
    actor: Actor
    action: str
    dataset: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str
    unreadable: str | None = None
    """Why the entry cannot be what was written (a stored value no append writes), in
    Vietnamese; its other fields then show what is stored, as far as it reads."""

    def as_dict(self) -> dict[str, Any]:
        """The entry as JSON for the API: time in UTC, ISO 8601."""
        return {
            "seq": self.seq,
            "at": utc_iso(self.at),
            "actor": self.actor.principal,
            "agency": self.actor.agency,
            "action": self.action,
            "dataset": self.dataset,
            "details": self.details,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            "unreadable": self.unreadable,
        }


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which entries to list; every field that is set must match. ``since`` is inclusive,
    ``until`` exclusive; both aware."""

    dataset: str | None = None
    agency: str | None = None
    action: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    actor: str | None = None
    """The principal that acted, as the log names it (``token:<id>``, ``cli``…)."""

    def __post_init__(self) -> None:
        for name, moment in (("since", self.since), ("until", self.until)):
            if moment is not None and moment.tzinfo is None:
                raise ValueError(f"AuditFilter.{name} must be timezone-aware")


def parse_moment(text: str) -> dt.datetime:
    """An ISO 8601 date or time as given in a filter; without an offset it is Vietnam time, a
    date alone its first moment."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"{text!r} không phải thời điểm ISO 8601 (ví dụ 2025-07-01 hoặc"
            " 2025-07-01T08:30:00+07:00)"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=VIETNAM_TZ)
