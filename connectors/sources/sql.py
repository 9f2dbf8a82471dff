"""A departmental table polled by a monotonic column, through SQLAlchemy (PostgreSQL, MariaDB).

Rows are read in (cursor, key) order, a page at a time, each page in its own short
transaction: ``WHERE cursor > :c OR (cursor = :c AND key > :k) ORDER BY cursor, key``. The
position of a row is ``[cursor, key]`` as JSON (a time as ISO 8601 text), so the checkpoint can
resume after exactly that row.

The cursor must only grow: an ``id`` from a sequence, or an ``updated_at`` that every writer
sets to the time of its commit. A row committed late with an earlier ``updated_at`` than rows
already read is not seen; prefer a sequence where the department's database has one.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from connectors.config import ConnectorConfig, SqlSource, expand_env
from connectors.errors import ConnectorError, SourceUnavailable
from connectors.sources.port import SourceRecord
from hub.db import with_driver


def source_engine(url: str) -> sa.Engine:
    """An engine for a departmental database URL; ``mariadb://`` and ``mysql://`` use PyMySQL,
    ``postgresql://`` psycopg 3."""
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ConnectorError(f"URL cơ sở dữ liệu nguồn không hợp lệ: {exc}") from None
    parsed = with_driver(parsed)
    args = {"connect_timeout": 10} if parsed.get_backend_name() in ("postgresql", "mysql") else {}
    return sa.create_engine(parsed, pool_pre_ping=True, connect_args=args)


class SqlTableSource:
    def __init__(
        self, config: ConnectorConfig, source: SqlSource, environ: Mapping[str, str]
    ) -> None:
        self._source = source
        self._mapped = config.required_columns
        self._engine = source_engine(expand_env(source.url, environ))
        self._table: sa.Table | None = None
        where = self._engine.url.render_as_string(hide_password=True)
        self._description = f"{where} bảng {source.table}"

    @property
    def kind(self) -> str:
        return "sql"

    @property
    def name(self) -> str:
        return self._source.table

    @property
    def stream(self) -> str:
        url = self._engine.url.set(password=None, username=None, query={})
        return f"{url.render_as_string()}#{self._source.table}"

    def close(self) -> None:
        self._engine.dispose()

    def estimated_total(self, after: Any) -> int | None:
        try:
            table = self._reflected()
            query = sa.select(sa.func.count()).select_from(table).where(self._past(table, after))
            with self._engine.connect() as conn:
                return int(conn.execute(query).scalar_one())
        except (ConnectorError, sa.exc.SQLAlchemyError):
            return None  # a progress bar without a total; the read itself reports the failure

    def records(self, after: Any) -> Iterator[SourceRecord]:
        table = self._reflected()
        cursor, key = table.c[self._source.cursor_column], table.c[self._source.key_column]
        while True:
            query = (
                sa.select(table)
                .where(self._past(table, after))
                .order_by(cursor, key)
                .limit(self._source.batch_size)
            )
            rows = self._read(query)
            for row in rows:
                after = [_json_value(row[cursor.name]), _json_value(row[key.name])]
                original = json.dumps(dict(row), ensure_ascii=False, default=str)
                yield SourceRecord(after, row, original.encode("utf-8"))
            if len(rows) < self._source.batch_size:
                return

    def _read(self, query: sa.Select[Any]) -> list[Mapping[str, Any]]:
        try:
            with self._engine.connect() as conn:
                return [dict(row) for row in conn.execute(query).mappings()]
        except sa.exc.DBAPIError as exc:
            raise SourceUnavailable(
                f"Không đọc được {self._description}: {_first_line(exc.orig)}"
            ) from None

    def _past(self, table: sa.Table, after: Any) -> sa.ColumnElement[bool]:
        if after is None:
            return sa.true()
        cursor, key = table.c[self._source.cursor_column], table.c[self._source.key_column]
        c, k = _from_json(cursor, after[0]), _from_json(key, after[1])
        return sa.or_(cursor > c, sa.and_(cursor == c, key > k))

    def _reflected(self) -> sa.Table:
        if self._table is not None:
            return self._table
        schema, _, name = self._source.table.rpartition(".")
        try:
            table = sa.Table(name, sa.MetaData(), schema=schema or None, autoload_with=self._engine)
        except sa.exc.NoSuchTableError:
            raise ConnectorError(f"Không có bảng {self._description}") from None
        except sa.exc.DBAPIError as exc:
            raise SourceUnavailable(
                f"Không kết nối được {self._description}: {_first_line(exc.orig)}"
            ) from None
        wanted = [self._source.cursor_column, self._source.key_column, *self._mapped]
        missing = [column for column in dict.fromkeys(wanted) if column not in table.c]
        if missing:
            raise ConnectorError(
                f"Bảng {self._source.table} thiếu cột "
                + ", ".join(f"'{c}'" for c in missing)
                + f" (có: {', '.join(table.c.keys())}); cột bị đổi tên ở nguồn?"
            )
        self._table = table
        return table


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _from_json(column: sa.Column[Any], value: Any) -> Any:
    """A position's value back in the column's type (an ISO text back to a datetime)."""
    if not isinstance(value, str):
        return value
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return value
    if python_type is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if python_type is dt.date:
        return dt.date.fromisoformat(value)
    if python_type is Decimal:
        return Decimal(value)
    return value


def _first_line(error: BaseException | None) -> str:
    return str(error).strip().splitlines()[0] if error is not None and str(error).strip() else "?"
