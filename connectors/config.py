"""A connector declared in YAML: a source, a column mapping, and the target dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from connectors.errors import ConnectorError
from hub.config_files import StrictModel, load_yaml_model


class FieldMapping(StrictModel):
    """Where a schema field comes from and how the cell is converted."""

    column: str
    convert: Literal["text", "vn_datetime", "vn_bool", "vn_integer", "choice"] = "text"
    choices: dict[str, str] = Field(default_factory=dict)
    required: bool = True


class CsvSource(StrictModel):
    """A CSV file: UTF-8 (with or without BOM) or UTF-16; ``auto`` finds the delimiter."""

    kind: Literal["csv"] = "csv"
    delimiter: Literal[",", ";", "\t", "auto"] = ","


class XlsxSource(StrictModel):
    """A sheet of an Excel workbook; the first sheet when ``sheet`` is not given."""

    kind: Literal["xlsx"]
    sheet: str | None = None
    header_search_rows: int = Field(default=30, ge=1, le=1000)


class ConnectorConfig(StrictModel):
    name: str
    dataset: str
    source: CsvSource | XlsxSource = Field(discriminator="kind")
    fields: dict[str, FieldMapping]

    @property
    def required_columns(self) -> list[str]:
        return [m.column for m in self.fields.values()]


def load_connector_config(path: Path) -> ConnectorConfig:
    return load_yaml_model(
        path, ConnectorConfig, what="tệp cấu hình connector", error=ConnectorError
    )
