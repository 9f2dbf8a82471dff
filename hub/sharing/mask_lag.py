"""How far the masking worker is behind: per dataset and partition, the input topic's end
offset, the offset ``kho.masker`` committed, the difference (the lag) and the end offset of
``<topic>.masked``. ``kho mask status`` prints it; other code (an HTTP endpoint) can call
``read_masking_lag``.

On Kafka the masked topic's end offset also counts the transaction markers (one per committed
batch and partition), so it is not a count of masked records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hub.bus.port import EventBus
from hub.bus.relay import GroupOffsets, GroupOffsetsFactory
from hub.catalogue.loader import LoadedCatalogue
from hub.catalogue.models import DatasetEntry
from hub.sharing.masked_records import MASKER_GROUP, maskable_datasets


@dataclass(frozen=True, slots=True)
class PartitionLag:
    dataset: str
    topic: str
    partition: int
    input_end: int
    committed: int | None
    """None while the group has committed nothing for the partition."""
    masked_end: int | None
    """None while the masked topic does not exist."""

    @property
    def lag(self) -> int:
        return max(0, self.input_end - (self.committed or 0))


@dataclass(frozen=True, slots=True)
class DatasetLag:
    dataset: str
    topic: str
    masked_topic: str
    partitions: tuple[PartitionLag, ...]
    """Empty while the input topic does not exist."""

    @property
    def lag(self) -> int:
        return sum(p.lag for p in self.partitions)


def masking_lag(
    bus: EventBus,
    offsets: GroupOffsets,
    entries: Sequence[DatasetEntry],
    *,
    group: str = MASKER_GROUP,
) -> list[DatasetLag]:
    report = []
    for entry in entries:
        ends = bus.end_offsets(entry.topic)
        committed = offsets.committed(group, entry.topic) if ends else {}
        masked = bus.end_offsets(entry.masked_topic) if ends else {}
        partitions = tuple(
            PartitionLag(
                dataset=entry.id,
                topic=entry.topic,
                partition=p,
                input_end=end,
                committed=committed.get(p),
                masked_end=masked.get(p),
            )
            for p, end in sorted(ends.items())
        )
        report.append(DatasetLag(entry.id, entry.topic, entry.masked_topic, partitions))
    return report


def read_masking_lag(
    catalogue: LoadedCatalogue,
    bus: EventBus,
    group_offsets: GroupOffsetsFactory,
    dataset_ids: Sequence[str] | None = None,
) -> list[DatasetLag]:
    """The lag of every maskable dataset (or those named), read now."""
    entries = maskable_datasets(catalogue, list(dataset_ids) if dataset_ids else None)
    offsets = group_offsets()
    try:
        return masking_lag(bus, offsets, entries)
    finally:
        offsets.close()
