"""``kho ingest``: upkeep of the ingest API's state."""

from __future__ import annotations

import typer

from hub.app.cli.console import console
from hub.app.cli.shell import shell

ingest_app = typer.Typer(help="Tiếp nhận dữ liệu qua API: bảo trì.", no_args_is_help=True)


@ingest_app.command("purge-keys")
def purge_keys(ctx: typer.Context) -> None:
    """Xoá các Idempotency-Key đã hết hạn (quá KHO_IDEMPOTENCY_RETENTION_S)."""
    hub = shell(ctx).hub()
    deleted = hub.idempotency.expiry.purge_expired()
    retention_h = hub.settings.idempotency_retention_s / 3600
    console.print(
        f"Đã xoá {deleted} Idempotency-Key hết hạn (giữ {retention_h:g} giờ);"
        " các khoá còn hạn và yêu cầu đang xử lý được giữ nguyên."
    )
