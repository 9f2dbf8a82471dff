"""``kho token`` and ``kho agency``: API tokens for the agencies of the catalogue.

The agency registry is the catalogue's ``agencies`` list (code, Vietnamese and English name):
it changes by review, like the rest of the catalogue. Tokens live in the hub's database, hashed;
every issue, rotation and revocation is appended to the audit log.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from hub.app.cli.console import console
from hub.app.cli.shell import shell
from hub.app.wiring import Hub
from hub.audit import CLI, actions
from hub.auth.policy import ReadAccess, is_visible, read_access
from hub.auth.tokens import Credential, Role, TokenInfo
from hub.catalogue.models import Agency
from hub.errors import ConfigurationError
from hub.sharing import Projection
from hub.vietnam_time import VIETNAM_TZ

token_app = typer.Typer(help="Mã truy cập API của các cơ quan.", no_args_is_help=True)
agency_app = typer.Typer(help="Các cơ quan trong danh mục và quyền của họ.", no_args_is_help=True)


def _agency(hub: Hub, agency_id: str) -> Agency:
    try:
        return hub.catalogue.catalogue.agency(agency_id)
    except KeyError:
        known = ", ".join(a.id for a in hub.catalogue.catalogue.agencies)
        raise ConfigurationError(
            f"Cơ quan {agency_id!r} không có trong danh mục (có: {known})"
        ) from None


@token_app.command("create")
def create(
    ctx: typer.Context,
    agency: Annotated[str, typer.Option(help="Mã cơ quan trong danh mục, ví dụ vp-ubnd.")],
    role: Annotated[
        list[Role] | None,
        typer.Option(help="Vai trò; lặp lại để cấp nhiều vai trò (mặc định: producer)."),
    ] = None,
    days: Annotated[
        int | None, typer.Option(min=1, help="Số ngày hiệu lực; bỏ trống: không hết hạn.")
    ] = None,
) -> None:
    """Cấp mã truy cập mới; mã chỉ hiện một lần, kho chỉ lưu giá trị băm."""
    hub = shell(ctx).hub()
    _agency(hub, agency)
    valid_for = dt.timedelta(days=days) if days else None
    roles = frozenset(role or [Role.PRODUCER])
    issued = hub.tokens.create(agency, roles, valid_for=valid_for)
    details = {"token_id": issued.token_id, "roles": sorted(roles), "days": days}
    hub.audit.append(actions.TOKEN_CREATE, actor=CLI, details={"agency": agency, **details})
    console.print(f"Mã truy cập của {agency} (id {issued.token_id}), lưu lại ngay:")
    print(issued.plaintext)


@token_app.command("rotate")
def rotate(
    ctx: typer.Context,
    token_id: Annotated[str, typer.Argument(help="Id của mã cũ (12 ký tự hex).")],
    grace_hours: Annotated[
        float,
        typer.Option(min=0, help="Mã cũ còn dùng được thêm bao nhiêu giờ (0: thu hồi ngay)."),
    ] = 0,
) -> None:
    """Cấp mã mới cùng cơ quan, vai trò và thời hạn; mã cũ bị thu hồi (hoặc hết hạn sau
    thời gian chuyển tiếp)."""
    hub = shell(ctx).hub()
    grace = dt.timedelta(hours=grace_hours) if grace_hours else None
    issued = hub.tokens.rotate(token_id, grace=grace)
    if issued is None:
        raise ConfigurationError(f"Không có mã truy cập còn hiệu lực mang id {token_id!r}")
    hub.audit.append(
        actions.TOKEN_ROTATE,
        actor=CLI,
        details={"old": token_id, "new": issued.token_id, "grace_hours": grace_hours},
    )
    console.print(f"Mã mới thay cho {token_id} (id {issued.token_id}), lưu lại ngay:")
    print(issued.plaintext)


@token_app.command("revoke")
def revoke(
    ctx: typer.Context, token_id: Annotated[str, typer.Argument(help="Id của mã (12 ký tự hex).")]
) -> None:
    """Thu hồi một mã truy cập; có hiệu lực từ yêu cầu kế tiếp."""
    hub = shell(ctx).hub()
    if not hub.tokens.revoke(token_id):
        raise ConfigurationError(f"Không có mã truy cập còn hiệu lực mang id {token_id!r}")
    hub.audit.append(actions.TOKEN_REVOKE, actor=CLI, details={"token_id": token_id})
    console.print(f"Đã thu hồi mã {token_id}")


@token_app.command("list")
def list_tokens(
    ctx: typer.Context,
    agency: Annotated[str | None, typer.Option(help="Chỉ các mã của cơ quan này.")] = None,
) -> None:
    """Liệt kê các mã truy cập (không bao giờ hiện bí mật)."""
    hub = shell(ctx).hub()
    if agency is not None:
        _agency(hub, agency)
    tokens = hub.tokens.describe(agency)
    console.print(_token_table(tokens))


@agency_app.command("list")
def list_agencies(ctx: typer.Context) -> None:
    """Các cơ quan trong danh mục, số bộ dữ liệu sở hữu, được chia sẻ và số mã còn hiệu lực."""
    hub = shell(ctx).hub()
    datasets = hub.catalogue.catalogue.datasets
    table = Table(title="Cơ quan")
    for column in ("Mã", "Tên", "Sở hữu", "Được chia sẻ", "Mã truy cập hiệu lực"):
        table.add_column(column)
    for agency in hub.catalogue.catalogue.agencies:
        owned = sum(d.owner == agency.id for d in datasets)
        granted = sum(d.grant(agency.id) is not None for d in datasets)
        live = sum(t.live for t in hub.tokens.describe(agency.id))
        table.add_row(agency.id, agency.name, str(owned), str(granted), str(live))
    console.print(table)


@agency_app.command("show")
def show_agency(
    ctx: typer.Context, agency_id: Annotated[str, typer.Argument(help="Mã cơ quan.")]
) -> None:
    """Một cơ quan: bộ dữ liệu nó đọc được, ở mức nào, và các mã truy cập của nó."""
    hub = shell(ctx).hub()
    agency = _agency(hub, agency_id)
    # a consumer of this agency, to ask the policy what it may read
    reader = Credential("-", agency.id, frozenset({Role.CONSUMER}))
    table = Table(title=f"{agency.name} ({agency.id}) — {agency.name_en}")
    for column in ("Bộ dữ liệu", "Chủ quản", "Phân loại", "Đọc được", "Căn cứ"):
        table.add_column(column)
    labels = {
        Projection.FULL: "mọi trường",
        Projection.MASKED: "bản che (bí danh)",
        Projection.PUBLIC: "bản công khai",
    }
    for entry in hub.catalogue.catalogue.datasets:
        if not is_visible(reader, entry):
            continue
        access = read_access(reader, entry)
        seen, basis = (
            (labels[access.projection], access.basis)
            if isinstance(access, ReadAccess)
            else ("[red]không[/red]", access.code)
        )
        table.add_row(entry.id, entry.owner, entry.classification.value, seen, basis)
    tokens = hub.tokens.describe(agency.id)
    console.print(table)
    console.print(_token_table(tokens))


def _token_table(tokens: list[TokenInfo]) -> Table:
    table = Table(title="Mã truy cập")
    for column in ("Id", "Cơ quan", "Vai trò", "Cấp lúc", "Hết hạn", "Trạng thái"):
        table.add_column(column)
    for token in tokens:
        state = "hiệu lực" if token.live else ("đã thu hồi" if token.revoked_at else "hết hạn")
        table.add_row(
            token.token_id,
            token.agency,
            ", ".join(sorted(token.roles)),
            _local(token.created_at),
            _local(token.expires_at) if token.expires_at else "—",
            state,
        )
    return table


def _local(moment: dt.datetime) -> str:
    return moment.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y %H:%M")
