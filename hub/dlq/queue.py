"""Reading a dataset's dead letters back from its ``<topic>.dlq`` topic, by offset."""

from __future__ import annotations

import binascii
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from hub.bus.port import BusRecord, EventBus
from hub.bus.reading import read_all
from hub.dlq.address import LetterAddress
from hub.dlq.errors import UnknownLetterError
from hub.ingest.dead_letter import DeadLetter
from hub.ingest.validation import Violation

UNREADABLE_RULE = "unreadable_letter"


@dataclass(frozen=True)
class StoredLetter:
    """A dead letter and where it sits in the DLQ."""

    topic: str
    address: LetterAddress
    letter: DeadLetter


class DeadLetterQueue:
    """The dead letters of one dataset, as the bus holds them now."""

    def __init__(self, bus: EventBus, dataset_id: str, topic: str) -> None:
        self._bus = bus
        self._dataset_id = dataset_id
        self.topic = topic

    def partitions(self) -> int:
        return self._bus.partition_count(self.topic)

    def address(self, text: str) -> LetterAddress:
        return LetterAddress.parse(text, max(self.partitions(), 1))

    def letters(self) -> Iterator[StoredLetter]:
        """Every letter, partition by partition, in offset order."""
        for message in read_all(self._bus, self.topic):
            yield self._stored(message)

    def get(self, address: LetterAddress) -> StoredLetter:
        if address.partition < self.partitions():
            found = self._bus.fetch(self.topic, address.partition, address.offset, 1)
            if found and found[0].offset == address.offset:
                return self._stored(found[0])
        raise UnknownLetterError(f"Không có thư {address} trong hàng thư chết {self.topic}")

    def _stored(self, message: BusRecord) -> StoredLetter:
        address = LetterAddress(message.partition, message.offset)
        return StoredLetter(self.topic, address, self._letter(message))

    def _letter(self, message: BusRecord) -> DeadLetter:
        try:
            return DeadLetter.from_bytes(message.value)
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            # Only the hub writes here, but a letter that cannot be read is still shown.
            at = dt.datetime.fromtimestamp(message.timestamp_ms / 1000, tz=dt.UTC)
            problem = Violation("$", UNREADABLE_RULE, f"Thư không đọc được ({type(exc).__name__})")
            return DeadLetter(
                dataset=self._dataset_id,
                source={"kind": "unknown", "name": self.topic, "position": message.offset},
                violations=(problem,),
                original=message.value,
                at=at,
            )
