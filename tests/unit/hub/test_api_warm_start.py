"""The API loads the CCCD check's province tables in a thread at start, so the first prefill
does not spend seconds of CPU importing them on the event loop while every request in flight
waits. Checked in a fresh interpreter: no other test may have imported them already."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
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


def test_the_province_tables_load_at_start_before_any_request(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "kho")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "True", done.stdout
