"""How many records each sector shared this month (Vietnam time), from the audit log: every
ingest API batch and connector run appends one ``records.write`` entry counting the records it
put on the bus (hub.audit.trail). The log is the one place that dates each write; the topics'
offsets count records but not when they came."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from hub.app.wiring import Hub
from hub.audit.actions import RECORDS_WRITE
from hub.audit.entry import AuditFilter
from hub.audit.log import MAX_QUERY_LIMIT
from hub.vietnam_time import VIETNAM_TZ

MAX_ENTRIES = 200_000
"""Entries read at most for one month (a safety bound; a month of API batches is far fewer)."""


@dataclass(frozen=True, slots=True)
class SectorCount:
    sector: str
    records: int
    datasets: int


@dataclass(frozen=True, slots=True)
class MonthShares:
    month_start: dt.datetime
    sectors: list[SectorCount]
    complete: bool
    """False when the month had more entries than MAX_ENTRIES and the counts stop there."""

    @property
    def total(self) -> int:
        return sum(s.records for s in self.sectors)


def month_start(now: dt.datetime) -> dt.datetime:
    local = now.astimezone(VIETNAM_TZ)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def shared_this_month(hub: Hub, now: dt.datetime) -> MonthShares:
    """Records written per sector since the first of the month, most first."""
    since = month_start(now)
    filters = AuditFilter(action=RECORDS_WRITE, since=since)
    per_dataset: Counter[str] = Counter()
    after, read = 0, 0
    while read < MAX_ENTRIES:
        entries = hub.audit.query(filters, after=after, limit=MAX_QUERY_LIMIT)
        for entry in entries:
            count = entry.details.get("count")
            if entry.dataset and isinstance(count, int):
                per_dataset[entry.dataset] += count
        read += len(entries)
        if len(entries) < MAX_QUERY_LIMIT:
            break
        after = entries[-1].seq
    sectors: Counter[str] = Counter()
    datasets: Counter[str] = Counter()
    catalogue = hub.catalogue.catalogue
    for dataset_id, records in per_dataset.items():
        try:
            sector = catalogue.dataset(dataset_id).sector
        except KeyError:
            continue  # a dataset since removed from the catalogue
        sectors[sector] += records
        datasets[sector] += 1
    counts = [SectorCount(s, n, datasets[s]) for s, n in sectors.most_common()]
    return MonthShares(since, counts, complete=read < MAX_ENTRIES)
