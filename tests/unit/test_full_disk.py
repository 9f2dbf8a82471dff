"""A full disk under the embedded data directory: a clear error, and nothing corrupted.

The data directory is put on a small filesystem of its own (a tmpfs of a few megabytes, mounted
for the test; that needs root, or CAP_SYS_ADMIN). The hub's API then takes batches until the
disk is full: that request is answered 503 naming the disk (not 500, not "database
unreachable"), and a `kho` command writing there says the disk is full, naming the data
directory, without a traceback. Once space is freed, both SQLite files pass `PRAGMA
integrity_check`, every batch that was accepted is on the topic once and no record of the
refused one is, and the refused batch, retried with its Idempotency-Key, goes through.

Where no filesystem can be mounted (not root, or a container without CAP_SYS_ADMIN) the test
is skipped and says why: a full disk is not faked here, since what is checked is how SQLite and
the files behave on a real one."""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from connectors.samples.dossiers import dossier_documents, write_dossier_export
from hub.app.api import build_app
from hub.app.wiring import Hub, build_hub
from hub.auth.tokens import Role
from hub.bus.reading import read_all
from hub.disk_space import disk_full
from hub.settings import KhoSettings
from tests.paths import DOSSIER_CONNECTOR

DISK_BYTES = 1536 * 1024
BALLAST_BYTES = 256 * 1024  # written first, deleted to free space
BATCH = 200
URL = "/api/v1/datasets/tthc.dossiers/records"
LEASE_S = 1.0  # the Idempotency-Key lease: the refused request's claim lapses this fast


def _can_mount() -> bool:
    return os.geteuid() == 0 and sys.platform.startswith("linux")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of DISK_BYTES at ``tmp_path/disk``, unmounted afterwards."""
    if not _can_mount():
        pytest.skip("mounting a small filesystem needs root on Linux")
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES},mode=0755", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"no tmpfs could be mounted here: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _settings(data: Path) -> KhoSettings:
    return KhoSettings(
        data_dir=data,
        bus_url=f"embedded:{data / 'bus.sqlite3'}",
        database_url=f"sqlite:///{data / 'kho.sqlite3'}",
        portal_url=f"folder:{data / 'opendata'}",
        idempotency_stale_after_s=LEASE_S,
    )


def _integrity(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


def _kho(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    env.update(KHO_DATA_DIR=str(data), COLUMNS="200")
    return subprocess.run(
        [sys.executable, "-m", "hub.app", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_full_disk_is_said_and_corrupts_nothing(small_disk: Path, tmp_path: Path) -> None:
    data = small_disk / "kho"
    ballast = small_disk / "ballast"
    ballast.write_bytes(b"\0" * BALLAST_BYTES)
    hub: Hub = build_hub(_settings(data))
    try:
        token = hub.tokens.create("vp-ubnd", frozenset({Role.PRODUCER})).plaintext
        headers = {"Authorization": f"Bearer {token}"}
        client = TestClient(build_app(hub), raise_server_exceptions=False)
        accepted: list[str] = []
        refused = None
        for number in range(1000):
            documents = dossier_documents(BATCH, seed=99, start=number * BATCH)
            answer = client.post(
                URL, json=documents, headers={**headers, "Idempotency-Key": f"full-{number}"}
            )
            if answer.status_code != 200:
                refused = (number, documents, answer)
                break
            accepted.extend(d["dossier_id"] for d in documents)
        assert refused is not None, "the disk never filled"
        number, documents, answer = refused
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"]["code"] == "disk_full"
        assert "Đĩa lưu dữ liệu của Kho đã đầy" in answer.json()["error"]["message"]
        assert int(answer.headers["Retry-After"]) > 0

        source = tmp_path / "ho-so.csv"  # the input file, on another disk
        write_dossier_export(source, rows=400, seed=98)
        ran = _kho(data, "connector", "run", str(DOSSIER_CONNECTOR), "--input", str(source))
        output = ran.stdout + ran.stderr
        assert ran.returncode == 1, output
        assert f"Đĩa chứa thư mục dữ liệu {data} đã đầy" in output
        assert "Traceback" not in output

        ballast.unlink()  # space freed: the refused batch, retried with its key, goes through
        deadline = time.monotonic() + 10 * LEASE_S
        while True:  # 409 while the refused request's claim lasts: it could not release it
            retried = client.post(
                URL, json=documents, headers={**headers, "Idempotency-Key": f"full-{number}"}
            )
            if retried.status_code != 409 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert retried.status_code == 200, retried.text
        accepted.extend(d["dossier_id"] for d in documents)
    finally:
        hub.close()

    assert _integrity(data / "bus.sqlite3") == "ok"
    assert _integrity(data / "kho.sqlite3") == "ok"
    reopened = build_hub(_settings(data))
    try:
        on_topic = Counter(
            reopened.decoder.decode(r.value)["dossier_id"]
            for r in read_all(reopened.bus, "tthc.dossiers")
            if r.value is not None
        )
    finally:
        reopened.close()
    assert on_topic == Counter(accepted)  # each accepted record once, none of a refused write
    print(
        f"\nfull disk ({DISK_BYTES // 1024} KiB tmpfs): batch {number + 1} refused 503"
        f" disk_full after {len(accepted) - len(documents)} records; kho connector run said"
        f" the disk is full (exit 1, no traceback); after freeing {BALLAST_BYTES // 1024} KiB"
        f" both SQLite files pass integrity_check and {len(on_topic)} records are on the topic"
        f" once each"
    )


def test_a_full_disk_is_recognised_through_wrapping_errors() -> None:
    """ENOSPC and EDQUOT from a file, and SQLITE_FULL, wrapped or not; other errors are not."""
    full = sqlite3.connect(":memory:")
    full.execute("CREATE TABLE t (x BLOB)")
    full.execute("PRAGMA max_page_count = 2")  # SQLite's own SQLITE_FULL, on cue
    with pytest.raises(sqlite3.OperationalError) as caught:
        full.execute("INSERT INTO t VALUES (zeroblob(100000))")
    full.close()
    try:
        raise RuntimeError("publishing failed") from caught.value
    except RuntimeError as wrapped:
        assert disk_full(wrapped)
    assert disk_full(OSError(errno.ENOSPC, "No space left on device"))
    assert disk_full(OSError(errno.EDQUOT, "Disk quota exceeded"))
    assert not disk_full(OSError(errno.EACCES, "Permission denied"))
    assert not disk_full(sqlite3.OperationalError("database is locked"))
