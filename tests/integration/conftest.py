"""Settings for the real services that `scripts/services.sh start` runs (Kafka, PostgreSQL,
CKAN with Solr). Every test here is marked `integration`."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from pydantic import SecretStr

from connectors.samples.dossiers import HEADER
from hub.app.wiring import Hub, build_hub
from hub.db import create_engine
from hub.settings import KhoSettings
from tests.conftest import SERVICES_DIR, service_port
from tests.integration.department_db import MARIADB_URL, DepartmentTable, department_table
from tests.paths import CATALOGUE_DIR
from tests.private_services import private_broker  # noqa: F401  (a session fixture)

# The hub's service account on the test broker (scripts/services/kafka.sh: SASL/SCRAM, ACLs).
KAFKA_URL = f"kafka://kho:kho@127.0.0.1:{service_port('KAFKA', 19092)}"
POSTGRES_URL = f"postgresql://kho:kho@127.0.0.1:{service_port('PG', 15432)}/kho"
CKAN_URL = f"http://127.0.0.1:{service_port('CKAN', 15000)}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def ckan_token() -> str:
    token_file = SERVICES_DIR / "ckan" / "sysadmin.token"
    if not token_file.exists():
        pytest.fail(f"no CKAN token at {token_file}: run scripts/services.sh start first")
    return token_file.read_text().strip()


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A PostgreSQL schema of the test's own, dropped afterwards: tables made through
    ``schema_engine`` live there, so concurrent tests never share rows."""
    name = f"it_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    yield name
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
    admin.dispose()


def schema_engine(schema: str) -> sa.Engine:
    """An engine of its own whose tables live in ``schema``."""
    return create_engine(POSTGRES_URL).execution_options(schema_translate_map={None: schema})


@pytest.fixture
def run_id() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture
def isolated_catalogue(tmp_path: Path, run_id: str) -> tuple[Path, str]:
    """The repo's catalogue with the dossier dataset renamed for this test run, so runs never
    share a topic or a CKAN dataset."""
    raw = yaml.safe_load((CATALOGUE_DIR / "datasets.yaml").read_text(encoding="utf-8"))
    dataset = next(d for d in raw["datasets"] if d["id"] == "tthc.dossiers")
    dataset["id"] = f"tthc.dossiers_it{run_id}"
    dataset["topic"] = f"tthc.dossiers.it{run_id}"
    raw["datasets"] = [dataset]
    path = tmp_path / "datasets.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path, dataset["id"]


def isolated_publications(tmp_path: Path, dataset_id: str) -> Path:
    """The repo's monthly per-commune dossier figures, as a publication of this run's dataset
    (``<dataset id>.monthly_by_commune``)."""
    raw = yaml.safe_load((CATALOGUE_DIR / "publications.yaml").read_text(encoding="utf-8"))
    spec = next(p for p in raw["publications"] if p["id"] == "tthc.dossiers.monthly_by_commune")
    spec.update(id=f"{dataset_id}.monthly_by_commune", dataset=dataset_id)
    path = tmp_path / "publications.yaml"
    path.write_text(yaml.safe_dump({"publications": [spec]}, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def kafka_hub(tmp_path: Path, isolated_catalogue: tuple[Path, str]) -> Iterator[Hub]:
    """A hub on Kafka and PostgreSQL, with this run's own dossier topic, publishing to a folder."""
    settings = KhoSettings(
        data_dir=tmp_path / "kho",
        bus_url=KAFKA_URL,
        database_url=POSTGRES_URL,
        portal_url=f"folder:{tmp_path / 'opendata'}",
        catalogue_path=isolated_catalogue[0],
    )
    hub = build_hub(settings)
    yield hub
    hub.close()


@pytest.fixture
def real_hub(
    tmp_path: Path, isolated_catalogue: tuple[Path, str], ckan_token: str
) -> Iterator[Hub]:
    settings = KhoSettings(
        data_dir=tmp_path / "kho",
        bus_url=KAFKA_URL,
        database_url=POSTGRES_URL,
        portal_url=f"ckan+{CKAN_URL}",
        ckan_api_token=SecretStr(ckan_token),
        catalogue_path=isolated_catalogue[0],
        publications_path=isolated_publications(tmp_path, isolated_catalogue[1]),
    )
    hub = build_hub(settings)
    yield hub
    hub.close()


@pytest.fixture(params=["postgresql", "mariadb"])
def department(request: pytest.FixtureRequest, pg_schema: str) -> Iterator[DepartmentTable]:
    """A departmental table holding the dossier export's columns, on PostgreSQL (in this test's
    schema) and on MariaDB (database ``dept``)."""
    name = f"ho_so_{uuid.uuid4().hex[:8]}"
    if request.param == "postgresql":
        yield from department_table(POSTGRES_URL, pg_schema, name, HEADER)
    else:
        yield from department_table(MARIADB_URL, None, name, HEADER)
