"""The freshest salinity reading of each station, read from the end of the dataset's topic in
the projection the public may read; the page then follows the dataset's SSE stream
(``/api/v1/datasets/salinity.readings/stream?after=<cursor>``) from exactly where it read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from hub.app.api.cursor import format_cursor
from hub.app.api.datasets import read_page
from hub.app.wiring import Hub
from hub.auth.policy import Refusal, read_access

SALINITY_DATASET = "salinity.readings"
LOOK_BACK = 200
"""Records read back from the end of each partition to find every station's latest reading."""


@dataclass(frozen=True, slots=True)
class Reading:
    station_id: str
    station_name: str
    river_mouth: str
    salinity_g_per_l: float
    measured_at: dt.datetime


@dataclass(frozen=True, slots=True)
class SalinityNow:
    readings: list[Reading]
    stream_url: str | None
    """The SSE stream from the position just after what was read; None without the dataset."""


def salinity_now(hub: Hub) -> SalinityNow:
    try:
        entry = hub.catalogue.catalogue.dataset(SALINITY_DATASET)
    except KeyError:
        return SalinityNow([], None)
    access = read_access(None, entry)
    if isinstance(access, Refusal):
        return SalinityNow([], None)
    ends = hub.bus.end_offsets(entry.topic)
    starts = {partition: max(0, end - LOOK_BACK) for partition, end in ends.items()}
    page, _ = read_page(hub, entry, access.projection, starts, LOOK_BACK * max(1, len(ends)), ends)
    latest: dict[str, Reading] = {}
    for item in page:
        reading = _reading(item["value"])
        if reading is None:
            continue
        known = latest.get(reading.station_id)
        if known is None or reading.measured_at > known.measured_at:
            latest[reading.station_id] = reading
    after = urlencode({"after": format_cursor(ends)})
    stream = f"/api/v1/datasets/{SALINITY_DATASET}/stream?{after}"
    return SalinityNow(sorted(latest.values(), key=lambda r: r.station_name), stream)


def _reading(value: dict[str, Any]) -> Reading | None:
    try:
        return Reading(
            station_id=str(value["station_id"]),
            station_name=str(value["station_name"]),
            river_mouth=str(value["river_mouth"]),
            salinity_g_per_l=float(value["salinity_g_per_l"]),
            measured_at=dt.datetime.fromisoformat(str(value["measured_at"])),
        )
    except (KeyError, TypeError, ValueError):
        return None
