"""The ``kho`` command line: one Typer app. Its callback builds the settings once and opens the
shell (hub/app/cli/shell.py) that every command uses; errors Kho understands print as one
line, never a traceback."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from hub.app.cli.acl import acl_app
from hub.app.cli.approval import approval_app
from hub.app.cli.audit import audit_app
from hub.app.cli.auth import agency_app, token_app
from hub.app.cli.catalogue import catalogue_app
from hub.app.cli.connector import connector_app, print_ingest
from hub.app.cli.console import console, err_console
from hub.app.cli.dlq import dlq_app
from hub.app.cli.index766 import index_app, print_index_run, print_province_index
from hub.app.cli.ingest import ingest_app
from hub.app.cli.mask import mask_app, print_masking_run
from hub.app.cli.observability import process_name
from hub.app.cli.provide_once import evidence_app, print_feed_run, print_prefill, subject_app
from hub.app.cli.publish import print_results, publish_app
from hub.app.cli.sample import sample_app
from hub.app.cli.shell import open_shell, shell
from hub.app.wiring import Hub
from hub.errors import KhoError
from hub.logs import configure_logging

app = typer.Typer(
    help="Kho — trục chia sẻ dữ liệu và cổng dữ liệu mở của tỉnh.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def root(ctx: typer.Context) -> None:
    """Kho — trục chia sẻ dữ liệu và cổng dữ liệu mở của tỉnh."""
    configure_logging(process_name(ctx))
    open_shell(ctx)


app.add_typer(publish_app)
app.add_typer(connector_app, name="connector")
app.add_typer(sample_app, name="sample")
app.add_typer(dlq_app, name="dlq")
app.add_typer(mask_app, name="mask")
app.add_typer(token_app, name="token")
app.add_typer(agency_app, name="agency")
app.add_typer(catalogue_app, name="catalogue")
app.add_typer(audit_app, name="audit")
app.add_typer(acl_app, name="acl")
app.add_typer(evidence_app, name="evidence")
app.add_typer(subject_app, name="subject")
app.add_typer(approval_app, name="approval")
app.add_typer(ingest_app, name="ingest")
app.add_typer(index_app, name="index")

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
