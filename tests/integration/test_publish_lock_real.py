"""The publisher's lock on a real PostgreSQL: a second publisher of the same database waits
for the first (a session advisory lock), and takes the lock as soon as it is released."""

from __future__ import annotations

import threading
from pathlib import Path

from hub.db import create_engine
from opendata.publish_lock import publish_lock
from tests.integration.conftest import POSTGRES_URL


def test_a_second_publisher_waits_for_the_advisory_lock(tmp_path: Path) -> None:
    """Two engines (as two processes would have): the second says it waits, does not enter
    while the first holds the lock, and enters once it is released."""
    first_engine, second_engine = create_engine(POSTGRES_URL), create_engine(POSTGRES_URL)
    waiting, entered = threading.Event(), threading.Event()

    def second() -> None:
        with publish_lock(second_engine, tmp_path, on_wait=waiting.set)():
            entered.set()

    try:
        with publish_lock(first_engine, tmp_path)():
            thread = threading.Thread(target=second)
            thread.start()
            assert waiting.wait(timeout=30)
            assert not entered.wait(timeout=1)
        assert entered.wait(timeout=30)
        thread.join(timeout=30)
        assert not (tmp_path / "publish.lock").exists()  # PostgreSQL: no file lock
    finally:
        first_engine.dispose()
        second_engine.dispose()
