"""``kho token``: issue and revoke API tokens for an agency of the catalogue."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.console import Console

from hub.auth.tokens import Role
from hub.errors import ConfigurationError
from hub.settings import KhoSettings
from hub.wiring import build_hub

token_app = typer.Typer(help="Mã truy cập API của các cơ quan.", no_args_is_help=True)
console = Console()


@token_app.command("create")
def create(
    agency: Annotated[str, typer.Option(help="Mã cơ quan trong danh mục, ví dụ vp-ubnd.")],
    role: Annotated[
        list[Role] | None,
        typer.Option(help="Vai trò; lặp lại để cấp nhiều vai trò (mặc định: producer)."),
    ] = None,
    days: Annotated[int | None, typer.Option(help="Số ngày hiệu lực; bỏ trống: không hết hạn.")] = (
        None
    ),
) -> None:
    """Cấp mã truy cập mới; mã chỉ hiện một lần, kho chỉ lưu giá trị băm."""
    hub = build_hub(KhoSettings())
    try:
        try:
            hub.catalogue.catalogue.agency(agency)
        except KeyError:
            raise ConfigurationError(f"Cơ quan {agency!r} không có trong danh mục") from None
        valid_for = dt.timedelta(days=days) if days else None
        roles = frozenset(role or [Role.PRODUCER])
        issued = hub.tokens.create(agency, roles, valid_for=valid_for)
    finally:
        hub.close()
    console.print(f"Mã truy cập của {agency} (id {issued.token_id}), lưu lại ngay:")
    print(issued.plaintext)


@token_app.command("revoke")
def revoke(token_id: Annotated[str, typer.Argument(help="Id của mã (12 ký tự hex).")]) -> None:
    """Thu hồi một mã truy cập; có hiệu lực từ yêu cầu kế tiếp."""
    hub = build_hub(KhoSettings())
    try:
        if not hub.tokens.revoke(token_id):
            raise ConfigurationError(f"Không có mã truy cập còn hiệu lực mang id {token_id!r}")
    finally:
        hub.close()
    console.print(f"Đã thu hồi mã {token_id}")
