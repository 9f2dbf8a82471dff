"""``kho publish`` and ``kho dcat``: the open-data publisher, once or watching the topics, and the
catalogue as DCAT-AP; a run's summary is a table, one row per publication, and what failed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from hub.app.cli.console import console
from hub.app.cli.observability import MetricsPortOption, expose_metrics
from hub.app.cli.shell import shell

# The publisher and the audit log are imported when a command runs, not by `kho publish --help`
if TYPE_CHECKING:
    from hub.app.wiring import Hub
    from opendata.publisher import PublishResult

# Commands registered at the root: ``kho publish``, ``kho dcat``.
publish_app = typer.Typer()

_ACTIONS = {
    "created": "tạo mới",
    "updated": "cập nhật",
    "unchanged": "giữ nguyên",
    "withdrawn": "rút khỏi cổng",
    "absent": "không có trên cổng",
}
_PLANNED = {
    "created": "sẽ tạo mới",
    "updated": "sẽ cập nhật",
    "unchanged": "giữ nguyên",
    "withdrawn": "sẽ rút khỏi cổng",
    "absent": "không có trên cổng",
}
_CHANGES = ("created", "updated", "withdrawn")  # what a run did to the portal
_STATUS = {
    "waiting": "chờ",
    "blocked": "[red]bị chặn[/red]",
    "failed": "[red]lỗi[/red]",
}


def print_results(results: list[PublishResult], console: Console, *, plan: bool) -> None:
    title = "Kế hoạch công bố dữ liệu mở (chưa thay đổi gì)" if plan else "Công bố dữ liệu mở"
    table = Table(title=title)
    table.add_column("Ấn phẩm")
    table.add_column("Kết quả")
    table.add_column("Số dòng", justify="right")
    table.add_column("Tệp tải lên", justify="right")
    table.add_column("Lý do / ở đâu")
    for r in results:
        words = _PLANNED if plan else _ACTIONS
        outcome = (
            words[r.action]
            if r.action and r.status not in _STATUS
            else _STATUS.get(r.status, r.status)
        )
        rows = str(r.rows) if r.rows else ""
        table.add_row(
            r.publication_id, outcome, rows, str(len(r.uploads) or ""), r.reason or r.location
        )
    console.print(table)
    failed = [r for r in results if r.failed]
    if failed:
        console.print(
            f"[red]{len(failed)} ấn phẩm không công bố được:[/red] "
            + "; ".join(f"{r.publication_id} ({r.reason})" for r in failed)
        )


@publish_app.command("publish")
def publish(
    ctx: typer.Context,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Chỉ ấn phẩm này (lặp lại được).")
    ] = None,
    plan: Annotated[
        bool,
        typer.Option(
            "--plan", help="In việc sẽ làm (tạo, cập nhật, giữ nguyên, rút); không đổi gì."
        ),
    ] = False,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch",
            help="Chạy liên tục: công bố lại khi chủ đề có bản ghi mới, không dày hơn tần suất"
            " cập nhật của bộ dữ liệu; rút ngay khi phê duyệt bị thu hồi.",
        ),
    ] = False,
    poll: Annotated[float, typer.Option(help="--watch: số giây giữa hai lần kiểm tra.")] = 30.0,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Đọc lại chủ đề và dựng lại tệp kể cả khi chủ đề, đặc tả và danh mục không đổi"
            " từ lần công bố trước (ví dụ khi tệp trên cổng bị sửa tay).",
        ),
    ] = False,
    metrics_port: MetricsPortOption = None,
) -> None:
    """Công bố các ấn phẩm của danh mục dữ liệu mở lên cổng (đã bỏ trường cá nhân)."""
    from hub.audit.entry import CLI
    from opendata.publisher import NOTHING_CHANGED

    hub = shell(ctx).hub()
    publisher = hub.publisher(
        on_lock_wait=lambda: console.print(
            "Một lần công bố khác của trục đang chạy; chờ lần đó xong rồi mới công bố."
        )
    )
    if watch:
        expose_metrics(metrics_port)
        _watch(hub, poll)
        return
    results = publisher.run(CLI, plan=plan, only=only, full=full)
    print_results(results, console, plan=plan)
    kept = [r for r in results if r.reason == NOTHING_CHANGED]
    if kept and not plan and not any(r.action in _CHANGES for r in results):
        console.print(
            f"Không có gì thay đổi: {len(kept)} ấn phẩm giữ nguyên như lần công bố trước,"
            " không đọc lại chủ đề."
        )
    if any(r.failed for r in results):
        raise typer.Exit(1)


def _watch(hub: Hub, poll_s: float) -> None:
    from hub.audit.entry import CLI
    from hub.stopping import run_until_signalled

    watcher = hub.publish_watch()
    console.print(f"Theo dõi chủ đề để công bố lại, kiểm tra mỗi {poll_s:g} giây (Ctrl-C để dừng)")
    run_until_signalled(
        lambda stop: watcher.run(
            CLI, stop, lambda results: print_results(results, console, plan=False), poll_s=poll_s
        )
    )


@publish_app.command("dcat")
def dcat_export(
    ctx: typer.Context,
    form: Annotated[
        str, typer.Option("--format", help="jsonld hoặc turtle.", case_sensitive=False)
    ] = "turtle",
    out: Annotated[Path | None, typer.Option(help="Tệp sẽ ghi (mặc định: in ra).")] = None,
) -> None:
    """Xuất danh mục dữ liệu mở dạng DCAT-AP 3.0.1 để cổng dữ liệu quốc gia thu thập."""
    from opendata.catalogue_export import catalogue_description, export_catalogue
    from opendata.state import PublicationStates

    if form not in ("jsonld", "turtle"):
        raise typer.BadParameter("chỉ nhận jsonld hoặc turtle", param_hint="--format")
    hub = shell(ctx).hub()
    home = hub.publisher().portal.home_url
    description = catalogue_description(
        PublicationStates(hub.engine), hub.catalogue.catalogue, home
    )
    text = export_catalogue(description, "jsonld" if form == "jsonld" else "turtle")
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"Đã ghi {len(description.datasets)} bộ dữ liệu vào {out}")
