"""The API's start-up work in the background (hub.app.api.app): the contract checks' code lists
loaded in a thread, so that the first prefill does not spend seconds of CPU importing them on
the event loop while every request in flight waits; then the heap as built to serve frozen
(hub/app/api/heap.py) and the young generation collected less often. Each is checked in a fresh
interpreter: no other test may have imported the tables already, and the collector's state
belongs to the process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

WARM_START = """
import sys, time
from starlette.testclient import TestClient
from hub.app.api import build_app
from hub.app.wiring import build_hub
from hub.settings import KhoSettings

hub = build_hub(KhoSettings(data_dir=sys.argv[1]))
assert "vietnamadminunits" not in sys.modules, "imported before the app started"
with TestClient(build_app(hub)):
    deadline = time.monotonic() + 60
    while "vietnamadminunits.database" not in sys.modules and time.monotonic() < deadline:
        time.sleep(0.05)
print("vietnamadminunits.database" in sys.modules)
hub.close()
"""

HEAP = """
import gc, sys, time
from starlette.testclient import TestClient
from hub.app.api import build_app, heap
from hub.app.wiring import build_hub
from hub.settings import KhoSettings

hub = build_hub(KhoSettings(data_dir=sys.argv[1]))
before = (gc.get_freeze_count(), gc.get_threshold()[0])
with TestClient(build_app(hub)):
    deadline = time.monotonic() + 60
    while gc.get_freeze_count() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    provinces = "vietnamadminunits.database" in sys.modules
    frozen = gc.get_freeze_count()
print(before[0], before[1], frozen, gc.get_threshold()[0], heap.YOUNG_THRESHOLD, provinces)
hub.close()
"""


def _last_line(script: str, tmp_path: Path) -> str:
    """The last line ``script`` printed, run in a fresh interpreter on a hub under tmp_path."""
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "kho")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def test_the_province_tables_load_at_start_before_any_request(tmp_path: Path) -> None:
    assert _last_line(WARM_START, tmp_path) == "True"


def test_the_started_server_freezes_its_heap_and_collects_less_often(tmp_path: Path) -> None:
    frozen_before, young_before, frozen, young, wanted, provinces = _last_line(
        HEAP, tmp_path
    ).split()
    assert (frozen_before, young_before) == ("0", "700")  # CPython's defaults before start
    assert int(frozen) > 100_000  # the app as built, not a handful of objects
    assert young == wanted
    assert provinces == "True"  # frozen after the province tables loaded
