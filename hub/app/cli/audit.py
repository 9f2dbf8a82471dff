"""``kho audit``: check the audit log's chain against its signed anchors, anchor its head, and
list its entries."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from hub.app.cli.console import console, err_console
from hub.app.cli.shell import shell
from hub.audit.entry import AuditEntry, AuditFilter, parse_moment
from hub.audit.log import MAX_QUERY_LIMIT
from hub.audit.verify import AuditError, ChainHead
from hub.vietnam_time import vietnam_time

audit_app = typer.Typer(
    help="Nhật ký kiểm toán: ai đã ghi, đọc dữ liệu cá nhân, cấp quyền, phê duyệt, xuất bản gì.",
    no_args_is_help=True,
)
_DETAILS_WIDTH = 80


@audit_app.command("verify")
def verify(
    ctx: typer.Context,
    head: Annotated[
        str | None,
        typer.Option(
            "--head",
            metavar="SEQ:HASH",
            help="Mốc lưu tay từ lần kiểm trước, thêm vào các mốc đã ký.",
        ),
    ] = None,
) -> None:
    """Tính lại chuỗi băm và đối chiếu với các mốc đã ký; báo mục đầu tiên bị sửa, xoá, đảo
    thứ tự, cắt bớt hay tính lại, và mốc giả mạo (thoát mã 1)."""
    try:
        expected = ChainHead.parse(head) if head is not None else None
    except AuditError as exc:
        raise typer.BadParameter(str(exc), param_hint="--head") from None
    hub = shell(ctx).hub()
    report = hub.audit.verify(expected)
    for forged in report.forged:
        err_console.print(Text.assemble(("Mốc giả mạo", "bold red"), " — ", forged))
    if report.breach is not None:
        err_console.print(
            Text.assemble(
                ("Nhật ký kiểm toán đã bị can thiệp", "bold red"),
                f" — mục {report.breach.seq} ({report.breach.problem.value}): ",
                report.breach.message,
            )
        )
        err_console.print(f"{report.checked} mục đầu tiên còn nguyên vẹn.")
        raise typer.Exit(1)
    if report.anchored is not None:
        console.print(f"Khớp các mốc đã ký; mốc mới nhất: mục {report.anchored.seq}.")
    if report.head is None:
        console.print("Nhật ký kiểm toán chưa có mục nào.")
    else:
        console.print(
            f"Nhật ký kiểm toán nguyên vẹn: {report.checked} mục. Mốc đầu chuỗi dưới đây (ký"
            " vào kho mốc bằng kho audit anchor):"
        )
        typer.echo(str(report.head))
    if report.forged:
        raise typer.Exit(1)


@audit_app.command("anchor")
def anchor(ctx: typer.Context) -> None:
    """Kiểm chuỗi rồi ký mốc đầu chuỗi vào kho mốc (topic Kafka chỉ ghi thêm, hoặc tệp)."""
    hub = shell(ctx).hub()
    report = hub.audit.verify()
    if report.breach is not None or report.forged:
        err_console.print(
            "Không ký mốc: nhật ký không qua kiểm tra — xem chi tiết bằng kho audit verify."
        )
        raise typer.Exit(1)
    if report.head is None:
        console.print("Nhật ký kiểm toán chưa có mục nào: chưa có gì để ký.")
        return
    hub.audit.anchor(report.head)
    where = hub.audit.anchoring.store.description if hub.audit.anchoring else ""
    console.print(f"Đã ký mốc mục {report.head.seq} vào {where}:")
    typer.echo(str(report.head))


@audit_app.command("list")
def list_entries(
    ctx: typer.Context,
    dataset: Annotated[str | None, typer.Option(help="Chỉ mục về bộ dữ liệu này.")] = None,
    agency: Annotated[str | None, typer.Option(help="Chỉ mục do cơ quan này thực hiện.")] = None,
    action: Annotated[
        str | None, typer.Option(help="Chỉ hành động này, ví dụ records.write.")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Từ thời điểm này (ISO 8601; không có múi giờ: giờ VN).")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Trước thời điểm này (ISO 8601).")] = None,
    after: Annotated[int, typer.Option(min=0, help="Chỉ các mục sau số thứ tự này.")] = 0,
    limit: Annotated[int, typer.Option(min=1, max=MAX_QUERY_LIMIT, help="Số mục tối đa.")] = 50,
) -> None:
    """Liệt kê các mục theo thứ tự ghi, lọc theo bộ dữ liệu, cơ quan, hành động, thời gian."""
    filters = AuditFilter(
        dataset=dataset,
        agency=agency,
        action=action,
        since=_moment(since, "--since"),
        until=_moment(until, "--until"),
    )
    hub = shell(ctx).hub()
    entries = hub.audit.query(filters, after=after, limit=limit)
    if not entries:
        console.print("Không có mục nào khớp.")
        return
    console.print(_table(entries))
    if len(entries) == limit:
        console.print(f"Có thể còn mục sau: xem tiếp với --after {entries[-1].seq}")


def _moment(text: str | None, option: str) -> dt.datetime | None:
    if text is None:
        return None
    try:
        return parse_moment(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from None


def _table(entries: list[AuditEntry]) -> Table:
    table = Table(title="Nhật ký kiểm toán")
    table.add_column("Số TT", justify="right")
    for column in ("Thời điểm (giờ VN)", "Người thực hiện", "Cơ quan", "Hành động"):
        table.add_column(column)
    table.add_column("Bộ dữ liệu")
    table.add_column("Chi tiết")
    for entry in entries:
        details = json.dumps(entry.details, ensure_ascii=False, separators=(", ", ": "))
        if len(details) > _DETAILS_WIDTH:
            details = details[: _DETAILS_WIDTH - 1] + "…"
        table.add_row(
            str(entry.seq),
            vietnam_time(entry.at),
            Text(entry.actor.principal),
            Text(entry.actor.agency or ""),
            Text(entry.action),
            Text(entry.dataset or ""),
            Text(details),
        )
    return table
