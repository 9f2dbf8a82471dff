"""Simple rules in Python give CEL's answer whenever they are sure, and are not sure otherwise.

Every rule of the catalogue that hub.contracts.simple reads, and a set of hand-written
expressions, is run both ways over a grid of values (nulls, values of the field's type, values of
another type); where the closure answers, CEL must answer the same.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Mapping
from typing import Any

import cel
import pytest

from hub.catalogue import load_catalogue
from hub.contracts.functions import FUNCTIONS
from hub.contracts.simple import compile_simple
from tests.paths import CATALOGUE_DIR, SCHEMAS_DIR

LOADED = load_catalogue(CATALOGUE_DIR / "datasets.yaml", SCHEMAS_DIR)
T0 = dt.datetime(2025, 7, 1, 8, 0, tzinfo=dt.UTC)
GRID: tuple[Any, ...] = (
    None,
    0,
    5,
    -1,
    100,
    0.0,
    2.5,
    150.0,
    "",
    "finished",
    "phone",
    "container_ship",
    True,
    False,
    T0,
    T0 + dt.timedelta(hours=1),
    dt.timedelta(hours=2),
)


def cel_answer(source: str, values: Mapping[str, Any]) -> Any:
    """CEL's answer, or the exception it raised, for the expression on these values."""
    context = cel.Context(functions=FUNCTIONS)
    context.update(dict(values))
    try:
        return cel.compile(source).execute(context)
    except Exception as exc:  # noqa: BLE001 - any CEL error is an answer here
        return exc


def assert_parity(field: str, expr: str, when: str | None) -> int:
    """Compare on every combination of grid values for the names used; return how many
    combinations the closure was sure of."""
    check = compile_simple(field, expr, when, {})
    assert check is not None, expr
    guard = f"!({when})" if when is not None else f"{field} == null"
    source = f"{guard} || ({expr})"
    names = sorted(cel.compile(source).variables())
    sure = 0
    for combination in itertools.product(GRID, repeat=len(names)):
        values = dict(zip(names, combination, strict=True))
        ours = check(values)
        if ours is None:
            continue
        sure += 1
        theirs = cel_answer(source, values)
        assert ours is theirs, f"{source} on {values}: Python {ours}, CEL {theirs!r}"
    return sure


CATALOGUE_RULES = [
    (entry.id, rule)
    for entry in LOADED.catalogue.datasets
    for rule in entry.contract
    if compile_simple(rule.field, rule.expr, rule.when, {}) is not None
]


def test_most_catalogue_rules_run_as_python() -> None:
    everything = sum(len(entry.contract) for entry in LOADED.catalogue.datasets)
    assert len(CATALOGUE_RULES) >= 30, (len(CATALOGUE_RULES), everything)


@pytest.mark.parametrize(
    ("dataset", "rule"), CATALOGUE_RULES, ids=[f"{d}:{r.rule}" for d, r in CATALOGUE_RULES]
)
def test_catalogue_rule_agrees_with_cel(dataset: str, rule: Any) -> None:
    assert assert_parity(rule.field, rule.expr, rule.when) > 0


@pytest.mark.parametrize(
    ("expr", "when"),
    [
        ("a >= b", None),
        ("a < 5", None),
        ("a != null", 'b == "finished"'),
        ("a == true", None),
        ("a > 0.0 && a <= 150.0", None),
        ('a == "phone" || a == "finished"', None),
        ("a > 0", "b"),
        ("a > 0", "!b"),
        ("a != b", "a != null && b != null"),
        ("a == null", "b == null || b == 0.0"),
        ("a <= (b == null ? 0 : b)", None),
        ("(a > 0)", None),
        ("(a > 0 || b == null) && a != 5", None),
        ("a == (b ? 5 : 0)", None),
        ("(b == null ? a : b) >= (a == null ? 0 : a)", "(b != 0)"),
    ],
)
def test_hand_written_expression_agrees_with_cel(expr: str, when: str | None) -> None:
    assert assert_parity("a", expr, when) > 0


@pytest.mark.parametrize(
    "expr",
    [
        "size(a) > 0",
        "a in [3, 4, 5]",
        'a.matches("^0")',
        'a <= b + duration("1h")',
        "a >= now",
        "a > 1e3",
        "(a > 0",
        "a ? 1 : 2",
        "(a ? 1) > 0",
        "a > 0u",
        "a > 'x'",
        "a >",
        "a b",
    ],
)
def test_what_it_cannot_read_is_left_to_cel(expr: str) -> None:
    assert compile_simple("a", expr, None, {}) is None


def test_it_is_not_sure_across_types_or_of_naive_times() -> None:
    check = compile_simple("a", "a >= b", None, {})
    assert check is not None
    assert check({"a": 1, "b": 0.5}) is None  # int beside double: CEL decides
    assert check({"a": 1, "b": None}) is None  # an ordering with null is CEL's error
    naive = dt.datetime(2025, 1, 1)
    assert check({"a": naive, "b": naive}) is None
    assert check({"a": None, "b": "x"}) is True  # the guard: a is null
    assert check({"a": 2, "b": 1}) is True and check({"a": 1, "b": 2}) is False


def test_converters_give_the_values_cel_would_see() -> None:
    to_time: Callable[[Any], Any] = lambda ms: T0 + dt.timedelta(milliseconds=ms)  # noqa: E731
    check = compile_simple("a", "a >= b", None, {"a": to_time, "b": to_time})
    assert check is not None
    assert check({"a": 1000, "b": 0}) is True
    assert check({"a": 0, "b": 1000}) is False
