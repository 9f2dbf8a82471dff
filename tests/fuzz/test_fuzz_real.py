"""Every operation of /openapi.json fuzzed on the app wired to the real services: Kafka (every
topic of the catalogue suffixed for this run), a PostgreSQL database of the run's own (dropped
afterwards), and Keycloak, where the sample citizen signs in to the pages and gets the access
token they call the API with. The same callers and checks as on the embedded defaults."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
import schemathesis
import yaml
from psycopg import sql
from schemathesis.python.asgi import shutdown_lifespans
from starlette.applications import Starlette
from starlette.testclient import TestClient

from hub.app.api import build_app
from hub.app.wiring import Hub, build_hub
from hub.settings import KhoSettings
from tests.fuzz.callers import Caller, agency_callers, bearer, check_recognised
from tests.fuzz.fuzzing import config, fuzz
from tests.integration.conftest import KAFKA_URL, POSTGRES_URL
from tests.integration.keycloak_flow import (
    CITIZEN,
    HUB_BASE_URL,
    ISSUER,
    access_token,
    secret_file,
    sign_in,
)
from tests.paths import CATALOGUE_DIR

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(tmp_path_factory.mktemp("fuzz-real"))


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """The hub's tables in a PostgreSQL schema of the run's own (its connections' search
    path), dropped afterwards: the fuzz run approves publications, changes the registry's
    compatibility and records evidence, which other tests must not see."""
    schema = f"fuzz_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture(scope="module")
def hub(folder: Path, database: str) -> Iterator[Hub]:
    run = uuid.uuid4().hex[:8]
    raw = yaml.safe_load((CATALOGUE_DIR / "datasets.yaml").read_text(encoding="utf-8"))
    for dataset in raw["datasets"]:
        dataset["topic"] = f"{dataset['topic']}.fuzz{run}"
    catalogue = folder / "datasets.yaml"
    catalogue.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    session_secret = folder / "session.key"
    session_secret.write_text(uuid.uuid4().hex * 2, encoding="utf-8")
    opened = build_hub(
        KhoSettings(
            data_dir=folder / "kho",
            bus_url=KAFKA_URL,
            database_url=database,
            portal_url=f"folder:{folder / 'opendata'}",
            catalogue_path=catalogue,
            oidc_issuer_url=ISSUER,
            oidc_client_secret_file=secret_file(folder),
            session_secret_file=session_secret,
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
    """The agency's tokens, and the sample citizen signed in at Keycloak: the hub's session
    cookie from the pages' sign-in, and Keycloak's access token for the API (a new one every
    few minutes: Keycloak's last 5)."""
    with TestClient(app, base_url=HUB_BASE_URL) as client, httpx.Client(timeout=20) as browser:
        status = sign_in(client, browser, CITIZEN)
        assert status == 303, status
        cookies = dict(client.cookies.items())
        citizen = Caller("citizen", headers=_citizen_token(), cookies=cookies, renew=_citizen_token)
        callers = [*agency_callers(hub), citizen]
        check_recognised(client, callers)
    return callers


def _citizen_token() -> dict[str, str]:
    with httpx.Client(timeout=20) as browser:
        return bearer(access_token(browser, CITIZEN))


def test_every_operation_answers_as_documented_on_the_real_services(
    app: Starlette, callers: list[Caller]
) -> None:
    """Each generated request is sent once by each caller; no failure on any operation."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config())
    failures = fuzz(schema, callers, "real")
    assert not failures, "\n\n".join(failures)
