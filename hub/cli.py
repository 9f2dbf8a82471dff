"""The ``kho`` command line. Errors Kho understands print as one line, never a traceback."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from connectors.cli import connector_app, print_ingest
from hub.acl.cli import acl_app
from hub.audit.cli import audit_app
from hub.audit.entry import CLI
from hub.auth.cli import agency_app, token_app
from hub.catalogue.cli import catalogue_app
from hub.dlq.cli import dlq_app
from hub.errors import KhoError
from hub.provide_once.cli import evidence_app, print_feed_run, print_prefill, subject_app
from hub.settings import KhoSettings
from hub.sharing.mask_cli import mask_app, print_masking_run
from hub.wiring import Hub, build_hub
from opendata.approval_cli import approval_app

app = typer.Typer(
    help="Kho — trục chia sẻ dữ liệu và cổng dữ liệu mở của tỉnh.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
sample_app = typer.Typer(
    help="Dữ liệu mẫu tổng hợp, có hạt giống, tái lập được.", no_args_is_help=True
)
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
console = Console()
err_console = Console(stderr=True)


@app.command()
def demo(
    once: Annotated[
        bool, typer.Option("--once", help="Chạy một lần rồi thoát, không mở API.")
    ] = False,
    rows: Annotated[int, typer.Option(help="Số hồ sơ mẫu.")] = 400,
) -> None:
    """Chạy toàn bộ luồng trên cấu hình nhúng: CSV → Avro → bus → cổng dữ liệu mở."""
    from hub.demo import run_demo
    from opendata.publish_cli import print_results

    settings = KhoSettings()
    hub = build_hub(settings)
    try:
        summary = run_demo(hub, rows=rows)
        print_ingest(summary.ingest, summary.source.name)
        print_results(summary.published, console, plan=False)
        print_masking_run(summary.masked, hub)
        print_feed_run(summary.evidence, summary.feed)
        print_prefill(summary.prefill)
        if not once:
            _serve(hub)
    finally:
        hub.close()


@app.command()
def serve() -> None:
    """Mở API HTTP của trục dữ liệu."""
    hub = build_hub(KhoSettings())
    try:
        _serve(hub)
    finally:
        hub.close()


@app.command()
def publish(
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Chỉ ấn phẩm này (lặp lại được).")
    ] = None,
    plan: Annotated[
        bool,
        typer.Option(
            "--plan", help="In việc sẽ làm (tạo, cập nhật, giữ nguyên, rút); không đổi gì."
        ),
    ] = False,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch",
            help="Chạy liên tục: công bố lại khi chủ đề có bản ghi mới, không dày hơn tần suất"
            " cập nhật của bộ dữ liệu; rút ngay khi phê duyệt bị thu hồi.",
        ),
    ] = False,
    poll: Annotated[float, typer.Option(help="--watch: số giây giữa hai lần kiểm tra.")] = 30.0,
) -> None:
    """Công bố các ấn phẩm của danh mục dữ liệu mở lên cổng (đã bỏ trường cá nhân)."""
    from opendata.publish_cli import print_results

    hub = build_hub(KhoSettings())
    try:
        publisher = hub.publisher()
        if watch:
            _watch(hub, poll)
            return
        results = publisher.run(CLI, plan=plan, only=only)
        print_results(results, console, plan=plan)
        if any(r.failed for r in results):
            raise typer.Exit(1)
    finally:
        hub.close()


def _watch(hub: Hub, poll_s: float) -> None:
    from hub.stopping import run_until_signalled
    from opendata.publish_cli import print_results
    from opendata.state import PublicationStates
    from opendata.watch import PublishWatch

    watcher = PublishWatch(
        hub.publisher(),
        PublicationStates(hub.engine),
        hub.catalogue.catalogue,
        hub.publications,
        hub.bus,
        continuous_interval_s=hub.settings.publish_continuous_interval_s,
    )
    console.print(f"Theo dõi chủ đề để công bố lại, kiểm tra mỗi {poll_s:g} giây (Ctrl-C để dừng)")
    run_until_signalled(
        lambda stop: watcher.run(
            CLI, stop, lambda results: print_results(results, console, plan=False), poll_s=poll_s
        )
    )


@app.command("dcat")
def dcat_export(
    form: Annotated[
        str, typer.Option("--format", help="jsonld hoặc turtle.", case_sensitive=False)
    ] = "turtle",
    out: Annotated[Path | None, typer.Option(help="Tệp sẽ ghi (mặc định: in ra).")] = None,
) -> None:
    """Xuất danh mục dữ liệu mở dạng DCAT-AP 3.0.1 để cổng dữ liệu quốc gia thu thập."""
    from opendata.catalogue_export import catalogue_description, export_catalogue
    from opendata.state import PublicationStates

    if form not in ("jsonld", "turtle"):
        raise typer.BadParameter("chỉ nhận jsonld hoặc turtle", param_hint="--format")
    hub = build_hub(KhoSettings())
    try:
        home = hub.publisher().portal.home_url
        description = catalogue_description(
            PublicationStates(hub.engine), hub.catalogue.catalogue, home
        )
        text = export_catalogue(description, "jsonld" if form == "jsonld" else "turtle")
    finally:
        hub.close()
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"Đã ghi {len(description.datasets)} bộ dữ liệu vào {out}")


@sample_app.command("dossiers")
def sample_dossiers(
    out: Annotated[Path, typer.Argument(help="Tệp CSV sẽ ghi.")],
    rows: Annotated[int, typer.Option(help="Số hồ sơ.")] = 400,
    seed: Annotated[int, typer.Option(help="Hạt giống ngẫu nhiên.")] = 766,
) -> None:
    """Sinh tệp xuất hồ sơ TTHC mẫu (một số dòng cố ý sai)."""
    from connectors.samples.dossiers import write_dossier_export

    export = write_dossier_export(out, rows=rows, seed=seed)
    console.print(
        f"Đã ghi {export.rows} hồ sơ vào {out} ({len(export.invalid_rows)} dòng cố ý sai)"
    )


@sample_app.command("source")
def sample_source(
    config: Annotated[
        str,
        typer.Argument(
            help="Tên cấu hình connector trong connectors/configs (ví dụ salinity-readings)."
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Tệp nguồn sẽ ghi (CSV, hoặc .xlsx với nguồn Excel); là một thư mục có sẵn"
            " thì ghi vào đó với tên tệp mặc định.",
        ),
    ],
    rows: Annotated[int | None, typer.Option(min=1, help="Số dòng (mặc định: tùy nguồn).")] = None,
    seed: Annotated[int, typer.Option(help="Hạt giống ngẫu nhiên.")] = 2025,
) -> None:
    """Sinh tệp nguồn mẫu của một cấu hình connector (một số dòng cố ý sai)."""
    from connectors.samples.registry import sample_source as source_of
    from connectors.samples.registry import write_sample_file

    path = out / source_of(config).file_name if out.is_dir() else out
    export = write_sample_file(config, path, seed=seed, rows=rows)
    flawed = ", ".join(str(row) for row in sorted(export.invalid_rows)) or "không có"
    console.print(
        f"Đã ghi {export.rows} dòng vào {export.path}"
        f" ({len(export.invalid_rows)} dòng cố ý sai: {flawed})"
    )


@sample_app.command("all")
def sample_all(
    out: Annotated[Path, typer.Option("--out", help="Thư mục sẽ ghi các tệp nguồn mẫu.")],
    rows: Annotated[
        int | None, typer.Option(min=1, help="Số dòng mỗi tệp (mặc định: tùy nguồn).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Hạt giống ngẫu nhiên.")] = 2025,
) -> None:
    """Sinh tệp nguồn mẫu cho mọi cấu hình connector có sẵn."""
    from rich.table import Table

    from connectors.samples.registry import SAMPLES, write_sample

    table = Table(title=f"Nguồn mẫu trong {out}")
    for column in ("Cấu hình", "Nguồn", "Tệp", "Số dòng", "Dòng cố ý sai"):
        table.add_column(column)
    for source in SAMPLES.values():
        export = write_sample(source.config, out, seed, rows=rows)
        table.add_row(
            source.config,
            source.about,
            export.path.name,
            str(export.rows),
            str(len(export.invalid_rows)),
        )
    console.print(table)
    console.print("Chạy thử: kho connector run connectors/configs/<cấu hình> --input <tệp nguồn>")


def _serve(hub: Hub) -> None:
    import uvicorn

    from hub.api.app import build_app

    settings = hub.settings
    console.print(
        f"API của Kho: http://{settings.http_host}:{settings.http_port}  (Ctrl-C để dừng)"
    )
    uvicorn.run(build_app(hub), host=settings.http_host, port=settings.http_port, log_level="info")


def main() -> None:
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    # kafka-python logs every refused connection; the bus adapter reports the outcome itself.
    logging.getLogger("kafka").setLevel(logging.CRITICAL)
    try:
        app(standalone_mode=True)
    except KhoError as exc:
        err_console.print(f"[bold red]Lỗi:[/bold red] {exc}")
        raise SystemExit(1) from None
