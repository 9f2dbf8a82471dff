"""Validation of one record: Avro types first, then the dataset's data-contract checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastavro.validation import ValidationError, validate

from hub.avro.schema import DatasetSchema
from hub.catalogue.models import ContractCheck, DatasetEntry
from hub.identifiers import cccd_problem, is_commune_code_2025


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: the JSON path of the field, the rule's name, and why (Vietnamese)."""

    path: str
    rule: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "rule": self.rule, "message": self.message}


class RecordValidator:
    """Checks records against a dataset's schema and contract."""

    def __init__(self, entry: DatasetEntry, schema: DatasetSchema) -> None:
        self._schema = schema
        self._checks = [(check, _CHECKS[check.check]) for check in entry.contract]

    def violations(self, record: dict[str, Any]) -> list[Violation]:
        found = self._type_violations(record)
        if found:
            return found
        for check, run in self._checks:
            message = run(record, check)
            if message is not None:
                found.append(Violation(f"$.{check.field}", check.check, message))
        return found

    def _type_violations(self, record: dict[str, Any]) -> list[Violation]:
        unknown = sorted(set(record) - set(self._schema.field_names))
        found = [
            Violation(f"$.{name}", "unknown_field", f"Trường {name} không có trong lược đồ")
            for name in unknown
        ]
        try:
            validate(record, self._schema.parsed, raise_errors=True)
        except ValidationError as exc:
            for error in exc.errors:
                name = str(error.field).rsplit(".", 1)[-1] if error.field else ""
                found.append(
                    Violation(
                        f"$.{name}" if name else "$",
                        "avro_type",
                        f"Giá trị {error.datum!r} không đúng kiểu của trường {name}",
                    )
                )
        return found


def _check_cccd(record: dict[str, Any], check: ContractCheck) -> str | None:
    value = record.get(check.field)
    return None if value is None else cccd_problem(str(value))


def _check_commune(record: dict[str, Any], check: ContractCheck) -> str | None:
    value = record.get(check.field)
    if value is None or is_commune_code_2025(str(value)):
        return None
    return f"Mã xã/phường {value} không có trong danh mục 34 tỉnh (từ 01/7/2025)"


def _check_not_before(record: dict[str, Any], check: ContractCheck) -> str | None:
    value, other = record.get(check.field), record.get(str(check.other))
    if value is None or other is None:
        return None
    if _as_datetime(value) < _as_datetime(other):
        return f"{check.field} ({value}) sớm hơn {check.other} ({other})"
    return None


def _as_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromtimestamp(int(value) / 1000, tz=dt.UTC)


_CHECKS: dict[str, Callable[[dict[str, Any], ContractCheck], str | None]] = {
    "cccd": _check_cccd,
    "commune_2025": _check_commune,
    "not_before": _check_not_before,
}
