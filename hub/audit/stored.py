"""Reading the audit table for ``verify`` without trusting it.

Anyone able to edit the table can store what no append writes: a time that does not parse,
NULL in a required column, a number or bytes where text belongs, details that are not a JSON
object, a hash that is not 64 hex digits. Each column is read raw and decoded here by its own
type; a value that does not decode makes the entry an ``UnreadableEntry`` naming the column and
what it holds, so the walk reports that entry instead of failing on it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import sqlalchemy as sa

from hub.audit.chain import Content
from hub.audit.entry import Actor, AuditEntry
from hub.audit.table import audit_table
from hub.audit.verify import StoredEntry, UnreadableEntry

PAGE = 1000
"""Entries read per query."""

_HASH = re.compile(r"^[0-9a-f]{64}$")
_SHOWN = 40

_LABELS = {
    "seq": "số thứ tự (seq)",
    "at": "thời điểm (at)",
    "actor": "người thực hiện (actor)",
    "actor_agency": "cơ quan (actor_agency)",
    "action": "hành động (action)",
    "dataset": "bộ dữ liệu (dataset)",
    "details": "chi tiết (details)",
    "prev_hash": "băm của mục trước (prev_hash)",
    "hash": "băm (hash)",
}
_TEXT_COLUMNS = ("actor", "actor_agency", "action", "dataset")
_RAW = [sa.type_coerce(column, sa.types.NullType()).label(column.name) for column in audit_table.c]
"""Every column as the driver hands it over, before the column's type decodes it."""


class _Unreadable(Exception):  # noqa: N818 (carries the problem out of one column's check)
    pass


def stored_entries(
    engine: sa.Engine, *, page: int = PAGE
) -> Iterator[StoredEntry | UnreadableEntry]:
    """Every entry in ``seq`` order, a page at a time, decoded or named as unreadable."""
    seq_column = audit_table.c.seq
    after: int | None = None
    while True:
        query = sa.select(*_RAW).order_by(seq_column).limit(page)
        if after is not None:
            query = query.where(seq_column > after)
        with engine.connect() as conn:
            rows = conn.execute(query).all()
        for row in rows:
            yield decode(row._mapping, engine.dialect)
        last = rows[-1].seq if rows else None
        if len(rows) < page or not _is_integer(last):
            return  # a seq that is not a number sorts after every number: nothing follows it
        after = last


def decode(raw: Mapping[Any, Any], dialect: sa.Dialect) -> StoredEntry | UnreadableEntry:
    """One row as stored: the entry, or what makes it unreadable."""
    seq = raw["seq"]
    if not _is_integer(seq):
        return UnreadableEntry(None, f"cột {_LABELS['seq']} {_holds(seq)}, không phải số nguyên")
    try:
        texts = {name: _text(raw, name) for name in _TEXT_COLUMNS}
        content = Content(
            seq=seq,
            at=_moment(raw["at"], dialect),
            actor=_required(texts["actor"], "actor"),
            actor_agency=texts["actor_agency"],
            action=_required(texts["action"], "action"),
            dataset=texts["dataset"],
            details=_details(raw["details"]),
        )
        return StoredEntry(content, _hash(raw, "prev_hash"), _hash(raw, "hash"))
    except _Unreadable as unreadable:
        return UnreadableEntry(seq, str(unreadable))


def _is_integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _moment(value: object, dialect: sa.Dialect) -> dt.datetime:
    label = _LABELS["at"]
    if value is None:
        raise _Unreadable(f"cột {label} để trống (NULL)")
    column_type = audit_table.c.at.type.dialect_impl(dialect)
    to_python = column_type.result_processor(dialect, None)
    try:
        moment = to_python(value) if to_python is not None else value
    except (ValueError, TypeError, OverflowError, AttributeError):  # each driver its own
        moment = None
    if not isinstance(moment, dt.datetime) and isinstance(value, str):
        moment = _iso_text(value)  # a time column altered to text: its untouched values still read
    if not isinstance(moment, dt.datetime) or moment.tzinfo is None:
        raise _Unreadable(f"cột {label} {_holds(value)}, không phải một thời điểm")
    return moment


def _iso_text(text: str) -> dt.datetime | None:
    """A moment written as ISO 8601 text; without an offset it is UTC, as the hub stores it."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _text(raw: Mapping[Any, Any], name: str) -> str | None:
    value = raw[name]
    if value is not None and not isinstance(value, str):
        raise _Unreadable(f"cột {_LABELS[name]} {_holds(value)}, không phải văn bản")
    return value


def _required(value: str | None, name: str) -> str:
    if value is None:
        raise _Unreadable(f"cột {_LABELS[name]} để trống (NULL)")
    return value


def _details(value: object) -> str:
    label = _LABELS["details"]
    if value is None:
        raise _Unreadable(f"cột {label} để trống (NULL)")
    if not isinstance(value, str):
        raise _Unreadable(f"cột {label} {_holds(value)}, không phải văn bản")
    try:
        parsed = json.loads(value)
    except ValueError:
        raise _Unreadable(f"cột {label} {_holds(value)}, không phải JSON") from None
    if not isinstance(parsed, dict):
        raise _Unreadable(f"cột {label} {_holds(value)}, không phải một đối tượng JSON")
    return value


def _hash(raw: Mapping[Any, Any], name: str) -> str:
    value = raw[name]
    if value is None:
        raise _Unreadable(f"cột {_LABELS[name]} để trống (NULL)")
    if not isinstance(value, str) or _HASH.match(value) is None:
        raise _Unreadable(
            f"cột {_LABELS[name]} {_holds(value)}, không phải băm SHA-256 (64 ký tự hex thường)"
        )
    return value


def _holds(value: object) -> str:
    """``chứa 'abc'`` / ``chứa số 12345``: what a column holds, shortened."""
    if value is None:
        return "để trống (NULL)"
    kind = {int: "số ", float: "số ", bytes: "dữ liệu nhị phân "}.get(type(value), "")
    shown = repr(value)
    if len(shown) > _SHOWN:
        shown = shown[: _SHOWN - 1] + "…"
    return f"chứa {kind}{shown}"


UNKNOWN_MOMENT = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
"""The time an entry is listed at when its own time cannot be read."""


def raw_columns() -> list[sa.ColumnElement[Any]]:
    """Every column of ``audit_log`` as the driver hands it over, for ``listed``."""
    return list(_RAW)


def listed(raw: Mapping[Any, Any], dialect: sa.Dialect) -> AuditEntry:
    """One row for the lists (API, pages, CLI): the entry as written, or, for a row ``verify``
    names, what it holds as far as it reads, flagged ``unreadable`` with the reason."""
    found = decode(raw, dialect)
    if isinstance(found, StoredEntry):
        content = found.content
        return AuditEntry(
            seq=content.seq,
            at=content.at,
            actor=Actor(content.actor, content.actor_agency),
            action=content.action,
            dataset=content.dataset,
            details=json.loads(content.details),
            prev_hash=found.prev_hash,
            hash=found.hash,
        )
    try:
        at = _moment(raw["at"], dialect)
    except _Unreadable:
        at = UNKNOWN_MOMENT
    seq = raw["seq"]
    return AuditEntry(
        seq=seq if _is_integer(seq) else 0,
        at=at,
        actor=Actor(_shown(raw["actor"]), _shown(raw["actor_agency"]) or None),
        action=_shown(raw["action"]),
        dataset=_shown(raw["dataset"]) or None,
        details=_shown_details(raw["details"]),
        prev_hash=_shown(raw["prev_hash"]),
        hash=_shown(raw["hash"]),
        unreadable=f"Mục đã bị sửa: {found.problem}",
    )


def _shown(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else repr(value)


def _shown_details(value: object) -> dict[str, Any]:
    try:
        parsed = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    return parsed if isinstance(parsed, dict) else {"unreadable": _shown(value)}
