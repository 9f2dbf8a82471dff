"""``kho connector run|list|status``: run a connector, see the configured ones and where each
got to."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from connectors.checkpoints import Checkpoint, CheckpointStore
from connectors.config import ConnectorConfig, load_connector_config
from connectors.errors import ConnectorError
from connectors.progress import RichProgress
from connectors.runner import RunSummary, run_batch
from connectors.sources.files import FileSource
from hub.audit.entry import CLI
from hub.audit.trail import record_ingest
from hub.db import create_tables
from hub.ingest.writer import IngestReport
from hub.settings import KhoSettings
from hub.vietnam_time import VIETNAM_TZ
from hub.wiring import Hub, build_hub

connector_app = typer.Typer(help="Connector đọc dữ liệu của sở, ngành.", no_args_is_help=True)
console = Console()

FILE_KINDS = ("csv", "xlsx")


def checkpoint_store(hub: Hub) -> CheckpointStore:
    create_tables(hub.engine)  # the table joined the metadata when this module was imported
    return CheckpointStore(hub.engine)


@connector_app.command("run")
def connector_run(
    config: Annotated[Path, typer.Argument(help="Tệp cấu hình connector (YAML).")],
    input_file: Annotated[
        Path | None, typer.Option("--input", help="Tệp nguồn (CSV, XLSX) của connector tệp.")
    ] = None,
) -> None:
    """Chạy connector từ điểm đã lưu; dòng lỗi vào hàng thư chết <topic>.dlq."""
    connector = load_connector_config(config)
    with build_hub(KhoSettings()) as hub:
        store = checkpoint_store(hub)
        if connector.source.kind in FILE_KINDS:
            if input_file is None:
                raise ConnectorError(f"Connector {connector.name} đọc tệp: hãy chỉ ra --input")
            summary = run_file(hub, store, connector, input_file)
            print_summary(summary)


def run_file(hub: Hub, store: CheckpointStore, config: ConnectorConfig, path: Path) -> RunSummary:
    """One file, from its checkpoint, with a progress bar; audited."""
    source = FileSource(config, path)
    with RichProgress(console, f"{config.name}: {path.name}") as progress:
        summary = run_batch(
            config, source, hub.writer(config.dataset), hub.bus, store, observer=progress
        )
    record_ingest(hub.audit, CLI, summary.report, path.name)
    return summary


@connector_app.command("list")
def connector_list(
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
    with build_hub(settings) as hub:
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
    name: Annotated[str | None, typer.Argument(help="Tên connector (mặc định: tất cả).")] = None,
) -> None:
    """Điểm đã lưu của từng connector: vị trí, số bản ghi, lỗi gần nhất."""
    with build_hub(KhoSettings()) as hub:
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
    if report.rejections:
        reasons = Table(title=f"Bản ghi bị từ chối, theo quy tắc ({report.topic}.dlq)")
        reasons.add_column("Quy tắc")
        reasons.add_column("Số bản ghi", justify="right")
        reasons.add_column("Ví dụ")
        for rule, count in report.rejected_by_rule.most_common():
            example = next(
                r for r in report.rejections if any(v.rule == rule for v in r.violations)
            )
            reasons.add_row(
                rule, str(count), f"vị trí {example.source['position']}: {example.reason}"
            )
        console.print(reasons)


def _local(moment: dt.datetime | None) -> str:
    return "—" if moment is None else moment.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y %H:%M:%S")
