"""``kho acl``: Kafka users of the agencies, and ACLs derived from the catalogue.

    kho acl user AGENCY        create or rotate the agency's SCRAM-SHA-512 password (shown once)
    kho acl sync [--dry-run]   create the ACLs the catalogue calls for, delete the stale ones

Both act on the broker of ``KHO_BUS_URL``, logged in as the hub's (super) user, and append to
the audit log (``kafka_user.set``, ``acl.sync``; a dry run appends nothing).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from hub.acl.errors import AclUnsupported
from hub.acl.kafka_admin import SCRAM_MECHANISM, KafkaAclAdmin
from hub.acl.model import USER_PREFIX, AclBinding, PatternType, Permission, agency_principal
from hub.acl.sync import SyncResult, sync_acls
from hub.acl.users import set_agency_password
from hub.app.cli.console import console
from hub.app.cli.shell import shell
from hub.audit import CLI, actions
from hub.bus.kafka_url import KafkaConnection, parse_kafka_url
from hub.settings import KhoSettings

acl_app = typer.Typer(
    help="Người dùng Kafka của các cơ quan và ACL suy ra từ danh mục.", no_args_is_help=True
)


@acl_app.command("user")
def user(
    ctx: typer.Context,
    agency: Annotated[str, typer.Argument(help="Mã cơ quan trong danh mục, ví dụ so-yt.")],
) -> None:
    """Tạo hoặc đổi mật khẩu Kafka (SCRAM-SHA-512) của một cơ quan; mật khẩu chỉ hiện một lần."""
    opened = shell(ctx)
    connection = _kafka(opened.settings)
    hub = opened.hub()
    with _admin(connection, opened.settings) as admin:
        password = set_agency_password(admin, hub.catalogue, agency)
    hub.audit.append(
        actions.KAFKA_USER_SET,
        actor=CLI,
        details={"agency": agency, "mechanism": SCRAM_MECHANISM},
    )
    console.print(
        f"Mật khẩu Kafka mới của {agency} (người dùng {agency_principal(agency)},"
        f" {SCRAM_MECHANISM}); mật khẩu cũ hết hiệu lực. Lưu lại ngay, Kho không giữ bản nào:"
    )
    print(password)
    console.print(
        f"Cơ quan kết nối bằng KHO_BUS_URL=kafka://{agency}:<mật khẩu>@{connection.bootstrap}"
        f" (hoặc security.protocol=SASL_PLAINTEXT, sasl.mechanism={SCRAM_MECHANISM});"
        f" nhóm consumer phải bắt đầu bằng {agency}."
    )


@acl_app.command("sync")
def sync(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Chỉ in các thay đổi, không áp dụng.")
    ] = False,
) -> None:
    """Đồng bộ ACL trên Kafka với danh mục: thêm quyền còn thiếu, xoá quyền không còn cấp."""
    opened = shell(ctx)
    connection = _kafka(opened.settings)
    hub = opened.hub()
    with _admin(connection, opened.settings) as admin:
        result = sync_acls(
            admin,
            hub.catalogue,
            super_users=_super_users(opened.settings, connection),
            dry_run=dry_run,
        )
    if not dry_run:
        hub.audit.append(actions.ACL_SYNC, actor=CLI, details=_audit_details(result))
    print_sync(result)


def print_sync(result: SyncResult) -> None:
    if not result.created and not result.deleted:
        console.print(f"Không có thay đổi: {result.desired} ACL trên Kafka đã khớp với danh mục.")
        return
    title = "Thay đổi ACL trên Kafka" + (" (chạy thử, chưa áp dụng)" if result.dry_run else "")
    table = Table(title=title, box=box.SIMPLE_HEAD)
    for column in ("Thao tác", "Người dùng", "Loại", "Tên", "Quyền"):
        table.add_column(column, no_wrap=column != "Tên", overflow="fold")
    for label, bindings in (("thêm", result.created), ("xoá", result.deleted)):
        for acl in bindings:
            name = acl.resource_name + ("*" if acl.pattern_type is PatternType.PREFIXED else "")
            operation = acl.operation.value
            if acl.permission is not Permission.ALLOW:
                operation += f" ({acl.permission.value})"
            table.add_row(label, acl.principal, acl.resource_type.value, name, operation)
    console.print(table)
    verb = "sẽ thêm" if result.dry_run else "đã thêm"
    console.print(
        f"{verb} {len(result.created)}, {'sẽ xoá' if result.dry_run else 'đã xoá'}"
        f" {len(result.deleted)} ACL; danh mục cần {result.desired} ACL."
    )


@contextmanager
def _admin(connection: KafkaConnection, settings: KhoSettings) -> Iterator[KafkaAclAdmin]:
    admin = KafkaAclAdmin(connection, client_id=f"{settings.client_id}-acl")
    try:
        yield admin
    finally:
        admin.close()


def _kafka(settings: KhoSettings) -> KafkaConnection:
    if not settings.bus_url.startswith(("kafka://", "kafka+ssl://")):
        raise AclUnsupported(
            "KHO_BUS_URL trỏ tới bus nhúng (embedded), không có người dùng hay ACL;"
            " đặt KHO_BUS_URL=kafka://kho:<mật khẩu>@host:port"
        )
    return parse_kafka_url(settings.bus_url)


def _super_users(settings: KhoSettings, connection: KafkaConnection) -> set[str]:
    configured = {p.strip() for p in settings.kafka_super_users.split(";") if p.strip()}
    if connection.username is not None:
        configured.add(f"{USER_PREFIX}{connection.username}")
    return configured


def _audit_details(result: SyncResult) -> dict[str, object]:
    return {
        "created": len(result.created),
        "deleted": len(result.deleted),
        "created_acls": [_describe(a) for a in result.created],
        "deleted_acls": [_describe(a) for a in result.deleted],
    }


def _describe(acl: AclBinding) -> str:
    return f"{acl.principal} {acl.permission.value} {acl.operation.value} {acl.resource}"
