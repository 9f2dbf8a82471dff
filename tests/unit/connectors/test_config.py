"""A connector file that cannot be used is refused with the file and each missing field."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.config import load_connector_config
from connectors.errors import ConnectorError


def test_missing_fields_are_named(tmp_path: Path) -> None:
    """Every required key that is absent appears in the message, with the file's path."""
    path = tmp_path / "thieu.yaml"
    path.write_text("name: thieu\n", encoding="utf-8")
    with pytest.raises(ConnectorError) as caught:
        load_connector_config(path)
    for name in ("dataset", "source", "fields", "thieu.yaml"):
        assert name in str(caught.value)


def test_missing_file_is_named(tmp_path: Path) -> None:
    """A path that does not exist is named in the error."""
    with pytest.raises(ConnectorError, match="khong-co.yaml"):
        load_connector_config(tmp_path / "khong-co.yaml")
