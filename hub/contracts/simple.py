"""Simple rules run as Python, with CEL as the judge whenever Python is not sure.

Most contract rules compare a field with a literal or another field (``fee_vnd >= 0``,
``due_at >= received_at``, ``when: status == "finished"``), joined by ``&&`` and ``||``, with
parentheses and the conditional ``(total == null ? 0 : total)`` as an operand. Turning
a record into a CEL context and evaluating costs several microseconds a record; the same rule
as a Python closure costs a fraction of that. ``compile_simple`` returns such a closure for a
rule it can read, or None.

A closure answers True (the rule holds or does not apply), False (it is broken) or None
(not sure). It is sure only where Python and CEL agree beyond doubt: ``==`` and ``!=`` against
``null``, and comparisons of two values of the same CEL type (int, double, string, bool with
``==``/``!=``, timestamp, duration). Anything else (an int beside a double, a null in ``<``, a
value of an unexpected type) is None, and the caller asks CEL, which gives the answer or the
error as it always did. ``&&`` and ``||`` follow CEL: false wins an ``&&`` and true wins an
``||``, even beside an operand that is not sure; a conditional is sure when its condition is
a sure boolean and the branch it picks is sure.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Outcome = bool | None
"""True, False, or None: not sure, ask CEL."""
Check = Callable[[Mapping[str, Any]], Outcome]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<op>==|!=|<=|>=|<|>|&&|\|\||!|\?|:|\(|\))
      | (?P<float>-?\d+\.\d+)
      | (?P<int>-?\d+)
      | (?P<string>"[^"\\]*")
      | (?P<name>[A-Za-z_]\w*)
    )\s*""",
    re.VERBOSE,
)
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_MIRRORED: dict[str, Callable[[Any, Any], bool]] = {  # a OP b is b MIRRORED[OP] a
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.gt,
    "<=": operator.ge,
    ">": operator.lt,
    ">=": operator.le,
}
_ORDERED = (int, float, str, dt.datetime, dt.timedelta)
_KEYWORDS = {"null": None, "true": True, "false": False}
_NOT_FIELDS = frozenset({"now"})  # the hub's clock: a CEL variable, not a field of the record


class _Unreadable(Exception):
    """The expression uses something this module does not run (CEL then runs the rule)."""


def compile_simple(
    field: str,
    expr: str,
    when: str | None,
    converters: Mapping[str, Callable[[Any], Any]],
) -> Check | None:
    """The rule's guarded check (``!(when) || expr``, or ``field == null || expr``) as a
    closure, or None when the rule is not one this module reads."""
    try:
        holds = _Parser(expr, converters).parse()
        applies = None if when is None else _Parser(when, converters).parse()
    except _Unreadable:
        return None
    if applies is None:
        # field == null || expr: a null field keeps the rule; else the expression decides.
        return lambda record: True if record.get(field) is None else holds(record)
    return _any_of([_not(applies), holds])


class _Parser:
    """or := and ('||' and)*;  and := term ('&&' term)*;  term := '!' name | operand [op operand];
    operand := name | literal | '(' or ['?' operand ':' operand] ')'"""

    def __init__(self, source: str, converters: Mapping[str, Callable[[Any], Any]]) -> None:
        self._tokens = _tokens(source)
        self._at = 0
        self._converters = converters

    def parse(self) -> Check:
        check = self._or()
        if self._at != len(self._tokens):
            raise _Unreadable(" ".join(text for _, text in self._tokens[self._at :]))
        return check

    def _or(self) -> Check:
        parts = [self._and()]
        while self._take("op", "||"):
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else _any_of(parts)

    def _and(self) -> Check:
        parts = [self._term()]
        while self._take("op", "&&"):
            parts.append(self._term())
        return parts[0] if len(parts) == 1 else _all_of(parts)

    def _term(self) -> Check:
        if self._take("op", "!"):
            return _not(_truth(self._operand(names_only=True)))
        left = self._operand()
        if self._at < len(self._tokens):
            kind, text = self._tokens[self._at]
            if kind == "op" and text in _COMPARISONS:
                self._at += 1
                return _comparison(left, text, self._operand())
        return _truth(left)

    def _operand(self, *, names_only: bool = False) -> _Operand:
        if self._at >= len(self._tokens):
            raise _Unreadable("an operand is missing")
        kind, text = self._tokens[self._at]
        self._at += 1
        if (kind, text) == ("op", "(") and not names_only:
            return self._parenthesised()
        if kind == "name":
            if text in _KEYWORDS:
                return _literal(_KEYWORDS[text])
            if text in _NOT_FIELDS:
                raise _Unreadable(text)
            return _field(text, self._converters)
        if names_only or kind == "op":
            raise _Unreadable(text)
        if kind == "int":
            return _literal(int(text))
        if kind == "float":
            return _literal(float(text))
        return _literal(text[1:-1])

    def _parenthesised(self) -> _Operand:
        """``(condition)`` or ``(condition ? then : otherwise)``, the opening ``(`` taken."""
        condition = self._or()
        if not self._take("op", "?"):
            self._expect(")")
            return _computed(lambda record: _sure_or_unknown(condition(record)))
        then = self._operand()
        self._expect(":")
        otherwise = self._operand()
        self._expect(")")

        def pick(record: Mapping[str, Any]) -> Any:
            chosen = condition(record)
            if chosen is None:
                return _UNKNOWN  # CEL: a condition that is not a bool is an error
            return (then if chosen else otherwise).value(record)

        return _computed(pick)

    def _expect(self, text: str) -> None:
        if not self._take("op", text):
            raise _Unreadable(f"{text!r} is missing")

    def _take(self, kind: str, text: str) -> bool:
        if self._at < len(self._tokens) and self._tokens[self._at] == (kind, text):
            self._at += 1
            return True
        return False


def _tokens(source: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    at = 0
    while at < len(source):
        match = _TOKEN.match(source, at)
        if match is None or match.end() == at:
            raise _Unreadable(source[at:])
        kind = match.lastgroup
        if kind is None:
            raise _Unreadable(source[at:])
        tokens.append((kind, match[kind]))
        at = match.end()
    return tokens


_UNKNOWN: Any = object()
"""A computed operand's value when Python is not sure of it."""


@dataclass(frozen=True, slots=True)
class _Operand:
    """A field (its value as CEL sees it: missing is null, a logical type converted), a
    literal, or computed from the record (a parenthesised expression: ``_UNKNOWN`` when not
    sure)."""

    field: str | None = None
    literal: Any = None
    convert: Callable[[Any], Any] | None = None
    computed: Callable[[Mapping[str, Any]], Any] | None = None

    def value(self, record: Mapping[str, Any]) -> Any:
        if self.computed is not None:
            return self.computed(record)
        if self.field is None:
            return self.literal
        return as_cel(record.get(self.field), self.convert)


def _computed(value: Callable[[Mapping[str, Any]], Any]) -> _Operand:
    return _Operand(computed=value)


def _sure_or_unknown(outcome: Outcome) -> Any:
    return _UNKNOWN if outcome is None else outcome


def _field(name: str, converters: Mapping[str, Callable[[Any], Any]]) -> _Operand:
    return _Operand(field=name, convert=converters.get(name))


def _literal(value: Any) -> _Operand:
    return _Operand(literal=value)


def as_cel(value: Any, convert: Callable[[Any], Any] | None) -> Any:
    """The value as CEL would see it, for less: a datetime is taken as it is (a naive one is
    left to CEL, see _decide; the hub's predicates read it as UTC, as the converter would);
    converters turn epoch numbers, dates and times of day into timestamps and durations."""
    if convert is None or value is None or type(value) is dt.datetime:
        return value
    return convert(value)


def _decide(a: Any, b: Any, compare: Callable[[Any, Any], bool], equality: bool) -> Outcome:
    if a is None or b is None:
        # CEL: x == null is true only for null; an ordering with null is an error.
        return compare(a is None, b is None) if equality else None
    kind = type(a)
    if kind is not type(b):
        return None
    if kind is bool:
        return compare(a, b) if equality else None
    if kind is dt.datetime and (a.tzinfo is None or b.tzinfo is None):
        return None  # a naive time: what CEL makes of it is CEL's to say
    return compare(a, b) if kind in _ORDERED else None


def _comparison(left: _Operand, op: str, right: _Operand) -> Check:
    """Specialised by shape: a rule runs on every record, so each call saved counts."""
    compare = _COMPARISONS[op]
    equality = op in ("==", "!=")
    if left.computed is not None or right.computed is not None:
        return _computed_comparison(left, right, compare, equality)
    if left.field is None:
        left, right = right, left
        compare = _MIRRORED[op]
    if left.field is None:  # two literals
        outcome = _decide(left.literal, right.literal, compare, equality)
        return lambda _record: outcome
    name, convert = left.field, left.convert
    if right.field is None:
        literal = right.literal
        kind = type(literal)
        if convert is None and kind in (int, float, str):
            # ``fee_vnd >= 0``: a value of the literal's own type is compared at once.
            def against_literal(record: Mapping[str, Any]) -> Outcome:
                value = record.get(name)
                if type(value) is kind:
                    return compare(value, literal)
                return _decide(value, literal, compare, equality)

            return against_literal
        return lambda record: _decide(as_cel(record.get(name), convert), literal, compare, equality)
    other, other_convert = right.field, right.convert
    return lambda record: _decide(
        as_cel(record.get(name), convert),
        as_cel(record.get(other), other_convert),
        compare,
        equality,
    )


def _computed_comparison(
    left: _Operand, right: _Operand, compare: Callable[[Any, Any], bool], equality: bool
) -> Check:
    def check(record: Mapping[str, Any]) -> Outcome:
        a = left.value(record)
        if a is _UNKNOWN:
            return None
        b = right.value(record)
        return None if b is _UNKNOWN else _decide(a, b, compare, equality)

    return check


def _truth(operand: _Operand) -> Check:
    def check(record: Mapping[str, Any]) -> Outcome:
        found = operand.value(record)
        return found if type(found) is bool else None

    return check


def _not(inner: Check) -> Check:
    def check(record: Mapping[str, Any]) -> Outcome:
        found = inner(record)
        return None if found is None else not found

    return check


def _all_of(parts: list[Check]) -> Check:
    return _joined(parts, wins=False)


def _any_of(parts: list[Check]) -> Check:
    return _joined(parts, wins=True)


def _joined(parts: list[Check], *, wins: bool) -> Check:
    """``&&`` (false wins) or ``||`` (true wins): one part that wins decides, even beside a
    part that is not sure; otherwise the answer is sure only when every part is."""

    def check(record: Mapping[str, Any]) -> Outcome:
        sure = True
        for part in parts:
            found = part(record)
            if found is wins:
                return wins
            if found is None:
                sure = False
        return (not wins) if sure else None

    return check
