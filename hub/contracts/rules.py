"""A dataset's contract compiled once, at catalogue load, and evaluated on every write.

A dataset's rules are joined into one CEL program that returns a list of booleans, one per
rule, so a record costs one context and one evaluation however many rules there are. Each rule
is guarded: ``!(when) || (expr)`` with a ``when``, else ``field == null || (expr)``. Only when
that program fails (a rule that cannot be evaluated on this record) are the rules run one by
one, so the error is pinned on its own rule.

A rule that is nothing but a hub predicate on its own field (``valid_cccd(applicant_id_number)``,
no ``when``) is compiled and checked like the others but run by calling the predicate on the
value: the same answer, without converting the value into CEL and back (about 1-2 µs a rule).
A rule that only compares fields and literals (``fee_vnd >= 0``, ``when: paid_online``) runs as
a Python closure (hub.contracts.simple), and through CEL only when the closure is not sure.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hub.avro.logical import logical_converters
from hub.avro.schema import DatasetSchema
from hub.contracts.cel_engine import cel
from hub.contracts.functions import EXPLAINERS, FUNCTIONS, PREDICATES
from hub.contracts.simple import Check, as_cel, compile_simple
from hub.contracts.spec import RuleSpec
from hub.contracts.violation import Violation
from hub.errors import ConfigurationError

NOW = "now"
"""The variable every rule may read: the hub's clock (UTC) when the record is checked."""

# CEL's own functions as cel-rust implements them (the CEL specification's standard
# definitions); any other name must be one of the hub's FUNCTIONS.
_CEL_FUNCTIONS = frozenset(
    {
        "size", "matches", "contains", "startsWith", "endsWith",
        "int", "uint", "double", "string", "bytes", "timestamp", "duration", "dyn", "type",
        "getFullYear", "getMonth", "getDayOfYear", "getDayOfMonth", "getDate", "getDayOfWeek",
        "getHours", "getMinutes", "getSeconds", "getMilliseconds",
    }
)  # fmt: skip
# Type names (``type(x) == int``) that Program.variables() reports as identifiers.
_CEL_TYPE_NAMES = frozenset(
    {"int", "uint", "double", "string", "bytes", "bool", "list", "map", "null_type", "type"}
)
# The variable a comprehension macro binds: ``tags.all(t, t != "")`` binds t.
_MACRO_BINDING = re.compile(r"\.\s*(?:all|exists|exists_one|map|filter)\s*\(\s*([A-Za-z_]\w*)\s*,")

# ``valid_cccd(applicant_id_number)``: one function applied to one identifier.
_PREDICATE_ON_FIELD = re.compile(r"\s*([A-Za-z_]\w*)\s*\(\s*([A-Za-z_]\w*)\s*\)\s*")


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """One rule ready to run: ``check`` is true when the rule holds or does not apply.

    ``direct`` is set when the rule is a hub predicate applied to its own field, without
    ``when`` (``valid_cccd(applicant_id_number)``): the predicate is then called on the field's
    value without a trip through CEL, which gives the same answer for less (the value is not
    converted to CEL and back)."""

    id: str
    field: str
    path: str
    message: str
    check: cel.Program
    explain: tuple[Callable[[str], str | None], ...]
    direct: Callable[[Any], bool] | None = None
    simple: Check | None = None
    """The guarded check as a Python closure (hub.contracts.simple): True, False or not sure."""


# A rule's outcome on one record: False, another non-true result, or the evaluation error.
_Outcome = Any


class Contract:
    """A dataset's rules, compiled; ``violations(record)`` for a record that passed Avro."""

    def __init__(
        self,
        dataset_id: str,
        rules: tuple[CompiledRule, ...],
        fields: Sequence[str],
        converters: Mapping[str, Callable[[Any], Any]],
    ) -> None:
        self.dataset_id = dataset_id
        self.rules = rules
        self._direct = tuple(
            (index, rule, rule.direct, converters.get(rule.field))
            for index, rule in enumerate(rules)
            if rule.direct is not None
        )
        self._simple = tuple(
            (index, rule, rule.simple)
            for index, rule in enumerate(rules)
            if rule.direct is None and rule.simple is not None
        )
        self._in_cel = tuple(
            (index, rule)
            for index, rule in enumerate(rules)
            if rule.direct is None and rule.simple is None
        )
        self._program: cel.Program | None = None
        used: set[str] = set()
        if self._in_cel:
            source = ", ".join(rule.check.source for _, rule in self._in_cel)
            self._program = cel.compile(f"[{source}]")
            used = set(self._program.variables())
        for _, rule, _ in self._simple:  # CEL runs them when their closure is not sure
            used.update(rule.check.variables())
        inputs = [name for name in fields if name in used]
        self._plain = tuple(name for name in inputs if name not in converters)
        self._converted = tuple((name, converters[name]) for name in inputs if name in converters)
        self._uses_now = NOW in used
        self._local = threading.local()

    def violations(self, record: Mapping[str, Any]) -> list[Violation]:
        """The rules the record breaks, each naming its rule and field; [] when none."""
        broken: list[tuple[int, CompiledRule, _Outcome]] = []
        for index, rule, predicate, convert in self._direct:
            value = record.get(rule.field)
            if value is not None and not predicate(as_cel(value, convert)):
                broken.append((index, rule, False))
        unsure: list[tuple[int, CompiledRule]] = []
        for index, rule, check in self._simple:
            outcome = check(record)
            if outcome is False:
                broken.append((index, rule, False))
            elif outcome is None:
                unsure.append((index, rule))
        if unsure:
            broken += self._rule_by_rule(self._context(record), unsure)
        if self._program is not None:
            context = self._context(record)
            try:
                results = self._program.execute(context)
            # cel raises TypeError, ValueError, RuntimeError, ZeroDivisionError, ...
            except Exception:
                broken += self._rule_by_rule(context, self._in_cel)
            else:
                if results.count(True) != len(self._in_cel):
                    broken += [
                        (index, rule, result)
                        for (index, rule), result in zip(self._in_cel, results, strict=True)
                        if result is not True
                    ]
        if not broken:
            return []
        broken.sort(key=lambda item: item[0])
        return [self._violation(rule, record, outcome) for _, rule, outcome in broken]

    def _context(self, record: Mapping[str, Any]) -> cel.Context:
        """This thread's CEL context (functions wrapped once), holding the record's inputs."""
        context: cel.Context | None = getattr(self._local, "context", None)
        if context is None:
            context = self._local.context = cel.Context(functions=FUNCTIONS)
        values = {name: record.get(name) for name in self._plain}
        for name, convert in self._converted:
            value = record.get(name)
            values[name] = None if value is None else convert(value)
        if self._uses_now:
            values[NOW] = dt.datetime.now(dt.UTC)
        context.update(values)
        return context

    def _rule_by_rule(
        self, context: cel.Context, rules: Sequence[tuple[int, CompiledRule]]
    ) -> list[tuple[int, CompiledRule, _Outcome]]:
        """Each rule on its own in CEL, so an evaluation error is pinned on its rule."""
        broken: list[tuple[int, CompiledRule, _Outcome]] = []
        for index, rule in rules:
            try:
                result = rule.check.execute(context)
            except Exception as exc:  # see violations()
                broken.append((index, rule, exc))
                continue
            if result is not True:
                broken.append((index, rule, result))
        return broken

    def _violation(
        self, rule: CompiledRule, record: Mapping[str, Any], outcome: _Outcome
    ) -> Violation:
        if isinstance(outcome, Exception):
            why = f"không đánh giá được quy tắc: {_first_line(outcome)}"
            return Violation(rule.path, rule.id, f"{rule.message} ({why})")
        if outcome is not False:
            why = f"quy tắc trả về {outcome!r}, không phải true/false"
            return Violation(rule.path, rule.id, f"{rule.message} ({why})")
        value = record.get(rule.field)
        if isinstance(value, str):
            for explain in rule.explain:
                reason = explain(value)
                if reason:
                    return Violation(rule.path, rule.id, f"{rule.message}: {reason}")
        return Violation(rule.path, rule.id, rule.message)


def compile_contract(dataset_id: str, rules: Sequence[RuleSpec], schema: DatasetSchema) -> Contract:
    """Compile and check a dataset's rules; ConfigurationError names the dataset, the rule and
    the problem. The same rules on the same schema give the same (shared) Contract."""
    key = (dataset_id, tuple(rules), schema.text)
    contract = _COMPILED.get(key)
    if contract is None:
        contract = _COMPILED[key] = _compile(dataset_id, tuple(rules), schema)
    return contract


_COMPILED: dict[tuple[str, tuple[RuleSpec, ...], str], Contract] = {}


def _compile(dataset_id: str, rules: tuple[RuleSpec, ...], schema: DatasetSchema) -> Contract:
    fields = set(schema.field_names)
    # Time logical types as CEL takes them (timestamp, or duration for a time of day).
    converters = logical_converters(schema.definition)
    seen: set[str] = set()
    compiled: list[CompiledRule] = []
    for rule in rules:
        where = f"bộ dữ liệu {dataset_id}, quy tắc {rule.rule}"
        if rule.rule in seen:
            raise ConfigurationError(f"{where}: mã quy tắc bị trùng trong bộ dữ liệu")
        seen.add(rule.rule)
        if rule.field not in fields:
            raise ConfigurationError(
                f"{where}: trường {rule.field!r} không có trong lược đồ {schema.path.name}"
            )
        called: set[str] = set()
        for part, source in (("expr", rule.expr), ("when", rule.when)):
            if source is not None:
                called |= _check_expression(where, part, source, fields, schema)
        guard = f"!({rule.when})" if rule.when is not None else f"{rule.field} == null"
        check = cel.compile(f"{guard} || ({rule.expr})")
        direct = _direct_predicate(rule)
        compiled.append(
            CompiledRule(
                id=rule.rule,
                field=rule.field,
                path=f"$.{rule.field}",
                message=rule.message,
                check=check,
                explain=tuple(EXPLAINERS[name] for name in sorted(called) if name in EXPLAINERS),
                direct=direct,
                simple=None
                if direct is not None
                else compile_simple(rule.field, rule.expr, rule.when, converters),
            )
        )
    return Contract(dataset_id, tuple(compiled), schema.field_names, converters)


def _check_expression(
    where: str, part: str, source: str, fields: set[str], schema: DatasetSchema
) -> set[str]:
    """Compile one expression and check its names; return the functions it calls."""
    try:
        program = cel.compile(source)
    except ValueError as exc:
        raise ConfigurationError(
            f"{where}: {part} không phải biểu thức CEL hợp lệ: {_first_line(exc)}"
        ) from None
    bound = set(_MACRO_BINDING.findall(source))
    for name in program.variables():
        if name in fields or name in bound or name == NOW or name in _CEL_TYPE_NAMES:
            continue
        raise ConfigurationError(
            f"{where}: {part} dùng biến {name!r}, không phải trường của lược đồ"
            f" {schema.path.name} (hay {NOW!r})"
        )
    named = {f for f in program.functions() if f[0].isalpha()}
    unknown = sorted(named - _CEL_FUNCTIONS - set(FUNCTIONS))
    if unknown:
        raise ConfigurationError(
            f"{where}: {part} gọi hàm {unknown[0]!r} không có; hàm của hub: {', '.join(FUNCTIONS)}"
        )
    return named


def _direct_predicate(rule: RuleSpec) -> Callable[[Any], bool] | None:
    """The hub predicate a rule applies to its own field, when that is all the rule does."""
    call = _PREDICATE_ON_FIELD.fullmatch(rule.expr)
    if rule.when is not None or call is None or call[2] != rule.field:
        return None
    return PREDICATES.get(call[1])


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
