"""Validation of one record: Avro types first, then the dataset's data contract (CEL rules)."""

from __future__ import annotations

import re
from typing import Any

from fastavro.validation import ValidationError, validate

from hub.avro.quick_check import QuickCheck
from hub.avro.schema import DatasetSchema
from hub.catalogue.models import DatasetEntry
from hub.contracts import Contract, Violation, compile_contract
from hub.metrics import CONTRACT_FAILURES

__all__ = ["RecordValidator", "Violation"]


class RecordValidator:
    """Checks records against a dataset's schema and contract.

    The contract is the one compiled when the catalogue was loaded (compile_contract returns
    the same compiled rules for the same entry and schema); pass it to skip the look-up."""

    def __init__(
        self, entry: DatasetEntry, schema: DatasetSchema, contract: Contract | None = None
    ) -> None:
        self._schema = schema
        self._fields = frozenset(schema.field_names)
        self._quick = QuickCheck(schema.parsed)
        self._contract = contract or compile_contract(entry.id, entry.contract, schema)
        self._dataset = entry.id
        self._key_field = schema.key_field

    def violations(self, record: dict[str, Any]) -> list[Violation]:
        found = self._type_violations(record)
        if found:
            return found
        found = _unwritable_text(record)
        key_problem = self._key_violation(record)
        if key_problem is not None:
            found.append(key_problem)
        if found:
            return found
        broken = self._contract.violations(record)
        for rule in {v.rule for v in broken}:
            CONTRACT_FAILURES.labels(dataset=self._dataset, rule=rule).inc()
        return broken

    def _key_violation(self, record: dict[str, Any]) -> Violation | None:
        """The record's key (``kho.key``) is printable ASCII: a key with a look-alike character
        (Cyrillic ``а``, a full-width ``０``) would look like another record's key and not be it."""
        key = record.get(self._key_field) if self._key_field else None
        if not isinstance(key, str) or (key.isascii() and key.isprintable()):
            return None
        return Violation(
            f"$.{self._key_field}",
            "key_not_ascii",
            f"Khóa {self._key_field} {key!r} chỉ được gồm ký tự ASCII in được (chữ không dấu, "
            "chữ số, dấu gạch); không dùng chữ Kirin, số toàn khổ hay ký tự điều khiển",
        )

    def _type_violations(self, record: dict[str, Any]) -> list[Violation]:
        # As many keys as the schema has fields, and all of them there: nothing unknown.
        if len(record) == len(self._fields) and self._quick.certainly_valid(record):
            return []
        found = [
            Violation(f"$.{name}", "unknown_field", f"Trường {name} không có trong lược đồ")
            for name in sorted(record.keys() - self._fields)
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


_SURROGATE = re.compile("[\ud800-\udfff]")


def unwritable(text: str) -> bool:
    """Text no store can keep: with NUL, which PostgreSQL's text refuses (a worker writing it
    there would stop on it), or a lone UTF-16 surrogate (``"\\ud800"`` in JSON), which UTF-8
    cannot encode."""
    return "\x00" in text or (not text.isascii() and _SURROGATE.search(text) is not None)


def _unwritable_text(record: dict[str, Any]) -> list[Violation]:
    """Every field of ``unwritable`` text, whichever path the record came by: the API, a
    connector, a correction."""
    return [
        Violation(
            f"$.{name}",
            "unwritable_text",
            f"Trường {name} chứa ký tự NUL (\\u0000) hoặc nửa cặp surrogate UTF-16 không hợp lệ",
        )
        for name, value in record.items()
        # unwritable(value), inlined: it runs for every text field of every record
        if type(value) is str
        and ("\x00" in value or (not value.isascii() and _SURROGATE.search(value) is not None))
    ]
