"""Vietnam's time zone: UTC+7 all year, no daylight saving."""

from __future__ import annotations

import datetime as dt

VIETNAM_TZ = dt.timezone(dt.timedelta(hours=7), "ICT")


def vietnam_today() -> dt.date:
    """Today's date in Vietnam: what "valid today" means for a certificate."""
    return dt.datetime.now(VIETNAM_TZ).date()


def vietnam_time(moment: dt.datetime) -> str:
    """``31/07/2025 14:05:09``, in Vietnam time (a naive time is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y %H:%M:%S")
