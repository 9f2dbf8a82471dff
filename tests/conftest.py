"""Shared fixtures: settings pointing at a temporary folder, and where the real services are."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.app.wiring import Hub, build_hub
from hub.settings import KhoSettings
from tests.paths import PROJECT_ROOT

pytest_plugins = ["tests.hang_report"]

SERVICES_DIR = Path(os.environ.get("KHO_SERVICES_DIR", PROJECT_ROOT / ".services"))


def service_port(name: str, default: int) -> int:
    return int(os.environ.get(f"KHO_SVC_{name}_PORT", default))


@pytest.fixture
def embedded_settings(tmp_path: Path) -> KhoSettings:
    """Settings on the embedded adapters, every file under the test's own folder."""
    return KhoSettings(
        data_dir=tmp_path / "kho",
        bus_url=f"embedded:{tmp_path / 'kho' / 'bus.sqlite3'}",
        database_url=f"sqlite:///{tmp_path / 'kho' / 'kho.sqlite3'}",
        portal_url=f"folder:{tmp_path / 'kho' / 'opendata'}",
    )


@pytest.fixture
def embedded_hub(embedded_settings: KhoSettings) -> Iterator[Hub]:
    hub = build_hub(embedded_settings)
    yield hub
    hub.close()


@pytest.fixture
def cli_hub(tmp_path: Path) -> Iterator[Hub]:
    """The hub a ``kho`` command run in ``tmp_path`` opens: the embedded defaults under
    ``tmp_path/.kho``, to set up or inspect what the command sees."""
    data = tmp_path / ".kho"
    opened = build_hub(
        KhoSettings(
            data_dir=data,
            bus_url=f"embedded:{data / 'bus.sqlite3'}",
            database_url=f"sqlite:///{data / 'kho.sqlite3'}",
        )
    )
    yield opened
    opened.close()
