"""Every operation of /openapi.json fuzzed in process on the embedded defaults, as the public,
as an agency's token of each role and as a signed-in citizen: no answer is a server error, and
every answer has a documented status, content type and body."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from schemathesis.python.asgi import shutdown_lifespans
from starlette.applications import Starlette
from starlette.testclient import TestClient

from hub.app.api import build_app
from hub.app.wiring import Hub, build_hub
from hub.settings import KhoSettings
from tests.fuzz.callers import Caller, agency_callers, check_recognised, development_citizen
from tests.fuzz.fuzzing import config, fuzz


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    data = Path(tmp_path_factory.mktemp("fuzz")) / "kho"
    opened = build_hub(
        KhoSettings(
            data_dir=data,
            bus_url=f"embedded:{data / 'bus.sqlite3'}",
            database_url=f"sqlite:///{data / 'kho.sqlite3'}",
            portal_url=f"folder:{data / 'opendata'}",
            rate_limits=False,
        )
    )
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def app(hub: Hub) -> Iterator[Starlette]:
    yield build_app(hub)
    shutdown_lifespans()  # schemathesis keeps the app's lifespan running until asked


@pytest.fixture(scope="module")
def callers(hub: Hub, app: Starlette) -> list[Caller]:
    with TestClient(app) as client:
        callers = [*agency_callers(hub), development_citizen(hub, client)]
        check_recognised(client, callers)
    return callers


def test_every_operation_answers_as_documented(app: Starlette, callers: list[Caller]) -> None:
    """Each generated request is sent once by each caller; no failure on any operation."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config())
    failures = fuzz(schema, callers, "embedded")
    assert not failures, "\n\n".join(failures)
