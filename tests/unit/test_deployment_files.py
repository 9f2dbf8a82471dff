"""The Dockerfile and docker-compose.yml, read without a Docker engine: the image relies on the
wheel's package data, and every file the compose file mounts or builds from exists."""

from __future__ import annotations

import re
from typing import Any

import yaml

from tests.paths import PROJECT_ROOT

DOCKERFILE = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8")


def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _copied_sources() -> list[str]:
    sources = []
    for line in DOCKERFILE.splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not any(w.startswith("--from") for w in words):
            sources += words[1:-1]
    return sources


def test_the_image_copies_no_data_folder_and_sets_no_data_path() -> None:
    """The catalogue and schemas come from the installed wheel, not from copied folders."""
    assert all(not s.startswith(("catalogue", "schemas")) for s in _copied_sources())
    for setting in ("KHO_CATALOGUE_PATH", "KHO_SCHEMAS_DIR", "KHO_PROCEDURES_PATH"):
        assert not re.search(rf"^ENV.*{setting}|^\s+{setting}=", DOCKERFILE, re.M), setting
    assert "pip install --no-cache-dir /dist/*.whl" in DOCKERFILE  # not editable, no checkout


def test_every_file_the_image_copies_exists() -> None:
    """Each COPY source is in the checkout."""
    sources = _copied_sources()
    assert sources
    missing = [s for s in sources if not (PROJECT_ROOT / s).exists()]
    assert missing == []


def test_the_compose_file_mounts_and_builds_from_existing_paths() -> None:
    """Every bind mount's host path and every build context exists; each service has an image
    or a build; every named volume used is declared."""
    compose = _compose()
    declared = set(compose.get("volumes") or {})
    for name, service in compose["services"].items():
        assert "image" in service or "build" in service, name
        build = service.get("build")
        if isinstance(build, str):
            assert (PROJECT_ROOT / build / "Dockerfile").is_file(), name
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (PROJECT_ROOT / source).exists(), f"{name}: {source}"
            else:
                assert source in declared, f"{name}: volume {source} is not declared"
        for config in service.get("configs", []):
            assert config["source"] in compose["configs"], name


def test_the_hub_service_relies_on_package_data() -> None:
    """The hub service points no setting at a copied catalogue or schema folder."""
    hub = _compose()["services"]["hub"]
    environment = hub.get("environment", {})
    assert not {"KHO_CATALOGUE_PATH", "KHO_SCHEMAS_DIR"} & set(environment)
    assert any(v.endswith(":/var/lib/kho") for v in hub["volumes"])
