"""The exactly-once relay port: read a consumer group's input topics, write the messages derived
from them, and commit the group's input positions in one atomic step (consume-transform-produce).

A port of its own, rather than more methods on ``EventBus``: only workers that turn one topic
into another need it (the masking worker, ``hub.sharing.masked_worker``), and its atomicity is
a different promise from ``publish`` and ``Consumer.commit``. Everything else keeps the plain
bus. Two adapters pass one contract (``tests/contract/test_relay_contract.py``):

- ``hub.bus.embedded_relay.EmbeddedRelay``: the output messages and the group's offsets are
  written in one SQLite transaction (``EmbeddedBus.append_and_commit``); a crash before its
  COMMIT leaves neither.
- ``hub.bus.kafka_relay.KafkaRelay``: a transactional producer sends the outputs, adds the
  consumed offsets to the same transaction (``send_offsets_to_transaction`` with the consumer's
  group metadata, KIP-447) and commits both. Readers of the outputs use
  ``isolation_level=read_committed``, so an aborted or abandoned transaction is never seen. The
  transactional id is stable per worker: a restarted worker's ``init_transactions`` fences its
  predecessor and aborts whatever transaction it left open.

``GroupOffsets`` reads a group's committed offsets without joining the group, for lag reports.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from hub.bus.errors import BusError
from hub.bus.port import BusRecord

AfterWrite = Callable[[], None]
"""Called after the outputs are written and before the offsets are committed, inside the
transaction. Only tests set it, to inject a crash at the worst moment (fault injection)."""


@dataclass(frozen=True, slots=True)
class RoutedMessage:
    """A message for a given topic and partition; ``partition=None`` lets the adapter choose
    as ``EventBus.publish`` would (by key, else spread)."""

    topic: str
    partition: int | None
    key: bytes | None
    value: bytes


class RelayFenced(BusError):
    """Another worker with the same transactional id started: this one must stop."""


class RelayRebalanced(BusError):
    """The group moved to a new generation before the batch was committed (another instance
    joined or left): the batch was abandoned, and its records are read again, by this member or
    by the partition's new owner. Not fatal: the worker polls again."""


class ExactlyOnceRelay(Protocol):
    """A consumer-group member whose outputs and input offsets are committed together.

    A group with no committed offset for a partition starts at its earliest offset.
    """

    def poll(self, timeout_s: float = 1.0, max_records: int = 500) -> list[BusRecord]:
        """The next input records after those already polled."""
        ...

    def commit(self, outputs: Sequence[RoutedMessage]) -> None:
        """Append the outputs and commit the group's positions after every record polled since
        the last commit, atomically: both become visible to committed readers, or neither. On
        failure the next poll starts again after the last commit, and BusError is raised."""

    def close(self) -> None:
        """Leave the group; a commit in progress is abandoned (its outputs are never seen)."""


class GroupOffsets(Protocol):
    """A consumer group's committed offsets, read without joining the group."""

    def committed(self, group: str, topic: str) -> dict[int, int]:
        """The next offset the group will read, per partition it has committed."""
        ...

    def close(self) -> None: ...


class RelayFactory(Protocol):
    """Opens a relay reading ``topics`` in ``group``; the shell builds one for the configured
    bus (``hub.bus.relay_factory``) and hands it to the workers that need one."""

    def __call__(
        self,
        *,
        group: str,
        topics: Sequence[str],
        transactional_id: str,
        after_write: AfterWrite | None = None,
    ) -> ExactlyOnceRelay: ...


GroupOffsetsFactory = Callable[[], GroupOffsets]
"""Opens a reader of consumer groups' committed offsets; the caller closes it."""
