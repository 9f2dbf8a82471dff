"""The settings' defaults: shipped package data wherever the command runs, and one folder,
KHO_DATA_DIR, holding the whole embedded hub."""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

import pytest

import connectors
import hub.defaults
from hub.app.wiring import build_hub
from hub.settings import KhoSettings


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No KHO_ variable set, and an empty working directory."""
    for name in list(os.environ):
        if name.startswith("KHO_"):
            monkeypatch.delenv(name)
    workdir = tmp_path / "empty"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    return workdir


def test_the_defaults_are_the_package_data(clean_env: Path) -> None:
    """From an empty directory, catalogue, procedures, publications, schemas and connector
    configurations are the files inside the installed packages, and they exist."""
    settings = KhoSettings()
    defaults = Path(str(files(hub.defaults)))
    shipped_connectors = Path(str(files(connectors))) / "configs"
    assert settings.catalogue_path == defaults / "catalogue" / "datasets.yaml"
    assert settings.procedures_path == defaults / "catalogue" / "procedures.yaml"
    assert settings.publications_path == defaults / "catalogue" / "publications.yaml"
    assert settings.schemas_dir == defaults / "schemas"
    assert settings.connectors_dir == shipped_connectors
    for path in (
        settings.catalogue_path,
        settings.procedures_path,
        settings.publications_path,
        settings.schemas_dir / "tthc" / "dossier.avsc",
        settings.connectors_dir / "tthc-dossiers.yaml",
    ):
        assert path.is_file(), path
        assert not path.is_relative_to(clean_env)


def test_settings_override_the_package_data(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An operator's KHO_CATALOGUE_PATH, KHO_SCHEMAS_DIR and KHO_CONNECTORS_DIR win."""
    monkeypatch.setenv("KHO_CATALOGUE_PATH", "/etc/kho/datasets.yaml")
    monkeypatch.setenv("KHO_SCHEMAS_DIR", "/etc/kho/schemas")
    monkeypatch.setenv("KHO_CONNECTORS_DIR", "/etc/kho/connectors")
    settings = KhoSettings()
    assert settings.catalogue_path == Path("/etc/kho/datasets.yaml")
    assert settings.schemas_dir == Path("/etc/kho/schemas")
    assert settings.connectors_dir == Path("/etc/kho/connectors")


def test_the_embedded_hub_lives_in_dot_kho_by_default(clean_env: Path) -> None:
    """Without KHO_DATA_DIR, bus, database and portal folder are under ./.kho."""
    settings = KhoSettings()
    assert settings.bus_url == "embedded:.kho/bus.sqlite3"
    assert settings.database_url == "sqlite:///.kho/kho.sqlite3"
    assert settings.portal_url == "folder:.kho/opendata"


def test_kho_data_dir_moves_the_whole_embedded_hub(
    clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """KHO_DATA_DIR moves bus, database, portal folder and key files; nothing lands in ./.kho."""
    data = tmp_path / "elsewhere"
    monkeypatch.setenv("KHO_DATA_DIR", str(data))
    settings = KhoSettings()
    assert settings.bus_url == f"embedded:{data / 'bus.sqlite3'}"
    assert settings.database_url == f"sqlite:///{data / 'kho.sqlite3'}"
    assert settings.portal_url == f"folder:{data / 'opendata'}"
    with build_hub(settings) as opened:
        opened.bus.ensure_topic("settings.check", partitions=1)
        assert opened.pseudonymiser.pseudonym("079078009638")
    assert (data / "bus.sqlite3").is_file()
    assert (data / "kho.sqlite3").is_file()
    assert (data / "pseudonym.key").is_file()
    assert not (clean_env / ".kho").exists()


def test_an_explicit_url_is_kept_whatever_kho_data_dir_says(
    clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A URL that is set is not moved into the data folder."""
    monkeypatch.setenv("KHO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KHO_DATABASE_URL", "postgresql://kho@db/kho")
    settings = KhoSettings()
    assert settings.database_url == "postgresql://kho@db/kho"
    assert settings.bus_url == f"embedded:{tmp_path / 'data' / 'bus.sqlite3'}"
