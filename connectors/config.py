"""A connector declared in YAML: a source, a column mapping, and the target dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field

from connectors.errors import ConnectorError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldMapping(_Strict):
    """Where a schema field comes from and how the cell is converted."""

    column: str
    convert: Literal["text", "vn_datetime", "vn_bool", "vn_integer", "choice"] = "text"
    choices: dict[str, str] = Field(default_factory=dict)
    required: bool = True


class CsvSource(_Strict):
    kind: Literal["csv"] = "csv"
    delimiter: str = Field(default=",", min_length=1, max_length=1)


class ConnectorConfig(_Strict):
    name: str
    dataset: str
    source: CsvSource
    fields: dict[str, FieldMapping]

    @property
    def required_columns(self) -> list[str]:
        return [m.column for m in self.fields.values()]


def load_connector_config(path: Path) -> ConnectorConfig:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return ConnectorConfig.model_validate(raw)
    except FileNotFoundError as exc:
        raise ConnectorError(f"Không tìm thấy tệp cấu hình connector {path}") from exc
    except yaml.YAMLError as exc:
        raise ConnectorError(f"Tệp cấu hình {path} không phải YAML hợp lệ: {exc}") from exc
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ConnectorError(f"Tệp cấu hình {path} không hợp lệ: {problems}") from exc
