"""Where the checkout's files are, for tests: the repository and the shipped defaults."""

from __future__ import annotations

from pathlib import Path

from hub.defaults import default_path, shipped

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CATALOGUE_DIR = default_path("catalogue")
SCHEMAS_DIR = default_path("schemas")
CONNECTOR_CONFIGS = shipped("connectors", "configs")
DOSSIER_CONNECTOR = CONNECTOR_CONFIGS / "tthc-dossiers.yaml"
