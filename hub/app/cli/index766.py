"""``kho index``: the Decision 766 service-quality index.

- ``kho index run [--once] [--rebuild]``: the index worker (dossier and feedback topics → the
  latest states in the hub's database, exactly once).
- ``kho index show UNIT PERIOD``: a unit's figures for a period, as the API answers them.
- ``kho index export [--month YYYY-MM | --all-closed]``: closed months' figures of every unit
  onto the open dataset ``tthc.index766_monthly``, for ``kho publish``.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated

import typer
from rich.table import Table

from hub.app.cli.console import console
from hub.app.cli.group_member import sole_member_if_embedded
from hub.app.cli.observability import MetricsPortOption, expose_metrics, sampling_lag
from hub.app.cli.shell import shell
from hub.audit.entry import CLI
from hub.audit.trail import record_write
from hub.index766.errors import IndexInputError
from hub.index766.export import INDEX_EXPORT_DATASET, ExportRun
from hub.index766.figures import IndexFigures
from hub.index766.periods import parse_period, parse_unit
from hub.index766.worker import (
    INDEX_DOSSIER_DATASET,
    INDEX_FEEDBACK_DATASET,
    INDEX_GROUP,
    IndexRun,
    IndexWorker,
)
from hub.stopping import drain_once, run_until_signalled
from hub.vietnam_time import vietnam_time

index_app = typer.Typer(
    help="Chỉ số 766 (chất lượng phục vụ người dân, doanh nghiệp): tính từ hồ sơ và phản ánh.",
    no_args_is_help=True,
)


@index_app.command("run")
def index_run(
    ctx: typer.Context,
    once: Annotated[
        bool,
        typer.Option("--once", help="Đọc tới cuối các topic hiện có rồi thoát, in số lượng."),
    ] = False,
    rebuild: Annotated[
        bool,
        typer.Option(
            "--rebuild",
            help="Xóa trạng thái của chỉ số và tính lại từ đầu các topic (dừng tiến trình khác"
            " cùng nhóm trước).",
        ),
    ] = False,
    batch: Annotated[int, typer.Option(min=1, help="Số bản ghi mỗi giao dịch.")] = 2000,
    group: Annotated[str, typer.Option(help="Nhóm consumer đọc các topic.")] = INDEX_GROUP,
    dossiers: Annotated[
        str, typer.Option(help="Bộ dữ liệu hồ sơ TTHC (mã trong danh mục).")
    ] = INDEX_DOSSIER_DATASET,
    feedback: Annotated[
        str, typer.Option(help="Bộ dữ liệu phản ánh, kiến nghị (mã trong danh mục).")
    ] = INDEX_FEEDBACK_DATASET,
    report_every: Annotated[
        float, typer.Option(min=1.0, help="Ghi nhật ký tiến độ mỗi N giây.")
    ] = 30.0,
    metrics_port: MetricsPortOption = None,
) -> None:
    """Hồ sơ TTHC và phản ánh → trạng thái mới nhất cho chỉ số 766, đúng một lần."""
    hub = shell(ctx).hub()
    worker = hub.index_worker(group=group, batch_size=batch, dossiers=dossiers, feedback=feedback)
    with sole_member_if_embedded(hub, worker.group):
        if rebuild:
            worker.rebuild()
            console.print("Đã xóa trạng thái của chỉ số 766; tính lại từ đầu các topic.")
        if once:
            drain_once(
                worker.drain, lambda run: print_index_run(run, worker), "Chưa đọc hết", console
            )
            return
        logging.getLogger("hub.index766").setLevel(logging.INFO)
        console.print(
            f"Đang tính chỉ số 766 từ {', '.join(worker.topics)} (nhóm {worker.group});"
            " Ctrl-C để dừng."
        )
        expose_metrics(metrics_port)
        run = run_until_signalled(
            sampling_lag(
                hub,
                worker.group,
                worker.topics,
                lambda stop: worker.run(stop, report_every_s=report_every),
            )
        )
    console.print("Đã dừng sau khi cam kết lô cuối.")
    print_index_run(run, worker)


@index_app.command("show")
def index_show(
    ctx: typer.Context,
    unit: Annotated[
        str, typer.Argument(help="Đơn vị: province, agency:<mã cơ quan> hoặc commune:<mã xã>.")
    ],
    period: Annotated[str, typer.Argument(help="Kỳ: tháng 2025-08, quý 2025-Q3 hoặc năm 2025.")],
) -> None:
    """In các chỉ số của một đơn vị trong một kỳ (như API /api/v1/index766)."""
    parsed_unit, parsed_period = parse_unit(unit), parse_period(period)
    hub = shell(ctx).hub()
    figures = hub.index_reader.figures(parsed_unit, parsed_period, dt.datetime.now(dt.UTC))
    print_figures(figures)


@index_app.command("export")
def index_export(
    ctx: typer.Context,
    month: Annotated[
        str | None,
        typer.Option(
            "--month", help="Xuất (lại) một tháng đã khép lại, dạng 2025-08; thay các dòng cũ."
        ),
    ] = None,
    all_closed: Annotated[
        bool,
        typer.Option("--all-closed", help="Xuất lại mọi tháng đã khép lại có hồ sơ."),
    ] = False,
) -> None:
    """Số liệu chỉ số 766 của mọi đơn vị theo tháng đã khép lại → bộ dữ liệu mở
    tthc.index766_monthly (mặc định: các tháng chưa xuất)."""
    if month is not None and all_closed:
        raise IndexInputError("Chọn --month hoặc --all-closed, không chọn cả hai")
    asked = None if month is None else parse_period(month)
    if asked is not None and asked.kind != "month":
        raise IndexInputError(f"Tháng không hợp lệ: {month!r} (dạng 2025-08)")
    hub = shell(ctx).hub()
    export = hub.index_export()
    now = dt.datetime.now(dt.UTC)
    if asked is None:
        run = export.export_pending(now, again=all_closed)
    else:
        run = ExportRun([export.export_month(asked, now)])
    for exported in run.months:
        record_write(hub.audit, CLI, INDEX_EXPORT_DATASET, exported.audit_details())
    print_export_run(run)
    if run.refused:
        raise typer.Exit(1)


def print_export_run(run: ExportRun) -> None:
    if not run.months:
        console.print("Không có tháng nào đã khép lại mà chưa xuất.")
        return
    table = Table(title=f"Chỉ số 766 → {INDEX_EXPORT_DATASET}")
    table.add_column("Tháng")
    table.add_column("Đơn vị", justify="right")
    table.add_column("Dòng đã ghi", justify="right")
    table.add_column("Dòng bị từ chối (→ .dlq)", justify="right")
    for m in run.months:
        table.add_row(m.month.key, str(m.units), str(m.rows), str(m.refused))
    console.print(table)
    refused = [m for m in run.months if not m.complete]
    for m in refused:
        console.print(
            f"Tháng {m.month.key} chưa xuất xong: {m.refused} dòng vi phạm"
            f" {', '.join(m.refused_rules)}; xem kho dlq list {INDEX_EXPORT_DATASET}"
        )
    if len(refused) < len(run.months):
        console.print(f"Công bố: kho publish --only {INDEX_EXPORT_DATASET}")


def print_index_run(run: IndexRun, worker: IndexWorker) -> None:
    table = Table(title=f"Chỉ số 766: trạng thái từ {', '.join(worker.topics)}")
    table.add_column("Hồ sơ", justify="right")
    table.add_column("Phản ánh", justify="right")
    table.add_column("Đã có (bỏ qua)", justify="right")
    table.add_column("Thư chết (→ .dlq)", justify="right")
    table.add_column("Số lô", justify="right")
    table.add_row(
        str(run.dossiers),
        str(run.feedback),
        str(run.skipped),
        str(run.dead_lettered),
        str(run.batches),
    )
    console.print(table)
    if run.dead_letters:
        rules = ", ".join(f"{rule}: {count}" for rule, count in run.dead_letters.most_common())
        console.print(f"Thư chết theo quy tắc: {rules}")


def print_figures(figures: IndexFigures) -> None:
    """The figures as a table: each group, then its indicators (numbers rounded for display)."""
    table = Table(
        title=(
            f"Chỉ số 766 — {figures.unit}, kỳ {figures.period}"
            f" (tính đến {vietnam_time(figures.as_of)}, phương pháp {figures.method_version})"
        )
    )
    table.add_column("Nhóm / chỉ số")
    table.add_column("Tử số", justify="right")
    table.add_column("Mẫu số", justify="right")
    table.add_column("Tỷ lệ", justify="right")
    table.add_column("Điểm / tối đa", justify="right")
    for group in figures.groups:
        table.add_row(
            f"[bold]{group.title}[/bold]",
            "",
            "",
            "",
            f"[bold]{_number(group.points)} / {_number(group.max_points)}[/bold]",
        )
        for i in group.indicators:
            if not i.computed:
                numbers = ("—", "—", "không tính")
            elif i.no_data:
                numbers = (str(i.numerator), str(i.denominator), "không có dữ liệu")
            else:
                ratio = "" if i.ratio is None else f"{i.ratio * 100:.2f}%".replace(".", ",")
                numbers = (str(i.numerator), str(i.denominator), ratio)
            table.add_row(
                f"  {i.title} ({i.id})",
                *numbers,
                f"{_number(i.points)} / {_number(i.max_points)}",
            )
    console.print(table)
    console.print(
        f"Tổng điểm: {_number(figures.points)} / {_number(figures.computed_max)} điểm tính được"
        f" (tối đa {_number(figures.max_points)}); điểm quy đổi: {_number(figures.score)}/100"
    )


def _number(value: float) -> str:
    """Two decimals with a Vietnamese decimal comma: 18,40."""
    return f"{value:.2f}".replace(".", ",")


def print_province_index(figures: IndexFigures | None, weakest: int = 3) -> None:
    """The demo's line: the province's score for a month and its weakest indicators."""
    if figures is None:
        console.print("Chỉ số 766: chưa có hồ sơ nào để tính.")
        return
    lost = sorted(
        ((i.max_points - i.points, i) for g in figures.groups for i in g.indicators if i.computed),
        key=lambda pair: (-pair[0], pair[1].id),
    )[:weakest]
    console.print(
        f"Chỉ số 766 của tỉnh, kỳ {figures.period}: {_number(figures.score)}/100"
        f" ({_number(figures.points)} / {_number(figures.computed_max)} điểm tính được)."
    )
    console.print(f"{weakest} chỉ số yếu nhất (điểm bị mất):")
    for missing, i in lost:
        console.print(
            f"  - {i.title} ({i.id}): {_number(i.points)} / {_number(i.max_points)},"
            f" mất {_number(missing)} điểm"
        )
