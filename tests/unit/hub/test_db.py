"""The hub's database types: moments come back timezone-aware in UTC, even from SQLite."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.db import UtcDateTime, create_engine
from hub.vietnam_time import VIETNAM_TZ


def test_utc_datetime_reads_back_aware_and_refuses_naive(tmp_path: Path) -> None:
    """A Vietnam-time moment is stored as UTC and read back aware; a naive one is refused."""
    engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    table = sa.Table("moments", sa.MetaData(), sa.Column("at", UtcDateTime))
    table.create(engine)
    moment = dt.datetime(2025, 7, 1, 8, 30, tzinfo=VIETNAM_TZ)
    with engine.begin() as conn:
        conn.execute(sa.insert(table).values(at=moment))
        stored = conn.execute(sa.select(table.c.at)).scalar_one()
        assert stored == moment and stored.tzinfo is not None
        with pytest.raises(sa.exc.StatementError):
            conn.execute(sa.insert(table).values(at=dt.datetime(2025, 7, 1)))
