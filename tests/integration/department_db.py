"""A departmental database for the SQL connector tests: the dossier export loaded into a table
of a real PostgreSQL or MariaDB, with an ``id`` and an ``updated_at`` to poll by."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from connectors.config import ConnectorConfig, FieldMapping, SqlSource
from connectors.sources.files import FileSource
from connectors.sources.sql import source_engine
from hub.vietnam_time import VIETNAM_TZ
from tests.conftest import service_port

START = dt.datetime(2025, 7, 1, 8, 0)
MARIADB_PORT = service_port("MARIADB", 13306)
PG_PORT = service_port("PG", 15432)
MARIADB_URL = f"mariadb://kho:kho@127.0.0.1:{MARIADB_PORT}/dept"


@dataclass
class DepartmentTable:
    engine: sa.Engine
    table: sa.Table
    url: str  # as the connector's configuration says it, port included
    name: str  # as the configuration names it: schema.table on PostgreSQL
    columns: dict[str, str]  # export header → table column

    def load(self, export: Path, csv_config: ConnectorConfig, *, first_id: int = 1) -> int:
        """The export's rows, in order; every 7 rows share one updated_at (ties on the cursor)."""
        rows = []
        for n, row in enumerate(FileSource(csv_config, export).rows(), start=first_id):
            values = {self.columns[header]: cell for header, cell in row.cells.items()}
            updated = START + dt.timedelta(seconds=n // 7)
            rows.append({"id": n, "updated_at": updated, **values})
        with self.engine.begin() as conn:
            conn.execute(sa.insert(self.table), rows)
        return len(rows)

    def connector(
        self, csv_config: ConnectorConfig, name: str, dataset: str, *, url: str | None = None
    ) -> ConnectorConfig:
        """The CSV connector's mapping, over this table's columns."""
        fields = {
            field: FieldMapping(
                column=self.columns[m.column] if m.column else None,
                constant=m.constant,
                convert=m.convert,
                choices=m.choices,
                required=m.required,
            )
            for field, m in csv_config.fields.items()
        }
        source = SqlSource(
            kind="sql",
            url=url or self.url,
            table=self.name,
            cursor_column="updated_at",
            key_column="id",
            batch_size=100,
        )
        return ConnectorConfig(name=name, dataset=dataset, source=source, fields=fields)


def department_table(
    url: str, schema: str | None, name: str, headers: list[str]
) -> Iterator[DepartmentTable]:
    engine = source_engine(url)
    columns = {header: f"c{i}" for i, header in enumerate(headers)}
    table = sa.Table(
        name,
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
        *(sa.Column(column, sa.String(400)) for column in columns.values()),
        schema=schema,
    )
    table.create(engine)
    try:
        qualified = f"{schema}.{name}" if schema else name
        yield DepartmentTable(engine, table, url, qualified, columns)
    finally:
        table.drop(engine)
        engine.dispose()


def vn(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=VIETNAM_TZ)
