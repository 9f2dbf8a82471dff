"""A file's rows read, mapped, checked and encoded in a second process, so that both cores work.

The connector's process keeps the producer and its sender thread (they share one interpreter
lock with whatever else runs there); the worker process does the per-row work before them and
hands over each batch ready to send: encoded values with their keys and provenance headers, and
dead letters with their bytes. The parent publishes the batches in order and moves the
checkpoint exactly as the in-process path does (connectors.runner).

The worker is started with ``spawn`` (no copy of the parent's threads or sockets), ignores
SIGINT and SIGTERM (its parent stops it once it has settled the batch in hand) and exits when
its parent is gone: a connector killed mid-run leaves no reader behind. Off by default
(``worker_process`` in the connector's configuration): starting the worker costs about a second
of CPU (imports, the commune table), and the second process pays only when a core is free.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import queue
import signal
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from typing import Any

from connectors.config import ConnectorConfig
from connectors.errors import ConnectorError
from connectors.sources.files import FileSource
from hub.avro.json_codec import record_to_json
from hub.avro.schema import DatasetSchema
from hub.avro.wire import encode
from hub.bus.port import Headers, OutgoingMessage
from hub.catalogue.models import DatasetEntry
from hub.ingest.dead_letter import DeadLetter
from hub.ingest.validation import RecordValidator, Violation
from hub.ingest.writer import DatasetWriter
from hub.metrics import CONTRACT_FAILURES

_QUEUED = 4
"""Batches prepared ahead of the one being published: enough to hide a slow send, few enough
that a run over a million rows holds a few thousand in memory."""
_POLL_S = 1.0  # how often the parent, waiting for a batch, checks that the worker lives


@dataclass(slots=True)
class Prepared:
    """One batch as the worker made it; positions are the source's."""

    good: list[tuple[bytes | None, bytes, Headers]] = field(default_factory=list)
    letters: list[tuple[DeadLetter, bytes, Headers]] = field(default_factory=list)
    last: Any = None  # the position of the batch's last record; None: no record
    skipped: int = 0  # records already on the bus (an interrupted run's), not sent again
    skipped_to: Any = None  # the last of those after the batch's last record
    contract_failures: Counter[str] = field(default_factory=Counter)
    """Contract rules broken in this batch, for the parent's metric (the worker's is lost)."""


@dataclass(frozen=True, slots=True)
class _Failed:
    error: BaseException


@dataclass(frozen=True, slots=True)
class _Job:
    config: ConnectorConfig
    source: FileSource
    entry: DatasetEntry
    schema: DatasetSchema
    schema_id: int
    batch_size: int
    after: Any
    skip: frozenset[str]


@contextlib.contextmanager
def prepared_batches(
    config: ConnectorConfig,
    source: FileSource,
    writer: DatasetWriter,
    batch_size: int,
    *,
    after: Any,
    skip: set[str],
) -> Iterator[Iterator[Prepared]]:
    """The source's batches from past ``after``, prepared in a worker process; the worker is
    stopped on leaving, whether or not its batches were all read."""
    context = multiprocessing.get_context("spawn")
    batches: multiprocessing.Queue[Prepared | _Failed | None] = context.Queue(_QUEUED)
    job = _Job(
        config,
        source,
        writer.entry,
        writer.schema,
        writer.schema_id,
        batch_size,
        after,
        frozenset(skip),
    )
    worker = context.Process(target=_work, args=(job, batches), daemon=True, name="kho-rows")
    worker.start()
    try:
        yield _received(batches, worker)
    finally:
        if worker.is_alive():
            worker.kill()  # it ignores SIGTERM
        worker.join()
        batches.close()
        batches.join_thread()


def _received(
    batches: multiprocessing.Queue[Prepared | _Failed | None], worker: BaseProcess
) -> Iterator[Prepared]:
    while True:
        try:
            item = batches.get(timeout=_POLL_S)
        except queue.Empty:
            if not worker.is_alive() and batches.empty():
                raise ConnectorError(
                    f"Tiến trình đọc tệp dừng bất ngờ (mã thoát {worker.exitcode})"
                ) from None
            continue
        if item is None:
            return
        if isinstance(item, _Failed):
            raise item.error
        yield item


# --- in the worker ---------------------------------------------------------------------------


def _work(job: _Job, batches: multiprocessing.Queue[Prepared | _Failed | None]) -> None:
    # Ctrl-C and a service manager's SIGTERM reach the whole process group: the parent stops
    # after the batch in hand and then ends the worker, which must not die under it first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    try:
        gc.freeze()  # what was imported is not walked by each full pass
        for batch in _prepare(job):
            batches.put(batch)
    except Exception as exc:  # noqa: BLE001 - handed to the parent, which raises it
        batches.put(_Failed(_picklable(exc)))
    else:
        batches.put(None)
    batches.close()
    batches.join_thread()


def _exit_with_parent() -> None:
    """The worker's end when its parent ends first (killed): at once, as its queue's pipe,
    which nobody reads any more, may hold its last batches back for ever."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        parent.join()
        os._exit(1)


def _prepare(job: _Job) -> Iterator[Prepared]:
    """Batches of ``job.batch_size`` records (accepted and dead-lettered), as
    DatasetWriter.write makes them."""
    from connectors.runner import incoming  # noqa: PLC0415 - the runner imports this module

    validator = RecordValidator(job.entry, job.schema)
    parsed, schema_id, key_field = job.schema.parsed, job.schema_id, job.schema.key_field
    dataset = job.entry.id
    failures = _contract_failures(dataset)
    skips = _Skips()
    batch = Prepared()
    for item in incoming(job.config, job.source, after=job.after, skip=job.skip, skips=skips):
        problems: Sequence[Violation] = item.problems
        record = item.record
        if record is not None and not problems:
            problems = validator.violations(record)
        if problems or record is None:
            letter = _dead_letter(dataset, item.source.as_dict(), problems, item.original, record)
            batch.letters.append((letter, letter.to_bytes(), item.headers))
        else:
            key = str(record[key_field]).encode("utf-8") if key_field else None
            value = encode(schema_id, parsed, record)
            oversized = DatasetWriter.too_large(_NO_WRITER, OutgoingMessage(key=key, value=value))
            if oversized is None:
                batch.good.append((key, value, item.headers))
            else:
                letter = _dead_letter(
                    dataset, item.source.as_dict(), (oversized,), item.original, record
                )
                batch.letters.append((letter, letter.to_bytes(), item.headers))
        batch.last = item.source.position
        if len(batch.good) + len(batch.letters) >= job.batch_size:
            batch.skipped, batch.skipped_to = skips.taken()
            batch.contract_failures = _new_failures(dataset, failures)
            yield batch
            batch = Prepared()
    batch.skipped, batch.skipped_to = skips.taken()
    batch.contract_failures = _new_failures(dataset, failures)
    if batch.last is not None or batch.skipped:
        yield batch


# DatasetWriter.too_large reads nothing of its writer.
_NO_WRITER: Any = None


def _dead_letter(
    dataset: str,
    source: dict[str, Any],
    problems: Sequence[Violation],
    original: bytes,
    record: dict[str, Any] | None,
) -> DeadLetter:
    """As DatasetWriter.dead_letter makes it."""
    return DeadLetter(
        dataset=dataset,
        source=source,
        violations=tuple(problems),
        original=original,
        record=record_to_json(record) if record is not None else None,
    )


class _Skips:
    """Records of an interrupted run found on the bus, skipped since the last batch."""

    def __init__(self) -> None:
        self.count = 0
        self.to: Any = None

    def skip(self, position: Any) -> None:
        self.count += 1
        self.to = position

    def read(self) -> None:
        self.to = None

    def taken(self) -> tuple[int, Any]:
        counted, self.count = self.count, 0
        return counted, self.to


def _contract_failures(dataset: str) -> Counter[str]:
    """The worker's count of the contract's failures so far, by rule."""
    counts: Counter[str] = Counter()
    for metric in CONTRACT_FAILURES.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total") and sample.labels.get("dataset") == dataset:
                counts[sample.labels["rule"]] = int(sample.value)
    return counts


def _new_failures(dataset: str, before: Counter[str]) -> Counter[str]:
    """Failures counted since ``before``, which moves on to now."""
    now = _contract_failures(dataset)
    new = now - before
    before.clear()
    before.update(now)
    return new


def _picklable(exc: Exception) -> BaseException:
    import pickle  # noqa: PLC0415

    try:
        pickle.loads(pickle.dumps(exc))  # noqa: S301 - our own bytes
    except Exception:  # noqa: BLE001
        return ConnectorError(f"{type(exc).__name__}: {exc}")
    return exc
