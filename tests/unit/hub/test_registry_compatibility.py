"""Compatibility levels as Confluent defines them, decided by Apache Avro's checker, reported
field by field with the rule broken and the version it conflicts with."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hub.registry.compatibility import (
    CompatibilityLevel,
    Direction,
    Rule,
    check_compatibility,
    parse_level,
    parse_schema,
)
from hub.registry.errors import INVALID_COMPATIBILITY_LEVEL, INVALID_SCHEMA, RegistryRefusal
from tests.paths import SCHEMAS_DIR

Level = CompatibilityLevel


def record(*fields: dict[str, Any], name: str = "Reading") -> str:
    return json.dumps({"type": "record", "name": name, "namespace": "t", "fields": list(fields)})


ID = {"name": "id", "type": "string", "personal": True}
NOTE_NO_DEFAULT = {"name": "note", "type": "string"}
NOTE_WITH_DEFAULT = {"name": "note", "type": "string", "default": ""}

V1 = record(ID)
ADDED_WITHOUT_DEFAULT = record(ID, NOTE_NO_DEFAULT)
ADDED_WITH_DEFAULT = record(ID, NOTE_WITH_DEFAULT)


def rules(found: list[Any]) -> set[tuple[Rule, str | None, int, Direction]]:
    return {(i.rule, i.field, i.version, i.direction) for i in found}


def test_repo_schemas_parse_with_their_extra_attributes() -> None:
    """Avro's parser accepts the hub's schemas with "personal" on fields and "kho.key"."""
    for path in sorted((SCHEMAS_DIR).glob("*/*.avsc")):
        parse_schema(path.read_text(encoding="utf-8"))


def test_backward_refuses_an_added_field_without_default() -> None:
    """BACKWARD: a new field with no default cannot be read from old data; the message names it."""
    (found,) = check_compatibility(ADDED_WITHOUT_DEFAULT, [(1, V1)], Level.BACKWARD)
    assert (found.rule, found.field, found.version) == (
        Rule.READER_FIELD_MISSING_DEFAULT_VALUE,
        "note",
        1,
    )
    assert found.location == "/fields/1"
    assert "'note'" in found.message
    assert "READER_FIELD_MISSING_DEFAULT_VALUE" in found.message
    assert "phiên bản 1" in found.message


def test_backward_accepts_an_added_field_with_default_and_a_removed_field() -> None:
    """BACKWARD: adding a field with a default, or removing a field, is fine."""
    assert check_compatibility(ADDED_WITH_DEFAULT, [(1, V1)], Level.BACKWARD) == []
    assert check_compatibility(V1, [(1, ADDED_WITHOUT_DEFAULT)], Level.BACKWARD) == []


def test_forward_refuses_removing_a_field_old_readers_need() -> None:
    """FORWARD: removing a field the old schema has without default breaks old readers."""
    (found,) = check_compatibility(V1, [(3, ADDED_WITHOUT_DEFAULT)], Level.FORWARD)
    assert rules([found]) == {
        (Rule.READER_FIELD_MISSING_DEFAULT_VALUE, "note", 3, Direction.FORWARD)
    }
    assert "'note'" in found.message and "FORWARD" in found.message


def test_forward_accepts_an_added_field_and_removing_a_defaulted_one() -> None:
    """FORWARD: old readers ignore a new field, and fill a removed field from its default."""
    assert check_compatibility(ADDED_WITHOUT_DEFAULT, [(1, V1)], Level.FORWARD) == []
    assert check_compatibility(V1, [(1, ADDED_WITH_DEFAULT)], Level.FORWARD) == []


def test_full_needs_both_directions() -> None:
    """FULL refuses what either BACKWARD or FORWARD refuses, and accepts a defaulted addition."""
    found = check_compatibility(ADDED_WITHOUT_DEFAULT, [(1, V1)], Level.FULL)
    assert rules(found) == {
        (Rule.READER_FIELD_MISSING_DEFAULT_VALUE, "note", 1, Direction.BACKWARD)
    }
    found = check_compatibility(V1, [(1, ADDED_WITHOUT_DEFAULT)], Level.FULL)
    assert rules(found) == {(Rule.READER_FIELD_MISSING_DEFAULT_VALUE, "note", 1, Direction.FORWARD)}
    assert check_compatibility(ADDED_WITH_DEFAULT, [(1, V1)], Level.FULL) == []


def test_int_to_long_is_a_promotion_one_way_only() -> None:
    """int→long reads old data (BACKWARD) but old readers cannot read a long (FORWARD)."""
    old = record({"name": "count", "type": "int"})
    new = record({"name": "count", "type": "long"})
    assert check_compatibility(new, [(1, old)], Level.BACKWARD) == []
    (found,) = check_compatibility(new, [(1, old)], Level.FORWARD)
    assert (found.rule, found.field) == (Rule.TYPE_MISMATCH, "count")
    assert "int" in found.message and "long" in found.message
    (back,) = check_compatibility(old, [(1, new)], Level.BACKWARD)
    assert (back.rule, back.field, back.location) == (Rule.TYPE_MISMATCH, "count", "/fields/0/type")


def test_removing_an_enum_symbol_names_field_and_symbol() -> None:
    """A reader enum without a symbol the writer may write is MISSING_ENUM_SYMBOLS on that field."""

    def with_symbols(*symbols: str) -> str:
        return record({"name": "level", "type": {"type": "enum", "name": "L", "symbols": symbols}})

    (found,) = check_compatibility(
        with_symbols("LOW"), [(2, with_symbols("LOW", "HIGH"))], Level.BACKWARD
    )
    assert (found.rule, found.field) == (Rule.MISSING_ENUM_SYMBOLS, "level")
    assert found.location == "/fields/0/type/symbols"
    assert "HIGH" in found.message and "'level'" in found.message
    assert (
        check_compatibility(with_symbols("LOW", "HIGH"), [(2, with_symbols("LOW"))], Level.BACKWARD)
        == []
    )


def test_a_nullable_field_made_required_is_named_despite_the_union() -> None:
    """A union on the writer side keeps the field's name and path in the report."""
    old = record({"name": "note", "type": ["null", "string"], "default": None})
    new = record({"name": "note", "type": "string"})
    (found,) = check_compatibility(new, [(1, old)], Level.BACKWARD)
    assert (found.rule, found.field, found.location) == (
        Rule.TYPE_MISMATCH,
        "note",
        "/fields/0/type",
    )


def test_nested_fields_are_named_by_their_path() -> None:
    """A field inside a nested record is reported as parent.child."""

    def with_inner(*fields: dict[str, Any]) -> str:
        inner = {"type": "record", "name": "Place", "fields": list(fields)}
        return record({"name": "place", "type": inner})

    old = with_inner({"name": "code", "type": "string"})
    new = with_inner({"name": "code", "type": "string"}, {"name": "ward", "type": "string"})
    (found,) = check_compatibility(new, [(1, old)], Level.BACKWARD)
    assert (found.rule, found.field) == (Rule.READER_FIELD_MISSING_DEFAULT_VALUE, "place.ward")


def test_a_union_branch_tried_and_rejected_is_not_reported() -> None:
    """Widening a field to a nullable union is compatible: the union's failed tries are noise."""
    old = record({"name": "note", "type": "string"})
    new = record({"name": "note", "type": ["null", "string"], "default": None})
    assert check_compatibility(new, [(1, old)], Level.BACKWARD) == []


def test_several_problems_are_each_paired_with_their_rule() -> None:
    """Two fields broken two ways give two reports, each with its own field and rule."""
    old = record({"name": "a", "type": "int"}, {"name": "b", "type": "string"})
    new = record({"name": "a", "type": "string"}, {"name": "b", "type": "string"}, NOTE_NO_DEFAULT)
    found = check_compatibility(new, [(1, old)], Level.BACKWARD)
    assert {(i.rule, i.field) for i in found} == {
        (Rule.TYPE_MISMATCH, "a"),
        (Rule.READER_FIELD_MISSING_DEFAULT_VALUE, "note"),
    }


def test_a_renamed_record_is_a_name_mismatch() -> None:
    """Changing the record's name breaks compatibility at the root."""
    (found,) = check_compatibility(record(ID, name="Other"), [(1, V1)], Level.BACKWARD)
    assert found.rule is Rule.NAME_MISMATCH and found.field is None


def test_non_transitive_levels_compare_with_the_latest_version_only() -> None:
    """BACKWARD ignores version 1 when version 2 is the latest; BACKWARD_TRANSITIVE does not."""
    v1 = record(ID)
    v2 = record(ID, NOTE_WITH_DEFAULT)
    v3 = record(ID, NOTE_NO_DEFAULT)  # reads v2 data (note present), not v1 data (no note)
    history = [(1, v1), (2, v2)]
    assert check_compatibility(v3, history, Level.BACKWARD) == []
    found = check_compatibility(v3, history, Level.BACKWARD_TRANSITIVE)
    assert rules(found) == {
        (Rule.READER_FIELD_MISSING_DEFAULT_VALUE, "note", 1, Direction.BACKWARD)
    }


def test_forward_and_full_transitive_check_every_version() -> None:
    """FORWARD_TRANSITIVE and FULL_TRANSITIVE report the old version that breaks, not the latest."""
    v1 = record(ID, NOTE_NO_DEFAULT)
    v2 = record(ID, NOTE_WITH_DEFAULT)
    v3 = record(ID)  # v2 readers default the note; v1 readers cannot
    history = [(1, v1), (2, v2)]
    assert check_compatibility(v3, history, Level.FORWARD) == []
    assert check_compatibility(v3, history, Level.FULL) == []
    expected = {(Rule.READER_FIELD_MISSING_DEFAULT_VALUE, "note", 1, Direction.FORWARD)}
    assert rules(check_compatibility(v3, history, Level.FORWARD_TRANSITIVE)) == expected
    assert rules(check_compatibility(v3, history, Level.FULL_TRANSITIVE)) == expected


def test_none_checks_nothing_but_the_schema_itself() -> None:
    """NONE accepts any valid schema, even an unrelated one, and still refuses an invalid one."""
    unrelated = json.dumps(
        {"type": "record", "name": "X", "fields": [{"name": "n", "type": "int"}]}
    )
    assert check_compatibility(unrelated, [(1, V1)], Level.NONE) == []
    with pytest.raises(RegistryRefusal) as refused:
        check_compatibility('{"type": "record", "name": "X"}', [(1, V1)], Level.NONE)
    assert refused.value.kind is INVALID_SCHEMA


def test_the_first_version_is_always_compatible() -> None:
    """With no version yet there is nothing to break, whatever the level."""
    for level in Level:
        assert check_compatibility(ADDED_WITHOUT_DEFAULT, [], level) == []


@pytest.mark.parametrize("text", ["{", '"nope"', '{"type": "record", "name": "R", "fields": [1]}'])
def test_invalid_schemas_are_refused_in_vietnamese(text: str) -> None:
    """Text that is not an Avro schema is refused as INVALID_SCHEMA with a Vietnamese message."""
    with pytest.raises(RegistryRefusal, match="Lược đồ Avro không hợp lệ") as refused:
        parse_schema(text)
    assert refused.value.kind is INVALID_SCHEMA


def test_levels_parse_case_insensitively_and_refuse_unknown_ones() -> None:
    """'full_transitive' is FULL_TRANSITIVE; an unknown level lists the valid ones."""
    assert parse_level("full_transitive") is Level.FULL_TRANSITIVE
    with pytest.raises(RegistryRefusal, match="BACKWARD_TRANSITIVE") as refused:
        parse_level("SOMETIMES")
    assert refused.value.kind is INVALID_COMPATIBILITY_LEVEL
