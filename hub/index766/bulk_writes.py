"""Writing a batch of rows at once, in the database's own way: an upsert that is one COPY and
one statement on PostgreSQL (an executemany on SQLite), and ``IN`` as one array parameter."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite


def in_table_order(table: sa.Table, rows: Iterable[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    """Rows as tuples in the table's column order (what ``upsert`` takes)."""
    names = [c.name for c in table.columns]
    return [tuple(row[name] for name in names) for row in rows]


def upsert(
    conn: sa.Connection,
    table: sa.Table,
    key: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    *,
    added: Sequence[str] = (),
) -> None:
    """Insert the rows (tuples in the table's column order), or update those whose ``key``
    exists: the columns of ``added`` are added to, the others replaced. On PostgreSQL the rows
    are copied into a temporary table of the same shape (COPY, one stream whatever the batch's
    size) and upserted from it in key order by one statement; elsewhere an executemany."""
    if not rows:
        return
    names = [c.name for c in table.columns]
    changed = [name for name in names if name not in key]
    if conn.dialect.name != "postgresql":
        insert = sqlite.insert(table)
        replaced = {
            name: table.c[name] + insert.excluded[name] if name in added else insert.excluded[name]
            for name in changed
        }
        statement = insert.on_conflict_do_update(index_elements=list(key), set_=replaced)
        conn.execute(statement, [dict(zip(names, row, strict=True)) for row in rows])
        return
    columns = ", ".join(names)
    staging = f"{table.name}_batch"
    assignments = ", ".join(
        f"{name} = {table.name}.{name} + excluded.{name}"
        if name in added
        else f"{name} = excluded.{name}"
        for name in changed
    )
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} (LIKE {table.name}) ON COMMIT DELETE ROWS"
    )
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {staging} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    conn.exec_driver_sql(
        f"INSERT INTO {table.name} ({columns}) SELECT {columns} FROM {staging} "  # noqa: S608 - names from the table's own metadata, values copied
        f"ORDER BY {', '.join(key)} "  # rows locked in key order: no deadlock between members
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {assignments}"
    )
    conn.exec_driver_sql(f"TRUNCATE {staging}")


def among(
    conn: sa.Connection, column: sa.Column[Any], values: Iterable[str]
) -> sa.ColumnElement[bool]:
    """``column IN values``; on PostgreSQL one array parameter (``= ANY``) however many."""
    wanted = list(values)
    if conn.dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, wanted, type_=postgresql.ARRAY(sa.String)))
    return column.in_(wanted)
