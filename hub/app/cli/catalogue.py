"""``kho catalogue``: check, list and show the shared-database catalogue (danh mục CSDL dùng
chung). Validation loads the whole file exactly as the hub does, so a file that passes here is a
file the hub accepts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from hub.app.cli.console import console
from hub.catalogue.loader import LoadedCatalogue, load_catalogue
from hub.errors import ConfigurationError
from hub.provide_once.procedures import load_procedures
from hub.settings import KhoSettings
from hub.sharing.catalogue_subjects import catalogue_subjects

catalogue_app = typer.Typer(help="Danh mục CSDL dùng chung.", no_args_is_help=True)


def _load(path: Path | None = None) -> LoadedCatalogue:
    settings = KhoSettings()
    return load_catalogue(path or settings.catalogue_path, settings.schemas_dir)


@catalogue_app.command("validate")
def validate(
    path: Annotated[
        Path | None, typer.Argument(help="Tệp danh mục (mặc định: KHO_CATALOGUE_PATH).")
    ] = None,
    procedures_path: Annotated[
        Path | None,
        typer.Option("--procedures", help="Tệp thủ tục (mặc định: KHO_PROCEDURES_PATH)."),
    ] = None,
) -> None:
    """Kiểm tra tệp danh mục và tệp thủ tục: cấu trúc, cơ quan, mã trùng, lược đồ, quy tắc,
    quyền khai thác, giấy tờ mỗi thủ tục cần."""
    loaded = _load(path)
    catalogue = loaded.catalogue
    procedures = load_procedures(procedures_path or KhoSettings().procedures_path, catalogue)
    grants = sum(len(d.consumers) for d in catalogue.datasets)
    rules = sum(len(d.contract) for d in catalogue.datasets)
    console.print(
        f"[green]Hợp lệ[/green]: {len(catalogue.agencies)} cơ quan, "
        f"{len(catalogue.datasets)} bộ dữ liệu, {grants} quyền khai thác, {rules} quy tắc; "
        f"{len(procedures.procedures)} thủ tục, {len(procedures.evidence_types)} loại giấy tờ; "
        f"{len(catalogue_subjects(loaded))} chủ đề lược đồ (đăng ký khi trục khởi động)"
    )


@catalogue_app.command("list")
def list_datasets() -> None:
    """Các bộ dữ liệu: chủ quản, phân loại, topic, cơ quan được khai thác."""
    loaded = _load()
    table = Table(title="Danh mục CSDL dùng chung")
    for column in ("Bộ dữ liệu", "Tên", "Chủ quản", "Phân loại", "Topic", "Được khai thác"):
        table.add_column(column)
    for entry in loaded.catalogue.datasets:
        consumers = ", ".join(
            f"{g.agency}{' (cá nhân)' if g.personal_data else ''}" for g in entry.consumers
        )
        table.add_row(
            entry.id,
            entry.title.vi,
            entry.owner,
            entry.classification.value,
            entry.topic,
            consumers or "—",
        )
    console.print(table)


@catalogue_app.command("show")
def show(
    dataset_id: Annotated[str, typer.Argument(help="Mã bộ dữ liệu, ví dụ tthc.dossiers.")],
) -> None:
    """Một bộ dữ liệu: căn cứ pháp lý, lưu trữ, quyền khai thác và các trường."""
    loaded = _load()
    try:
        entry = loaded.catalogue.dataset(dataset_id)
    except KeyError:
        known = ", ".join(d.id for d in loaded.catalogue.datasets)
        raise ConfigurationError(f"Không có bộ dữ liệu {dataset_id!r} (có: {known})") from None
    schema = loaded.schema(entry.id)
    owner = loaded.catalogue.agency(entry.owner)
    console.print(f"[bold]{entry.id}[/bold] — {entry.title.vi} | {entry.title.en}")
    console.print(entry.description.vi)
    facts = [
        ("Chủ quản", f"{owner.name} ({owner.id})"),
        ("Lĩnh vực", entry.sector),
        ("Phân loại", entry.classification.value),
        ("Topic", f"{entry.topic} (bản che: {entry.masked_topic})"),
        ("Lược đồ", f"{entry.schema_path} — subject {entry.topic}-value"),
        ("Căn cứ pháp lý", entry.legal_basis),
        ("Thời hạn lưu trữ", entry.retention),
        ("Cập nhật", entry.update_frequency),
        ("Giấy phép dữ liệu mở", entry.licence if entry.publishable else "không công bố"),
    ]
    for label, value in facts:
        console.print(f"  {label}: {value}")
    grants = Table(title="Cơ quan được khai thác")
    for column in ("Cơ quan", "Trường cá nhân", "Mục đích"):
        grants.add_column(column)
    for grant in entry.consumers:
        seen = "được xem" if grant.personal_data else "che / bí danh"
        grants.add_row(grant.agency, seen, grant.purpose)
    console.print(grants)
    fields = Table(title="Trường")
    for column in ("Trường", "Cá nhân", "Mô tả"):
        fields.add_column(column)
    for name in schema.field_names:
        personal = name in schema.personal_fields
        mark = ("bí danh" if name in entry.pseudonymise else "có") if personal else ""
        fields.add_row(name, mark, schema.field_doc(name))
    console.print(fields)
