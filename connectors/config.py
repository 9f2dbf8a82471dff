"""A connector declared in YAML: a source, a column mapping, and the target dataset."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from connectors.errors import ConnectorError
from connectors.nfc import nfc, nfc_keys
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
    record (then no column is read). An ``optional`` column may be missing from the source
    altogether and its cells may be empty, whatever ``required`` says: the field then takes
    the schema's default (a column added to an export after older files were written, which
    still load)."""

    column: str | None = None
    constant: str | int | float | bool | None = None
    convert: Conversion = "text"
    choices: dict[str, str] = Field(default_factory=dict)
    required: bool = True
    optional: bool = False

    @field_validator("column")
    @classmethod
    def _column_in_nfc(cls, column: str | None) -> str | None:
        """A column named in a file saved on macOS (NFD) still matches the source's header."""
        return None if column is None else nfc(column)

    @field_validator("choices")
    @classmethod
    def _choices_in_nfc(cls, choices: dict[str, str]) -> dict[str, str]:
        return nfc_keys(choices)

    @model_validator(mode="after")
    def _column_or_constant(self) -> FieldMapping:
        if (self.column is None) == (self.constant is None):
            raise ValueError("cần đúng một trong hai: 'column' (cột nguồn) hoặc 'constant'")
        if self.convert == "choice" and not self.choices:
            raise ValueError("convert: choice cần bảng 'choices' (giá trị nguồn → mã)")
        if self.optional and self.column is None:
            raise ValueError("optional: true chỉ dùng cho trường lấy từ một cột ('column')")
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


FileFormat = Annotated[CsvSource | XlsxSource, Field(discriminator="kind")]


class FolderSource(StrictModel):
    """A watched folder: each file dropped in ``path`` is read once, then moved to ``done/``
    (or ``failed/`` with the reason beside it)."""

    kind: Literal["folder"]
    path: Path
    pattern: str = "*.csv"
    format: FileFormat = Field(default_factory=CsvSource)
    poll_interval_s: float = Field(default=5.0, gt=0)


class SqlSource(StrictModel):
    """A departmental table polled by a monotonic column (``updated_at`` or ``id``); the key
    column breaks ties between rows with the same cursor value. ``${VAR}`` in the URL is read
    from the environment (a password is never written in the file)."""

    kind: Literal["sql"]
    url: str
    table: str
    cursor_column: str
    key_column: str
    batch_size: int = Field(default=1000, ge=1)
    poll_interval_s: float = Field(default=30.0, gt=0)


class RestSource(StrictModel):
    """A JSON API polled with an incremental cursor, page by page.

    Each answer holds the items at ``items_path`` and the next page's URL at ``next_path``;
    the first request sends the last cursor as ``cursor_param``. Header values may use
    ``${VAR}`` (an API key from the environment)."""

    kind: Literal["rest"]
    url: str
    items_path: str = "data"
    next_path: str | None = "next"
    cursor_param: str = "since"
    cursor_field: str
    key_field: str
    headers: dict[str, str] = Field(default_factory=dict)
    retries: int = Field(default=5, ge=0)
    backoff_s: float = Field(default=1.0, ge=0)
    timeout_s: float = Field(default=10.0, gt=0)
    poll_interval_s: float = Field(default=60.0, gt=0)


class MqttSource(StrictModel):
    """Sensor readings subscribed to on an MQTT broker with QoS 1 and a persistent session.

    The station is the topic level at ``station_level`` (``salinity/<station>/reading``: 1);
    a station silent for ``silent_after_s`` is flagged."""

    kind: Literal["mqtt"]
    url: str = "mqtt://127.0.0.1:1883"
    topics: list[str]
    client_id: str
    station_level: int = Field(default=1, ge=0)
    stations: list[str] = Field(default_factory=list)
    silent_after_s: float = Field(default=900.0, gt=0)


Source = Annotated[
    CsvSource | XlsxSource | FolderSource | SqlSource | RestSource | MqttSource,
    Field(discriminator="kind"),
]


class ConnectorConfig(StrictModel):
    name: str
    dataset: str
    source: Source
    fields: dict[str, FieldMapping]
    worker_process: bool = False
    """A file's rows read, mapped, checked and encoded in a second process while this one
    publishes (connectors.worker): both cores work, which pays on a large export when a core
    is free (not on a machine other work keeps busy). Other sources run in one process."""

    @property
    def required_columns(self) -> list[str]:
        """The columns the source must have (an ``optional`` column may be missing)."""
        return [m.column for m in self.fields.values() if m.column is not None and not m.optional]


def expand_env(text: str, environ: Mapping[str, str]) -> str:
    """``${VAR}`` replaced by the variable's value; a variable that is not set is an error."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environ:
            raise ConnectorError(f"Biến môi trường {name} chưa được đặt (dùng trong cấu hình)")
        return environ[name]

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", value, text)


def load_connector_config(path: Path) -> ConnectorConfig:
    return load_yaml_model(
        path, ConnectorConfig, what="tệp cấu hình connector", error=ConnectorError
    )
