"""``kho sample``: synthetic, seeded, reproducible source files for the connectors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hub.app.cli.console import console

sample_app = typer.Typer(
    help="Dữ liệu mẫu tổng hợp, có hạt giống, tái lập được.", no_args_is_help=True
)


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
