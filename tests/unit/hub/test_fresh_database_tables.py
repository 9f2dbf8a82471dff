"""On a fresh database, every store the hub builds finds its table: a store's module (which
declares the table) is imported only where the store is built, after ``build_hub`` created the
tables known by then. Checked in a fresh process, where no test imported those modules first:
``kho serve`` on a new database answered every ingest with a 500 (no ``ingest_idempotency``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

_PROBE = """
import json, sys
from pathlib import Path
from hub.app.wiring import build_hub
from hub.auth.tokens import Role
from hub.settings import KhoSettings

folder = Path(sys.argv[1])
hub = build_hub(KhoSettings(data_dir=folder, bus_url=f"embedded:{folder / 'bus.sqlite3'}",
                            database_url=f"sqlite:///{folder / 'kho.sqlite3'}"))
uses = {
    "tokens": lambda: hub.tokens.create("so-yt", frozenset({Role.CONSUMER})) and None,
    "idempotency": lambda: hub.idempotency.expiry.purge_expired(),
    "evidence_outbox": lambda: hub.evidence_outbox.drain(),
    "index_store": lambda: hub.index_store.saved_offsets("kho.index766"),
}
failed = {}
for name, use in uses.items():
    try:
        use()
    except Exception as exc:
        failed[name] = f"{type(exc).__name__}: {str(exc)[:200]}"
hub.close()
print(json.dumps(failed))
"""


def test_each_store_finds_its_table_on_a_fresh_database(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {}
