"""A connector declared in YAML: a source, a column mapping, and the target dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from connectors.errors import ConnectorError
from hub.config_files import StrictModel, load_yaml_model

Conversion = Literal[
    "text",
    "vn_datetime",
    "iso_datetime",
    "vn_bool",
    "vn_integer",
    "vn_decimal",
    "choice",
    "commune_2025",
]


class FieldMapping(StrictModel):
    """Where a schema field comes from and how the cell is converted.

    A field takes its value from a source ``column``, or is the same ``constant`` on every
    record (then no column is read)."""

    column: str | None = None
    constant: str | int | float | bool | None = None
    convert: Conversion = "text"
    choices: dict[str, str] = Field(default_factory=dict)
    required: bool = True

    @model_validator(mode="after")
    def _column_or_constant(self) -> FieldMapping:
        if (self.column is None) == (self.constant is None):
            raise ValueError("cần đúng một trong hai: 'column' (cột nguồn) hoặc 'constant'")
        if self.convert == "choice" and not self.choices:
            raise ValueError("convert: choice cần bảng 'choices' (giá trị nguồn → mã)")
        return self


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
        return [m.column for m in self.fields.values() if m.column is not None]


def load_connector_config(path: Path) -> ConnectorConfig:
    return load_yaml_model(
        path, ConnectorConfig, what="tệp cấu hình connector", error=ConnectorError
    )
