"""``kho dlq``: a data steward lists, inspects, corrects and replays dead letters."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from hub.app.cli.console import console, err_console
from hub.app.cli.shell import shell
from hub.dlq.desk import LetterView, StewardDesk
from hub.dlq.labels import source_label
from hub.dlq.status import LetterStatus, ReplayOutcome
from hub.ingest.validation import Violation
from hub.vietnam_time import vietnam_time

dlq_app = typer.Typer(
    help="Hàng thư chết: bản ghi bị từ chối — xem, sửa và phát lại.", no_args_is_help=True
)

DatasetArg = Annotated[str, typer.Argument(help="Mã bộ dữ liệu, ví dụ tthc.dossiers.")]
_REASON_WIDTH = 70


def _desk(ctx: typer.Context, dataset: str) -> StewardDesk:
    return shell(ctx).hub().steward_desk(dataset)


@dlq_app.command("list")
def dlq_list(
    ctx: typer.Context,
    dataset: DatasetArg,
    limit: Annotated[int, typer.Option(min=1, help="Chỉ hiện N thư gần nhất.")] = 50,
    rule: Annotated[str | None, typer.Option(help="Chỉ các thư vi phạm quy tắc này.")] = None,
) -> None:
    """Liệt kê thư chết: địa chỉ, thời điểm, nguồn, quy tắc, lý do, trạng thái."""
    desk = _desk(ctx, dataset)
    page = desk.letters(rule=rule, limit=limit)
    if not page.letters:
        which = f" vi phạm quy tắc {rule}" if rule else ""
        console.print(Text(f"Không có thư chết nào{which} trong {desk.topic}."))
        return
    table = Table(title=Text(f"Thư chết của {desk.entry.id} ({desk.topic})"))
    for column in ("Địa chỉ", "Thời điểm (giờ VN)", "Nguồn", "Quy tắc", "Lý do"):
        table.add_column(column)
    table.add_column("Trạng thái")
    for view in page.letters:
        letter = view.stored.letter
        table.add_row(
            str(view.address),
            vietnam_time(letter.at),
            Text(source_label(letter.source)),
            Text(", ".join(dict.fromkeys(v.rule for v in letter.violations))),
            Text(_shorten(letter.reason, _REASON_WIDTH)),
            _status(view),
        )
    console.print(table)
    if page.matching > len(page.letters):
        console.print(
            f"Hiện {len(page.letters)}/{page.matching} thư gần nhất (--limit để xem thêm)."
        )


@dlq_app.command("show")
def dlq_show(
    ctx: typer.Context,
    dataset: DatasetArg,
    address: Annotated[str, typer.Argument(help="Địa chỉ thư <phân vùng>:<offset>, ví dụ 0:12.")],
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="Chỉ in bản ghi dạng JSON, để lưu ra tệp, sửa và phát lại với --record."
        ),
    ] = False,
) -> None:
    """Xem một thư chết: lý do, từng vi phạm, nguồn, nội dung gốc và bản ghi."""
    desk = _desk(ctx, dataset)
    view = desk.letter(address)
    letter = view.stored.letter
    if as_json:
        document, template = desk.editable_record(view)
        if template:
            err_console.print(
                "Thư không có bản ghi đã ánh xạ: in khuôn mẫu mọi trường để trống;"
                " điền theo nội dung gốc (kho dlq show không có --json)."
            )
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    console.print(Text(f"Thư chết {view.address} trong {desk.topic}", style="bold"))
    for label, value in (
        ("Bộ dữ liệu", letter.dataset),
        ("Thời điểm", f"{vietnam_time(letter.at)} (giờ Việt Nam)"),
        ("Nguồn", source_label(letter.source)),
        ("Lý do", letter.reason),
    ):
        console.print(Text.assemble((f"{label}: ", "bold"), value))
    console.print(Text.assemble(("Trạng thái: ", "bold"), _status(view)))
    console.print(_violations_table(letter.violations))
    console.print(Text("Nội dung gốc:", style="bold"))
    console.print(Text(_original_text(letter.original)), soft_wrap=True)
    console.print(Text("Bản ghi (JSON):", style="bold"))
    record = json.dumps(letter.record, ensure_ascii=False, indent=2)
    console.print(Text(record), soft_wrap=True)


@dlq_app.command("replay")
def dlq_replay(
    ctx: typer.Context,
    dataset: DatasetArg,
    addresses: Annotated[
        list[str] | None, typer.Argument(help="Địa chỉ các thư cần phát lại, ví dụ 0:12 2:7.")
    ] = None,
    record_file: Annotated[
        Path | None,
        typer.Option("--record", help="Tệp JSON chứa bản ghi đã sửa (chỉ cho một thư)."),
    ] = None,
    all_pending: Annotated[
        bool, typer.Option("--all-pending", help="Phát lại mọi thư chưa phát lại.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Phát lại cả thư đã phát lại trước đó.")
    ] = False,
) -> None:
    """Phát lại thư chết: bản ghi được kiểm tra lại; còn sai thì thành thư chết mới."""
    desk = _desk(ctx, dataset)
    run = desk.replay(
        addresses or [], record_file=record_file, all_pending=all_pending, force=force
    )
    for outcome in run.outcomes:
        _print_outcome(outcome, desk.topic)
    if run.taken:
        console.print(
            f"Bỏ qua {len(run.taken)} thư đang được phát lại ở nơi khác:"
            f" {', '.join(str(a) for a in run.taken)}"
        )
    if run.skipped:
        console.print(
            f"Bỏ qua {len(run.skipped)} thư không có bản ghi (sửa rồi phát lại từng thư với"
            f" --record): {', '.join(str(a) for a in run.skipped)}"
        )
    published = sum(1 for o in run.outcomes if o.accepted)
    refused = len(run.outcomes) - published
    console.print(
        f"Đã phát lại {len(run.outcomes)} thư: {published} được công bố, {refused} vẫn bị từ chối."
    )
    if refused:
        raise typer.Exit(1)


def _print_outcome(outcome: ReplayOutcome, dlq_topic: str) -> None:
    if outcome.published is not None:
        p = outcome.published
        console.print(
            Text.assemble(
                (f"Thư {outcome.address}: ", "bold"),
                ("đã công bố", "green"),
                f" lên {p.topic}, phân vùng {p.partition}, offset {p.offset}",
            )
        )
        return
    console.print(
        Text.assemble(
            (f"Thư {outcome.address}: ", "bold"),
            ("vẫn bị từ chối", "red"),
            f", thành thư mới {outcome.new_letter} trong {dlq_topic}",
        )
    )
    console.print(_violations_table(outcome.violations))


def _violations_table(violations: tuple[Violation, ...]) -> Table:
    table = Table("Trường", "Quy tắc", "Vi phạm")
    for v in violations:
        table.add_row(Text(v.path), Text(v.rule), Text(v.message))
    return table


def _status(view: LetterView) -> Text:
    last = view.last_replay
    if last is None or view.status is LetterStatus.PENDING:
        return Text("chờ xử lý", style="yellow")
    if last.published is not None:
        p = last.published
        return Text(f"đã phát lại → {p.topic}/{p.partition}/{p.offset}", style="green")
    return Text(f"bị từ chối lại → thư {last.new_letter}", style="red")


def _original_text(original: bytes) -> str:
    try:
        return original.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError:
        encoded = base64.b64encode(original).decode("ascii")
        return f"(không phải văn bản UTF-8; base64) {encoded}"


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"
