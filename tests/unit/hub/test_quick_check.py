"""The quick type check never accepts a record that fastavro's validate would refuse."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
from fastavro.validation import validate

from hub.avro.quick_check import QuickCheck
from hub.avro.schema import load_schema
from tests.paths import PROJECT_ROOT, SCHEMAS_DIR

SCHEMAS = sorted((SCHEMAS_DIR).rglob("*.avsc"))
ODD_VALUES: list[object] = [
    None,
    True,
    False,
    0,
    1,
    -(2**31) - 1,
    2**31,
    2**63,
    2**70,
    1.5,
    2.0,
    float("nan"),
    "x",
    "online",
    "",
    b"x",
    dt.datetime(2025, 7, 1, tzinfo=dt.UTC),
    dt.datetime(2025, 7, 1),
    dt.date(2025, 7, 1),
    [],
    {},
    ["a"],
]


def _valid_value(avro_type: object) -> object:
    if isinstance(avro_type, dict) and avro_type.get("type") == "enum":
        return avro_type["symbols"][0]
    if isinstance(avro_type, dict) and avro_type.get("type") == "map":
        return {}
    if isinstance(avro_type, dict) and avro_type.get("type") == "array":
        return []
    return next(v for v in ODD_VALUES if validate(v, avro_type, raise_errors=False))


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_quick_check_is_never_more_lenient_than_fastavro(path: Path) -> None:
    """Each field of each schema, set to many odd values in an otherwise valid record: whenever
    the quick check accepts, fastavro accepts too."""
    schema = load_schema(path)
    quick = QuickCheck(schema.parsed)
    types = {f["name"]: f["type"] for f in schema.parsed["fields"]}
    valid = {name: _valid_value(avro_type) for name, avro_type in types.items()}
    assert validate(valid, schema.parsed, raise_errors=False)
    if not quick.certainly_valid(valid):  # a schema the quick check does not cover
        assert not any(quick.certainly_valid({**valid, n: v}) for n in types for v in ODD_VALUES)
        return
    accepted = refused = 0
    for name, value in itertools.product(types, ODD_VALUES):
        record = {**valid, name: value}
        if quick.certainly_valid(record):
            accepted += 1
            assert validate(record, schema.parsed, raise_errors=False), (name, value)
        else:
            refused += 1
    assert accepted > len(types) and refused > len(types)


def test_quick_check_accepts_a_valid_dossier_and_refuses_coercions() -> None:
    """A valid dossier passes fast; bool or float for a long, int for a bool go to fastavro."""
    from connectors.samples.dossiers import dossier_documents
    from hub.avro.json_codec import record_from_json

    schema = load_schema(SCHEMAS_DIR / "tthc" / "dossier.avsc")
    quick = QuickCheck(schema.parsed)
    record = record_from_json(schema.parsed, dossier_documents(1)[0])
    assert quick.certainly_valid(record)
    for field, value in (("fee_vnd", True), ("fee_vnd", 1.0), ("paid_online", 1)):
        assert not quick.certainly_valid({**record, field: value})
        assert not validate({**record, field: value}, schema.parsed, raise_errors=False)
