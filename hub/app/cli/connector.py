"""``kho connector run|list|status``: run a connector, see the configured ones and where each
got to."""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from connectors.checkpoints import Checkpoint, CheckpointStore
from connectors.config import (
    ConnectorConfig,
    CsvSource,
    FolderSource,
    RestSource,
    SqlSource,
    XlsxSource,
    load_connector_config,
)
from connectors.errors import ConnectorError, SourceUnavailable
from connectors.folder import FAILED, take_folder, watch_folder
from connectors.polling import poll
from connectors.runner import RunSummary, run_batch
from connectors.sources.files import FileSource
from connectors.sources.port import BatchSource
from connectors.sources.sql import SqlTableSource
from hub.app.cli.console import console
from hub.app.cli.observability import MetricsPortOption, expose_metrics
from hub.app.cli.progress import RichProgress
from hub.app.cli.shell import shell
from hub.app.wiring import Hub
from hub.audit.entry import CLI
from hub.audit.trail import record_write
from hub.db import create_tables
from hub.ingest.writer import IngestReport
from hub.settings import KhoSettings
from hub.stopping import run_until_signalled
from hub.vietnam_time import vietnam_time

connector_app = typer.Typer(help="Connector đọc dữ liệu của sở, ngành.", no_args_is_help=True)


def checkpoint_store(hub: Hub, *, save_every_s: float | None = None) -> CheckpointStore:
    """The hub's checkpoints, saved as often as the settings say unless told otherwise."""
    create_tables(hub.engine)  # the table joined the metadata when this module was imported
    every = hub.settings.checkpoint_interval_s if save_every_s is None else save_every_s
    return CheckpointStore(hub.engine, save_every_s=every)


@connector_app.command("run")
def connector_run(
    ctx: typer.Context,
    config: Annotated[Path, typer.Argument(help="Tệp cấu hình connector (YAML).")],
    input_file: Annotated[
        Path | None, typer.Option("--input", help="Tệp nguồn (CSV, XLSX) của connector tệp.")
    ] = None,
    follow: Annotated[
        bool,
        typer.Option(
            "--follow",
            help="SQL, REST, thư mục: chạy liên tục, đọc thêm theo chu kỳ (Ctrl-C dừng).",
        ),
    ] = False,
    duration: Annotated[
        float | None,
        typer.Option("--duration", help="MQTT: dừng sau số giây này (mặc định: đến khi Ctrl-C)."),
    ] = None,
    metrics_port: MetricsPortOption = None,
) -> None:
    """Chạy connector từ điểm đã lưu; bản ghi lỗi vào hàng thư chết <topic>.dlq."""
    connector = load_connector_config(config)
    source = connector.source
    hub = shell(ctx).hub()
    store = checkpoint_store(hub)
    if isinstance(source, CsvSource | XlsxSource):
        if input_file is None:
            raise ConnectorError(f"Connector {connector.name} đọc tệp: hãy chỉ ra --input")
        print_summary(run_file(hub, store, connector, FileSource(connector, input_file)))
    elif isinstance(source, FolderSource):
        expose_metrics(metrics_port)
        _run_folder(hub, store, connector, source, follow=follow)
    elif isinstance(source, SqlSource | RestSource):
        expose_metrics(metrics_port)
        _run_polled(hub, store, connector, source, follow=follow)
    else:
        expose_metrics(metrics_port)
        _run_mqtt(hub, store, connector, duration)


def polled_source(connector: ConnectorConfig, source: SqlSource | RestSource) -> BatchSource:
    if isinstance(source, SqlSource):
        return SqlTableSource(connector, source, os.environ)
    from connectors.sources.rest import RestApiSource

    return RestApiSource(connector, source, os.environ)


def run_file(
    hub: Hub, store: CheckpointStore, config: ConnectorConfig, source: FileSource
) -> RunSummary:
    """One file, from its checkpoint, with a progress bar; audited."""
    with RichProgress(console, f"{config.name}: {source.name}") as progress:
        summary = run_batch(
            config, source, hub.writer(config.dataset), hub.bus, store, observer=progress
        )
    record_write(hub.audit, CLI, summary.report.dataset, summary.report.audit_details(source.name))
    return summary


def _run_folder(
    hub: Hub, store: CheckpointStore, config: ConnectorConfig, source: FolderSource, *, follow: bool
) -> None:
    def run(file: FileSource) -> RunSummary:
        summary = run_file(hub, store, config, file)
        print_summary(summary)
        return summary

    if follow:
        _log_structured()
        run_until_signalled(lambda stop: watch_folder(config, source, run, stop=stop))
        return
    outcomes = take_folder(config, source, run)
    for outcome in outcomes:
        if outcome.reason is not None:
            console.print(f"[red]{outcome.path.name}[/red] → {FAILED}/: {outcome.reason}")
    console.print(f"{len(outcomes)} tệp đã xử lý trong {source.path}")
    if any(o.reason is not None for o in outcomes):
        raise typer.Exit(1)


def _run_polled(
    hub: Hub,
    store: CheckpointStore,
    config: ConnectorConfig,
    settings: SqlSource | RestSource,
    *,
    follow: bool,
) -> None:
    source = polled_source(config, settings)
    writer = hub.writer(config.dataset)
    interval = settings.poll_interval_s
    if follow:
        _log_structured()
        run_until_signalled(
            lambda stop: poll(
                config, source, writer, hub.bus, store, stop=stop, interval_s=interval
            )
        )
        return
    try:
        with RichProgress(console, f"{config.name}: {source.name}") as progress:
            summary = run_batch(
                config, source, writer, hub.bus, store, observer=progress, finite=False
            )
    except SourceUnavailable as exc:
        store.record_error(config.name, source.stream, str(exc))
        raise
    record_write(hub.audit, CLI, summary.report.dataset, summary.report.audit_details(source.name))
    print_summary(summary)


def _run_mqtt(
    hub: Hub, store: CheckpointStore, config: ConnectorConfig, duration: float | None
) -> None:
    from connectors.streaming import run_mqtt_connector

    _log_structured()
    writer = hub.writer(config.dataset)
    summary = run_until_signalled(
        lambda stop: run_mqtt_connector(config, writer, store, stop=stop, duration_s=duration)
    )
    console.print(
        f"{summary.messages} tin nhắn: {summary.accepted} hợp lệ, {summary.rejected} vào .dlq"
        + (f"; trạm im lặng: {', '.join(summary.silent)}" if summary.silent else "")
    )


def _log_structured() -> None:
    logging.getLogger("kho.connector").setLevel(logging.INFO)


@connector_app.command("list")
def connector_list(
    ctx: typer.Context,
    folder: Annotated[
        Path | None, typer.Option(help="Thư mục cấu hình (mặc định: KHO_CONNECTORS_DIR).")
    ] = None,
) -> None:
    """Các connector đã cấu hình: nguồn, bộ dữ liệu đích, topic."""
    settings = KhoSettings()
    where = folder or settings.connectors_dir
    paths = sorted(where.glob("*.yaml"))
    if not paths:
        raise ConnectorError(f"Không có tệp cấu hình connector nào trong {where}")
    hub = shell(ctx).hub()
    table = Table(title=f"Connector trong {where}")
    for column in ("Tên", "Nguồn", "Bộ dữ liệu", "Topic", "Tệp cấu hình"):
        table.add_column(column)
    for path in paths:
        connector = load_connector_config(path)
        entry = hub.catalogue.entry(connector.dataset)
        table.add_row(
            connector.name, connector.source.kind, connector.dataset, entry.topic, path.name
        )
    console.print(table)


@connector_app.command("status")
def connector_status(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Tên connector (mặc định: tất cả).")] = None,
) -> None:
    """Điểm đã lưu của từng connector: vị trí, số bản ghi, lỗi gần nhất."""
    hub = shell(ctx).hub()
    checkpoints = checkpoint_store(hub).of_connector(name)
    if not checkpoints:
        console.print("Chưa có connector nào chạy." if name is None else f"{name}: chưa chạy.")
        return
    table = Table(title="Trạng thái connector")
    for column in ("Connector", "Luồng", "Vị trí", "Hợp lệ", "→ .dlq", "Cập nhật", "Tình trạng"):
        table.add_column(column)
    for cp in checkpoints:
        table.add_row(
            cp.connector,
            cp.stream,
            "—" if cp.position is None else str(cp.position),
            str(cp.accepted),
            str(cp.rejected),
            _local(cp.updated_at),
            condition(cp),
        )
    console.print(table)


def condition(checkpoint: Checkpoint) -> str:
    if checkpoint.last_error:
        return f"lỗi: {checkpoint.last_error}"
    silent = checkpoint.state.get("silent")
    if silent:
        return "trạm im lặng: " + ", ".join(map(str, silent))
    return "đã xong" if checkpoint.finished else "đang đọc / sẽ đọc tiếp"


def print_summary(summary: RunSummary) -> None:
    if summary.resumed_after is not None:
        console.print(f"Tiếp tục sau vị trí {summary.resumed_after} của {summary.source}")
    if summary.already_published:
        console.print(
            f"{summary.already_published} bản ghi đã lên bus trong lần chạy bị ngắt trước: "
            "không gửi lại"
        )
    print_ingest(summary.report, summary.source)


def print_ingest(report: IngestReport, source: str) -> None:
    table = Table(title=f"Tiếp nhận từ {source}")
    table.add_column("Topic")
    table.add_column("Hợp lệ", justify="right")
    table.add_column("Bị từ chối (→ .dlq)", justify="right")
    table.add_row(report.topic, str(report.accepted), str(report.rejected))
    console.print(table)
    if report.examples:
        reasons = Table(title=f"Bản ghi bị từ chối, theo quy tắc ({report.topic}.dlq)")
        reasons.add_column("Quy tắc")
        reasons.add_column("Số bản ghi", justify="right")
        reasons.add_column("Ví dụ")
        for rule, count in report.rejected_by_rule.most_common():
            example = report.examples[rule]
            reasons.add_row(
                rule, str(count), f"vị trí {example.source['position']}: {example.reason}"
            )
        console.print(reasons)


def _local(moment: dt.datetime | None) -> str:
    return "—" if moment is None else vietnam_time(moment)
