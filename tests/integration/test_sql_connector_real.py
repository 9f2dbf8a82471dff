"""The SQL connector against real PostgreSQL and MariaDB: incremental polling by a monotonic
column, a database that goes away mid-poll, a column renamed upstream, and kill -9."""

from __future__ import annotations

import uuid
from collections import Counter
from pathlib import Path

import pytest

from connectors.checkpoints import CheckpointStore
from connectors.config import ConnectorConfig, load_connector_config
from connectors.delivery import POSITION_HEADER
from connectors.errors import ConnectorError, SourceUnavailable
from connectors.runner import run_batch
from connectors.samples.dossiers import write_dossier_export
from connectors.sources.sql import SqlTableSource
from hub.app.cli.connector import checkpoint_store
from hub.app.wiring import Hub
from hub.bus import read_all
from hub.ingest.writer import DatasetWriter
from tests.integration.department_db import MARIADB_PORT, PG_PORT, DepartmentTable
from tests.integration.tcp_proxy import TcpProxy
from tests.paths import DOSSIER_CONNECTOR

CSV_CONFIG = load_connector_config(DOSSIER_CONNECTOR)


def _server_port(department: DepartmentTable) -> int:
    return PG_PORT if department.url.startswith("postgresql") else MARIADB_PORT


def _writer(hub: Hub, dataset: str, batch: int = 100) -> DatasetWriter:
    return DatasetWriter(hub.bus, hub.registry, hub.catalogue, dataset, batch_size=batch)


def _on_bus(hub: Hub, dataset: str) -> Counter[str]:
    entry = hub.catalogue.entry(dataset)
    seen: Counter[str] = Counter()
    for topic in (entry.topic, entry.dlq_topic):
        for record in read_all(hub.bus, topic):
            seen[(record.header(POSITION_HEADER) or b"").decode()] += 1
    return seen


def _ids(seen: Counter[str]) -> Counter[int]:
    """Source row ids from the positions [updated_at, id]."""
    return Counter({int(key.rsplit(",", 1)[1].rstrip("]")): n for key, n in seen.items()})


def _connector(
    department: DepartmentTable, dataset: str, url: str | None = None
) -> ConnectorConfig:
    return department.connector(CSV_CONFIG, f"sql-{uuid.uuid4().hex[:8]}", dataset, url=url)


def test_polling_reads_new_rows_only_and_each_once(
    kafka_hub: Hub,
    isolated_catalogue: tuple[Path, str],
    department: DepartmentTable,
    tmp_path: Path,
) -> None:
    """Rows sharing an updated_at are told apart by id; the second poll reads only the rows
    added since, and the checkpoint ends on the last row."""
    dataset = isolated_catalogue[1]
    first = department.load(
        write_dossier_export(tmp_path / "a.csv", rows=330, seed=11).path, CSV_CONFIG
    )
    config = _connector(department, dataset)
    store = checkpoint_store(kafka_hub)
    source = SqlTableSource(config, config.source, {})  # type: ignore[arg-type]
    one = run_batch(config, source, _writer(kafka_hub, dataset), kafka_hub.bus, store, finite=False)
    assert one.report.accepted + one.report.rejected == first
    assert one.report.rejected > 0  # the export's planted flaws, dead-lettered with their ids

    added = department.load(
        write_dossier_export(tmp_path / "b.csv", rows=45, seed=12).path,
        CSV_CONFIG,
        first_id=first + 1,
    )
    two = run_batch(config, source, _writer(kafka_hub, dataset), kafka_hub.bus, store, finite=False)
    assert two.report.accepted + two.report.rejected == added
    assert two.resumed_after == one.checkpoint.position if one.checkpoint else False
    assert _ids(_on_bus(kafka_hub, dataset)) == Counter(range(1, first + added + 1))
    assert two.checkpoint is not None and two.checkpoint.position[1] == first + added
    source.close()


def test_a_database_gone_mid_poll_keeps_the_checkpoint_and_resumes(
    kafka_hub: Hub,
    isolated_catalogue: tuple[Path, str],
    department: DepartmentTable,
    tmp_path: Path,
) -> None:
    """The server vanishes after 200 rows were acknowledged: the run stops with a message naming
    the table, the checkpoint is on the last acknowledged row, and when the server is back the
    next run publishes the rest, every row once."""
    dataset = isolated_catalogue[1]
    total = department.load(
        write_dossier_export(tmp_path / "a.csv", rows=600, seed=13).path, CSV_CONFIG
    )
    store = checkpoint_store(kafka_hub, save_every_s=0)  # saved after each acknowledged batch
    with TcpProxy(_server_port(department)) as proxy:
        url = department.url.replace(f":{_server_port(department)}/", f":{proxy.port}/")
        config = _connector(department, dataset, url=url)
        source = SqlTableSource(config, config.source, {})  # type: ignore[arg-type]

        class CutAfter200:
            done = 0

            def started(self, total: int | None) -> None:
                pass

            def advanced(self, records: int) -> None:
                self.done += records
                if self.done >= 200:
                    proxy.cut()

        with pytest.raises(SourceUnavailable, match=department.name.rsplit(".", 1)[-1]):
            run_batch(
                config,
                source,
                _writer(kafka_hub, dataset),
                kafka_hub.bus,
                store,
                observer=CutAfter200(),
                finite=False,
            )
        # The cut comes once rows 1-200 are acknowledged; by then rows 201-300 were read and
        # sent (a batch travels while the next is built). That batch is settled before the
        # error goes up, so the checkpoint is on row 300, and so is the bus.
        (saved,) = store.of_connector(config.name)
        assert saved.position[1] == 300 and saved.accepted + saved.rejected == 300
        assert sum(_on_bus(kafka_hub, dataset).values()) == 300

        proxy.restore()
        rest = run_batch(
            config, source, _writer(kafka_hub, dataset), kafka_hub.bus, store, finite=False
        )
        source.close()
    assert rest.report.accepted + rest.report.rejected == total - 300
    assert _ids(_on_bus(kafka_hub, dataset)) == Counter(range(1, total + 1))


def test_a_renamed_column_is_named_before_anything_is_read(
    kafka_hub: Hub, isolated_catalogue: tuple[Path, str], department: DepartmentTable
) -> None:
    config = _connector(department, isolated_catalogue[1])
    renamed = config.model_copy(
        update={
            "fields": {
                **config.fields,
                "procedure_code": config.fields["procedure_code"].model_copy(
                    update={"column": "ma_tt"}
                ),
            }
        }
    )
    source = SqlTableSource(renamed, renamed.source, {})  # type: ignore[arg-type]
    with pytest.raises(ConnectorError, match="thiếu cột 'ma_tt'"):
        run_batch(
            renamed,
            source,
            _writer(kafka_hub, isolated_catalogue[1]),
            kafka_hub.bus,
            CheckpointStore(kafka_hub.engine),
            finite=False,
        )
    source.close()
