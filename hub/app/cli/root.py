"""The ``kho`` command line: one Typer app. Its callback builds the settings once and opens the
shell (hub/app/cli/shell.py) that every command uses; errors Kho understands print as one
line, never a traceback. Each command group is imported only when it runs (KhoCommands), so
that ``kho --help`` or ``kho publish`` does not pay for the imports of every other command."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Annotated

import typer

from hub.app.cli.console import console, err_console
from hub.app.cli.lazy_group import LazyCommand, LazyGroup
from hub.app.cli.observability import process_name
from hub.app.cli.shell import open_shell, shell
from hub.disk_space import disk_full, disk_full_message
from hub.errors import KhoError
from hub.logs import configure_logging

if TYPE_CHECKING:
    from hub.app.wiring import Hub


class KhoCommands(LazyGroup):
    """The commands of ``kho`` besides ``demo`` and ``serve``, each imported when it runs (see
    hub/app/cli/lazy_group.py), in the order ``kho --help`` lists them."""

    lazy = (
        LazyCommand(
            "publish",
            "hub.app.cli.publish",
            "publish_app",
            "Công bố các ấn phẩm của danh mục dữ liệu mở lên cổng (đã bỏ trường cá nhân).",
            command="publish",
        ),
        LazyCommand(
            "dcat",
            "hub.app.cli.publish",
            "publish_app",
            "Xuất danh mục dữ liệu mở dạng DCAT-AP 3.0.1 để cổng dữ liệu quốc gia thu thập.",
            command="dcat",
        ),
        LazyCommand(
            "connector",
            "hub.app.cli.connector",
            "connector_app",
            "Connector đọc dữ liệu của sở, ngành.",
        ),
        LazyCommand(
            "sample",
            "hub.app.cli.sample",
            "sample_app",
            "Dữ liệu mẫu tổng hợp, có hạt giống, tái lập được.",
        ),
        LazyCommand(
            "dlq",
            "hub.app.cli.dlq",
            "dlq_app",
            "Hàng thư chết: bản ghi bị từ chối — xem, sửa và phát lại.",
        ),
        LazyCommand(
            "mask",
            "hub.app.cli.mask",
            "mask_app",
            "Bản che dữ liệu cá nhân <topic>.masked: chạy tiến trình che và xem độ trễ.",
        ),
        LazyCommand("token", "hub.app.cli.auth", "token_app", "Mã truy cập API của các cơ quan."),
        LazyCommand(
            "agency",
            "hub.app.cli.auth",
            "agency_app",
            "Các cơ quan trong danh mục và quyền của họ.",
        ),
        LazyCommand(
            "catalogue", "hub.app.cli.catalogue", "catalogue_app", "Danh mục CSDL dùng chung."
        ),
        LazyCommand(
            "audit",
            "hub.app.cli.audit",
            "audit_app",
            "Nhật ký kiểm toán: ai đã ghi, đọc dữ liệu cá nhân, cấp quyền, phê duyệt, xuất bản gì.",
        ),
        LazyCommand(
            "acl",
            "hub.app.cli.acl",
            "acl_app",
            "Người dùng Kafka của các cơ quan và ACL suy ra từ danh mục.",
        ),
        LazyCommand(
            "evidence",
            "hub.app.cli.provide_once",
            "evidence_app",
            "Kho dữ liệu điện tử của tổ chức, cá nhân: giấy tờ đã cấp, nạp từ hồ sơ TTHC.",
        ),
        LazyCommand(
            "subject",
            "hub.app.cli.provide_once",
            "subject_app",
            "Công dân, tổ chức (chủ thể dữ liệu): phiên đăng nhập thử nghiệm.",
        ),
        LazyCommand(
            "approval",
            "hub.app.cli.approval",
            "approval_app",
            "Phê duyệt công bố dữ liệu mở: xem, duyệt, thu hồi.",
        ),
        LazyCommand(
            "ingest", "hub.app.cli.ingest", "ingest_app", "Tiếp nhận dữ liệu qua API: bảo trì."
        ),
        LazyCommand(
            "index",
            "hub.app.cli.index766",
            "index_app",
            "Chỉ số 766 (chất lượng phục vụ người dân, doanh nghiệp): tính từ hồ sơ và phản ánh.",
        ),
    )


app = typer.Typer(
    help="Kho — trục chia sẻ dữ liệu và cổng dữ liệu mở của tỉnh.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=KhoCommands,
)


@app.callback()
def root(ctx: typer.Context) -> None:
    """Kho — trục chia sẻ dữ liệu và cổng dữ liệu mở của tỉnh."""
    configure_logging(process_name(ctx))
    open_shell(ctx)


HostOption = Annotated[
    str | None, typer.Option("--host", help="Địa chỉ lắng nghe (mặc định: KHO_HTTP_HOST).")
]
PortOption = Annotated[
    int | None,
    typer.Option("--port", min=1, max=65535, help="Cổng lắng nghe (mặc định: KHO_HTTP_PORT)."),
]


@app.command()
def demo(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="Chạy một lần rồi thoát, không mở API.")
    ] = False,
    rows: Annotated[int, typer.Option(help="Số hồ sơ mẫu.")] = 400,
    host: HostOption = None,
    port: PortOption = None,
) -> None:
    """Chạy toàn bộ luồng trên cấu hình nhúng: CSV → Avro → bus → cổng dữ liệu mở."""
    from hub.app.cli.connector import print_ingest
    from hub.app.cli.index766 import print_index_run, print_province_index
    from hub.app.cli.mask import print_masking_run
    from hub.app.cli.provide_once import print_feed_run, print_prefill
    from hub.app.cli.publish import print_results
    from hub.app.demo import run_demo

    hub = shell(ctx).hub()
    summary = run_demo(hub, rows=rows)
    if summary.nothing_new:
        console.print(
            f"Không có hồ sơ mới trong {summary.source.name}: tệp đã được tiếp nhận ở lần chạy"
            " trước (điểm dừng của connector), không gửi lại lên topic."
        )
    else:
        print_ingest(summary.ingest, summary.source.name)
    print_results(summary.published, console, plan=False)
    print_masking_run(summary.masked, hub)
    print_feed_run(summary.evidence, summary.feed)
    print_prefill(summary.prefill)
    print_index_run(summary.index, hub.index_worker())
    print_province_index(summary.province_index)
    if not once:
        _serve(hub, host, port)


@app.command()
def serve(ctx: typer.Context, host: HostOption = None, port: PortOption = None) -> None:
    """Mở API HTTP của trục dữ liệu."""
    _serve(shell(ctx).hub(), host, port)


def _serve(hub: Hub, host: str | None, port: int | None) -> None:
    import uvicorn

    from hub.app.api.app import build_app
    from hub.app.api.observability import log_requests

    host = host or hub.settings.http_host
    port = port or hub.settings.http_port
    console.print(f"API của Kho: http://{host}:{port}  (Ctrl-C để dừng)")
    # log_config=None: uvicorn's loggers go through the hub's structured logging (hub.logs);
    # the access log is the app's own (hub/app/api/observability.py), with the request id
    log_requests()
    uvicorn.run(
        build_app(hub), host=host, port=port, log_level="info", log_config=None, access_log=False
    )


def main() -> None:
    try:
        configure_logging("kho")  # again, with the command's name, by the root callback
    except KhoError as exc:
        err_console.print(f"[bold red]Lỗi:[/bold red] {exc}")
        raise SystemExit(1) from None
    # kafka-python logs every refused connection; the bus adapter reports the outcome itself.
    logging.getLogger("kafka").setLevel(logging.CRITICAL)
    try:
        app(standalone_mode=True)
    except KhoError as exc:
        err_console.print(f"[bold red]Lỗi:[/bold red] {exc}")
        raise SystemExit(1) from None
    except Exception as exc:
        if not disk_full(exc):
            raise
        err_console.print(f"[bold red]Lỗi:[/bold red] {disk_full_message(_data_dir())}")
        raise SystemExit(1) from None


def _data_dir() -> str:
    """The data directory the settings name, for an error message (a fallback if they fail)."""
    from hub.settings import KhoSettings

    try:
        return str(KhoSettings().data_dir)
    except Exception:  # the message must not fail: say where it is set instead
        return "KHO_DATA_DIR"
