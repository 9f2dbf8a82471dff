"""A file connector resumes from its checkpoint and never publishes a row twice, even when it
dies after the bus acknowledged a batch but before the checkpoint was saved; with its rows
prepared in the connector's process or in a worker process (``worker_process``)."""

from __future__ import annotations

import gc
import multiprocessing
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.checkpoints import Checkpoint, CheckpointStore
from connectors.config import ConnectorConfig, load_connector_config
from connectors.delivery import CONNECTOR_HEADER, POSITION_HEADER, STREAM_HEADER
from connectors.errors import ConnectorError
from connectors.runner import run_batch
from connectors.samples.dossiers import write_dossier_export
from connectors.sources.files import FileSource
from connectors.sources.port import SourceRecord
from hub.app.cli.connector import checkpoint_store
from hub.app.wiring import Hub
from hub.bus import read_all
from hub.ingest.writer import DatasetWriter
from hub.metrics import CONTRACT_FAILURES
from tests.paths import DOSSIER_CONNECTOR

CONFIG = load_connector_config(DOSSIER_CONNECTOR)
BATCH = 50


class _Crash(Exception):
    """Stands for kill -9 between the bus's acknowledgement and the checkpoint's save."""


class CrashingStore(CheckpointStore):
    """Fault injection: the real store, except that its n-th save never happens."""

    def __init__(self, store: CheckpointStore, crash_on_save: int) -> None:
        self._store = store
        self._saves_left = crash_on_save
        self.save_every_s = store.save_every_s

    def load(self, connector: str, stream: str) -> Checkpoint | None:
        return self._store.load(connector, stream)

    def save(self, checkpoint: Checkpoint) -> Checkpoint:
        self._saves_left -= 1
        if self._saves_left == 0:
            raise _Crash
        return self._store.save(checkpoint)


@pytest.fixture(params=[False, True], ids=["in-process", "worker-process"])
def config(request: pytest.FixtureRequest) -> ConnectorConfig:
    """The dossier connector, its rows prepared in its own process or in a worker process."""
    return CONFIG.model_copy(update={"worker_process": request.param})


def _writer(hub: Hub) -> DatasetWriter:
    return DatasetWriter(hub.bus, hub.registry, hub.catalogue, CONFIG.dataset, batch_size=BATCH)


def _rows_on_bus(hub: Hub) -> Counter[int]:
    """How many times each source row is on the topic or its DLQ, by the message headers."""
    seen: Counter[int] = Counter()
    for topic in ("tthc.dossiers", "tthc.dossiers.dlq"):
        for record in read_all(hub.bus, topic):
            seen[int(record.header(POSITION_HEADER) or b"0")] += 1
    return seen


def test_a_run_publishes_each_row_once_and_a_rerun_publishes_nothing(
    embedded_hub: Hub, tmp_path: Path, config: ConnectorConfig
) -> None:
    export = write_dossier_export(tmp_path / "hs.csv", rows=230, seed=3)
    store = checkpoint_store(embedded_hub, save_every_s=0)
    source = FileSource(config, export.path)
    first = run_batch(config, source, _writer(embedded_hub), embedded_hub.bus, store)
    assert first.report.accepted == export.valid_rows
    assert first.report.rejected == len(export.invalid_rows)
    assert first.checkpoint is not None and first.checkpoint.finished
    assert first.checkpoint.position == 231  # the header is row 1
    assert gc.get_freeze_count() == 0  # the heap set aside during the run is back
    assert _rows_on_bus(embedded_hub) == Counter(range(2, 232))

    again = run_batch(config, source, _writer(embedded_hub), embedded_hub.bus, store)
    assert (again.report.accepted, again.report.rejected) == (0, 0)
    assert again.resumed_after == 231
    assert _rows_on_bus(embedded_hub) == Counter(range(2, 232))


@pytest.mark.parametrize("crash_on_save", [1, 2, 4])
def test_a_crash_after_the_ack_does_not_publish_the_batch_again(
    embedded_hub: Hub, tmp_path: Path, crash_on_save: int, config: ConnectorConfig
) -> None:
    """Save 1 is the checkpoint before anything is published; save n > 1 follows batch n - 1,
    by when batch n is travelling too (the writer sends a batch before it waits for the one
    before). Whatever reached the bus before the crash is found by its headers and skipped."""
    export = write_dossier_export(tmp_path / "hs.csv", rows=230, seed=4)
    store = checkpoint_store(embedded_hub, save_every_s=0)
    source = FileSource(config, export.path)
    with pytest.raises(_Crash):
        run_batch(
            config,
            source,
            _writer(embedded_hub),
            embedded_hub.bus,
            CrashingStore(store, crash_on_save),
        )
    assert gc.get_freeze_count() == 0  # the heap set aside during the run is back, crash or not
    assert not multiprocessing.active_children()  # nor a worker process left running
    on_bus = min(230, crash_on_save * BATCH) if crash_on_save > 1 else 0
    assert sum(_rows_on_bus(embedded_hub).values()) == on_bus

    resumed = run_batch(config, source, _writer(embedded_hub), embedded_hub.bus, store)
    assert resumed.already_published == (on_bus - (crash_on_save - 2) * BATCH if on_bus else 0)
    assert _rows_on_bus(embedded_hub) == Counter(range(2, 232))
    assert resumed.checkpoint is not None and resumed.checkpoint.finished
    saved = store.load(config.name, source.stream)
    assert saved is not None
    assert saved.accepted + saved.rejected == 230 - resumed.already_published


def test_saving_every_few_seconds_still_publishes_each_row_once(
    embedded_hub: Hub, tmp_path: Path, config: ConnectorConfig
) -> None:
    """With the production default (a save at most every second), a run that dies after its
    first save finds every batch it had sent on the bus and publishes each row once."""
    export = write_dossier_export(tmp_path / "hs.csv", rows=230, seed=8)
    store = checkpoint_store(embedded_hub, save_every_s=3600)
    source = FileSource(config, export.path)
    with pytest.raises(_Crash):  # save 2 is the one at the end: nothing saved in between
        run_batch(config, source, _writer(embedded_hub), embedded_hub.bus, CrashingStore(store, 2))
    assert sum(_rows_on_bus(embedded_hub).values()) == 230
    saved = store.load(config.name, source.stream)
    assert saved is not None and saved.position is None and saved.accepted == 0

    resumed = run_batch(config, source, _writer(embedded_hub), embedded_hub.bus, store)
    assert resumed.already_published == 230 and resumed.report.accepted == 0
    assert _rows_on_bus(embedded_hub) == Counter(range(2, 232))
    assert resumed.checkpoint is not None and resumed.checkpoint.position == 231


def test_a_new_export_under_the_same_name_is_a_new_stream(
    embedded_hub: Hub, tmp_path: Path, config: ConnectorConfig
) -> None:
    """The stream is the name and the digest: a re-export with other rows is read in full."""
    path = tmp_path / "hs.csv"
    store = checkpoint_store(embedded_hub, save_every_s=0)
    write_dossier_export(path, rows=60, seed=5)
    first = run_batch(
        config, FileSource(config, path), _writer(embedded_hub), embedded_hub.bus, store
    )
    write_dossier_export(path, rows=60, seed=6)
    second = run_batch(
        config, FileSource(config, path), _writer(embedded_hub), embedded_hub.bus, store
    )
    assert first.stream != second.stream and second.resumed_after is None
    assert second.report.accepted + second.report.rejected == 60
    streams = {
        (r.header(STREAM_HEADER) or b"").decode()
        for r in read_all(embedded_hub.bus, "tthc.dossiers")
    }
    assert streams == {first.stream, second.stream}
    assert {cp.stream for cp in store.of_connector(config.name)} == streams


class ListSource:
    """A source of given (position, cells) pairs, for orders a file cannot produce."""

    kind = "test"
    name = "list"
    stream = "list"

    def __init__(self, rows: list[tuple[float, dict[str, str]]]) -> None:
        self.rows = rows

    def estimated_total(self, after: object) -> int | None:
        return None

    def records(self, after: object) -> Iterator[SourceRecord]:
        for position, cells in self.rows:
            if after is None or position > after:  # type: ignore[operator]
                yield SourceRecord(position, cells, b"")


def test_a_late_record_before_skipped_ones_does_not_pull_the_checkpoint_back(
    embedded_hub: Hub, tmp_path: Path
) -> None:
    """After a crash, a record that sorts before the ones already on the bus (an API's late
    item) is published; the checkpoint still ends past the skipped ones, so a third run sends
    nothing again."""
    export = write_dossier_export(tmp_path / "hs.csv", rows=120, seed=7)
    valid = [
        row.cells
        for row in FileSource(CONFIG, export.path).rows()
        if row.row_number not in export.invalid_rows
    ]
    source = ListSource([(float(i), valid[i]) for i in range(1, 101)])
    store = checkpoint_store(embedded_hub, save_every_s=0)
    with pytest.raises(_Crash):
        run_batch(CONFIG, source, _writer(embedded_hub), embedded_hub.bus, CrashingStore(store, 3))
    source.rows.insert(50, (50.5, valid[101]))  # late, between batch 1 (saved) and batch 2
    resumed = run_batch(CONFIG, source, _writer(embedded_hub), embedded_hub.bus, store)
    assert resumed.already_published == BATCH and resumed.report.accepted == 1 + 50 - BATCH
    assert resumed.checkpoint is not None and resumed.checkpoint.position == 100.0
    third = run_batch(CONFIG, source, _writer(embedded_hub), embedded_hub.bus, store)
    assert third.report.accepted == 0
    positions = Counter(
        (r.header(POSITION_HEADER) or b"").decode()
        for r in read_all(embedded_hub.bus, "tthc.dossiers")
    )
    assert set(positions.values()) == {1} and len(positions) == 101


def test_a_worker_process_publishes_what_the_connectors_process_does(
    embedded_hub: Hub, tmp_path: Path
) -> None:
    """The same file through both paths: the same records byte for byte, the same dead
    letters by rule, and the contract's failures counted in the connector's process."""
    export = write_dossier_export(tmp_path / "hs.csv", rows=230, seed=9)
    store = checkpoint_store(embedded_hub, save_every_s=0)
    runs = {}
    for worker in (False, True):
        config = CONFIG.model_copy(update={"name": f"hs-{worker}", "worker_process": worker})
        failures = _contract_failures()
        summary = run_batch(
            config, FileSource(config, export.path), _writer(embedded_hub), embedded_hub.bus, store
        )
        runs[worker] = (summary.report, _contract_failures() - failures)
    (in_process, in_failures), (in_worker, worker_failures) = runs[False], runs[True]
    assert (in_worker.accepted, in_worker.rejected) == (export.valid_rows, len(export.invalid_rows))
    assert in_worker.rejected_by_rule == in_process.rejected_by_rule
    assert in_worker.examples.keys() == in_process.examples.keys()
    assert worker_failures == in_failures and sum(worker_failures.values()) > 0
    assert in_worker.written.count == in_process.written.count
    by_run: dict[bytes, dict[bytes, bytes]] = {b"hs-False": {}, b"hs-True": {}}
    for record in read_all(embedded_hub.bus, "tthc.dossiers"):
        position = record.header(POSITION_HEADER) or b""
        by_run[record.header(CONNECTOR_HEADER) or b""][position] = record.value
    assert by_run[b"hs-True"] == by_run[b"hs-False"]


def _contract_failures() -> Counter[str]:
    return Counter(
        {
            sample.labels["rule"]: int(sample.value)
            for metric in CONTRACT_FAILURES.collect()
            for sample in metric.samples
            if sample.name.endswith("_total") and sample.labels["dataset"] == CONFIG.dataset
        }
    )


def test_a_broken_row_stops_the_run_after_the_batches_before_it(
    embedded_hub: Hub, tmp_path: Path, config: ConnectorConfig
) -> None:
    """A row the CSV reader refuses stops the run with the reader's message, in the worker
    process as in the connector's; the batches before it are on the bus and checkpointed."""
    export = write_dossier_export(tmp_path / "hs.csv", rows=130, seed=10)
    with export.path.open("a", encoding="utf-8") as handle:
        handle.write('"an unclosed quote\n')
    store = checkpoint_store(embedded_hub, save_every_s=0)
    source = FileSource(config, export.path)
    with pytest.raises(ConnectorError, match="dòng 132: lỗi CSV"):
        run_batch(config, source, _writer(embedded_hub), embedded_hub.bus, store)
    assert gc.get_freeze_count() == 0
    saved = store.load(config.name, source.stream)
    assert saved is not None and not saved.finished
    assert saved.position == 1 + 2 * BATCH  # the two full batches; the third was not sent
    assert _rows_on_bus(embedded_hub) == Counter(range(2, 2 + 2 * BATCH))
