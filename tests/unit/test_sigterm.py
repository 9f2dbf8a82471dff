"""The long-running commands as services on the embedded defaults: SIGTERM mid-stream finishes
the batch in hand, commits it and exits 0, and a restart goes on from there (nothing handled
twice, nothing lost) - the consumer-group workers, the publisher in --watch and a folder
connector in --follow; a second instance of a group is refused in one line naming the group
and its lock file, and a killed instance (kill -9) leaves no lock behind."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from connectors.samples.dossiers import dossier_documents, write_dossier_export
from hub.app.demo import DOSSIER_FIGURES
from hub.app.wiring import Hub
from hub.audit.entry import Actor
from hub.index766.worker import INDEX_GROUP
from hub.provide_once.dossier_feed import FEED_GROUP
from hub.sharing.masked_records import MASKER_GROUP
from tests.paths import DOSSIER_CONNECTOR
from tests.unit.test_cli import kho

DOSSIERS = "tthc.dossiers"
RECORDS = 3000
STOPPED = "Đã dừng sau khi cam kết lô cuối."


@dataclass(frozen=True)
class Worker:
    """A worker command, its consumer group and how many input records it has committed."""

    name: str
    args: list[str]
    group: str
    committed: Callable[[Hub], int]


def group_committed(group: str) -> Callable[[Hub], int]:
    def read(hub: Hub) -> int:
        offsets = hub.group_offsets()
        try:
            return sum(offsets.committed(group, DOSSIERS).values())
        finally:
            offsets.close()

    return read


def index_saved(hub: Hub) -> int:
    """The index worker keeps its offsets with its state, in its own database."""
    return sum(hub.index_store.saved_offsets(INDEX_GROUP).values())


WORKERS = [
    Worker(
        "mask", ["mask", "run", "--dataset", DOSSIERS], MASKER_GROUP, group_committed(MASKER_GROUP)
    ),
    Worker("index", ["index", "run"], INDEX_GROUP, index_saved),
    Worker("feed", ["evidence", "feed"], FEED_GROUP, group_committed(FEED_GROUP)),
]


def publish_dossiers(hub: Hub, count: int) -> None:
    writer = hub.writer(DOSSIERS)
    documents = dossier_documents(count, seed=31)
    writer.publish([writer.message(writer.json_reader.read(d)) for d in documents])


def start(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    return subprocess.Popen(
        [sys.executable, "-m", "hub.app", *args],
        cwd=cwd,
        env={**clean, "COLUMNS": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"{what} not seen in {timeout_s} s"
        time.sleep(0.02)


def first_count(output: str) -> int:
    """The first number of the summary table's data row (records read, masked, dossiers)."""
    for line in output.splitlines():
        cells = [c.strip() for c in line.split("│") if c.strip()]
        numbers = [c for c in cells if re.fullmatch(r"\d+", c)]
        if numbers:
            return int(numbers[0])
    raise AssertionError(f"no counts in {output!r}")


def handled(worker: Worker, hub: Hub) -> int:
    """How many input records the worker's outputs hold: masked records, index rows, or (for
    the feed, whose outputs are idempotent) the committed offsets themselves."""
    if worker.name == "mask":
        return sum(hub.bus.end_offsets(f"{DOSSIERS}.masked").values())
    if worker.name == "index":
        return hub.index_store.counts()[0]
    return worker.committed(hub)


@pytest.mark.parametrize("worker", WORKERS, ids=[w.name for w in WORKERS])
def test_sigterm_mid_stream_commits_the_batch_and_a_restart_goes_on(
    tmp_path: Path, cli_hub: Hub, worker: Worker
) -> None:
    """SIGTERM while records are flowing: exit 0 within 10 s, the outputs match the committed
    offsets, and a restarted ``--once`` handles exactly the rest."""
    publish_dossiers(cli_hub, RECORDS)
    process = start([*worker.args, "--batch", "10"], tmp_path)
    try:
        wait_for(lambda: worker.committed(cli_hub) > 0, f"{worker.name}: a first commit")
        process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert time.monotonic() - signalled < 10
    assert process.returncode == 0, err
    assert STOPPED in out
    committed = worker.committed(cli_hub)
    assert 0 < committed < RECORDS, "SIGTERM came after the end: use more records"
    assert handled(worker, cli_hub) == committed
    if worker.name != "index":  # the index reports dossiers applied, not records read
        assert first_count(out) == committed

    rest = kho([*worker.args, "--once"], tmp_path)
    assert rest.returncode == 0, rest.stderr
    assert worker.committed(cli_hub) == RECORDS
    assert handled(worker, cli_hub) == RECORDS
    if worker.name != "index":
        assert first_count(rest.stdout) == RECORDS - committed


@pytest.mark.parametrize("worker", WORKERS, ids=[w.name for w in WORKERS])
def test_a_second_instance_on_the_embedded_bus_is_refused(
    tmp_path: Path, cli_hub: Hub, worker: Worker
) -> None:
    """While one instance runs, a second of the same group exits 1 with one line naming the
    group and the lock file; after the first is killed with SIGKILL, the second runs."""
    publish_dossiers(cli_hub, 20)
    process = start(worker.args, tmp_path)
    try:
        wait_for(lambda: worker.committed(cli_hub) == 20, f"{worker.name}: the first records")
        second = kho([*worker.args, "--once"], tmp_path)
        assert second.returncode == 1
        (line,) = second.stderr.strip().splitlines()
        lock = f"bus.sqlite3.{worker.group}.lock"
        assert line.startswith("Lỗi:") and worker.group in line and lock in line, line
        process.send_signal(signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)  # reaps it and closes its pipes
    assert process.returncode == -signal.SIGKILL
    after = kho([*worker.args, "--once"], tmp_path)
    assert after.returncode == 0, after.stderr


def test_sigterm_stops_publish_watch_with_its_cycle_complete(tmp_path: Path, cli_hub: Hub) -> None:
    """``kho publish --watch`` on SIGTERM exits 0 within 10 s, and the publication it wrote
    is whole: a plain ``kho publish`` afterwards finds nothing to change."""
    publish_dossiers(cli_hub, 200)
    steward = Actor("system:test", agency="vp-ubnd")  # the dossiers' owner, as in the demo
    cli_hub.approvals.grant(DOSSIER_FIGURES, actor=steward, note="số liệu tổng hợp")
    process = start(["publish", "--watch", "--poll", "1"], tmp_path)
    published = tmp_path / ".kho" / "opendata" / "tthc-dossiers-monthly-by-commune"
    try:
        wait_for(lambda: (published / "tthc-dossiers-monthly-by-commune.csv").exists(), "a CSV")
        process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert time.monotonic() - signalled < 10
    assert process.returncode == 0, err
    again = kho(["publish"], tmp_path)
    assert again.returncode == 0, again.stderr
    assert "Không có gì thay đổi" in again.stdout


def test_sigterm_stops_a_folder_connector_after_its_file(tmp_path: Path, cli_hub: Hub) -> None:
    """``kho connector run <folder> --follow`` on SIGTERM mid-file exits 0, the file it was
    reading finished and moved to done/, and a run afterwards sends nothing again."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_dossier_export(inbox / "a.csv", rows=2000, seed=3)
    os.utime(inbox / "a.csv", (1_700_000_000, 1_700_000_000))  # old enough to be complete
    config = yaml.safe_load(DOSSIER_CONNECTOR.read_text(encoding="utf-8"))
    config["source"] = {"kind": "folder", "path": str(inbox), "poll_interval_s": 1}
    path = tmp_path / "inbox.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")

    def sent() -> int:
        return sum(cli_hub.bus.end_offsets(DOSSIERS).values())

    process = start(["connector", "run", str(path), "--follow"], tmp_path)
    try:
        wait_for(lambda: sent() > 0, "a first batch on the topic")
        process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert time.monotonic() - signalled < 10
    assert process.returncode == 0, err
    assert (inbox / "done" / "a.csv").exists()
    before = sent()
    again = kho(["connector", "run", str(path)], tmp_path)
    assert again.returncode == 0, again.stderr
    assert sent() == before > 0
