"""``kho publish``: the run's summary as a table, one row per publication, and what failed."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from opendata.publisher import PublishResult

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
