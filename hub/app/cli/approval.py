"""``kho approval``: the province IT centre lists, grants and revokes stewards' approvals of
open-data publications (opendata/approvals.py). Every grant and revocation is audited, with
``cli`` as the actor; a refusal prints one line naming the rule and exits 1."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from hub.app.cli.console import console
from hub.app.cli.shell import shell
from hub.audit.entry import CLI
from hub.vietnam_time import VIETNAM_TZ
from opendata.approval_records import Approval
from opendata.approvals import ApprovalStore, PublicationStatus

approval_app = typer.Typer(
    help="Phê duyệt công bố dữ liệu mở: xem, duyệt, thu hồi.", no_args_is_help=True
)

PublicationArg = Annotated[
    str, typer.Argument(help="Mã ấn phẩm trong danh mục dữ liệu mở, ví dụ tthc.dossiers.")
]

STATUS_LABELS = {
    PublicationStatus.OPEN: "[green]dữ liệu mở[/green]",
    PublicationStatus.APPROVED: "[green]đã duyệt[/green]",
    PublicationStatus.STALE: "[yellow]cần duyệt lại (đặc tả đã sửa)[/yellow]",
    PublicationStatus.REVOKED: "[red]đã thu hồi[/red]",
    PublicationStatus.PENDING: "chờ duyệt",
    PublicationStatus.BLOCKED: "[red]danh mục không cho công bố[/red]",
}
STATE_LABELS = {"active": "hiệu lực", "superseded": "đã thay bằng lần duyệt sau", "revoked": ""}


def _store(ctx: typer.Context) -> ApprovalStore:
    return shell(ctx).hub().approvals


@approval_app.command("list")
def approval_list(ctx: typer.Context) -> None:
    """Mỗi ấn phẩm: bộ dữ liệu, kiểu, trạng thái và phê duyệt đang hiệu lực."""
    store = _store(ctx)
    reviews = store.overview()
    table = Table(title="Danh mục dữ liệu mở")
    for column in ("Ấn phẩm", "Bộ dữ liệu", "Kiểu", "Trạng thái", "Phê duyệt hiệu lực"):
        table.add_column(column)
    for review in reviews:
        table.add_row(
            review.spec.id,
            review.spec.dataset,
            review.spec.kind,
            STATUS_LABELS[review.status],
            Text(_summary(review.active)) if review.active else "—",
        )
    console.print(table)


@approval_app.command("grant")
def approval_grant(
    ctx: typer.Context,
    publication_id: PublicationArg,
    note: Annotated[str, typer.Option(help="Ghi chú lưu cùng phê duyệt.")] = "",
) -> None:
    """Duyệt bản đặc tả hiện tại của ấn phẩm; sửa đặc tả sau đó thì phải duyệt lại."""
    store = _store(ctx)
    grant = store.grant_outcome(publication_id, actor=CLI, note=note)
    status = store.status(store.spec(publication_id))
    approval = grant.approval
    if grant.created:
        console.print(
            Text(f"Đã duyệt {publication_id} (phê duyệt #{approval.id}, {_digest(approval)}).")
        )
    else:
        console.print(
            Text(
                f"{publication_id} đã được duyệt từ trước với đúng đặc tả này"
                f" (phê duyệt #{approval.id}); không ghi gì thêm."
            )
        )
    console.print(f"Trạng thái: {STATUS_LABELS[status]}")


@approval_app.command("revoke")
def approval_revoke(
    ctx: typer.Context,
    publication_id: PublicationArg,
    reason: Annotated[str, typer.Option(help="Lý do thu hồi (bắt buộc).")],
) -> None:
    """Thu hồi phê duyệt đang hiệu lực; ấn phẩm rời cổng dữ liệu mở ở lần công bố sau."""
    store = _store(ctx)
    approval = store.revoke(publication_id, actor=CLI, reason=reason)
    console.print(Text(f"Đã thu hồi phê duyệt #{approval.id} của {publication_id}: {reason}"))


@approval_app.command("history")
def approval_history(ctx: typer.Context, publication_id: PublicationArg) -> None:
    """Mọi lần duyệt và thu hồi của một ấn phẩm, cũ trước."""
    store = _store(ctx)
    store.spec(publication_id)
    approvals = store.history(publication_id)
    if not approvals:
        console.print(Text(f"{publication_id} chưa được duyệt lần nào."))
        return
    table = Table(title=Text(f"Lịch sử phê duyệt của {publication_id}"))
    for column in ("#", "Đặc tả", "Duyệt bởi", "Lúc (giờ VN)", "Ghi chú", "Tình trạng"):
        table.add_column(column)
    for approval in approvals:
        table.add_row(
            str(approval.id),
            _digest(approval),
            _who(approval.approved_by, approval.approved_by_agency),
            _local(approval.approved_at),
            Text(approval.note),
            Text(_state(approval)),
        )
    console.print(table)


def _state(approval: Approval) -> str:
    if approval.revoked_at is None:
        return STATE_LABELS[approval.state]
    who = _who(approval.revoked_by or "", approval.revoked_by_agency)
    return (
        f"thu hồi {_local(approval.revoked_at)} bởi {who}: {approval.revoke_reason or ''}"
    ).strip()


def _summary(approval: Approval) -> str:
    who = _who(approval.approved_by, approval.approved_by_agency)
    return f"#{approval.id} {_digest(approval)}, {who}, {_local(approval.approved_at)}"


def _digest(approval: Approval) -> str:
    return f"sha256:{approval.spec_digest[:12]}"


def _who(principal: str, agency: str | None) -> str:
    return f"{principal} ({agency})" if agency else principal


def _local(moment: dt.datetime) -> str:
    return moment.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y %H:%M")
