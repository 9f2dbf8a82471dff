"""One sample source per ready-made connector configuration, by the configuration's file name.

``write_sample("salinity-readings", folder, seed=1)`` writes the file that
``connectors/configs/salinity-readings.yaml`` reads, in its format, and says which of its rows
are flawed on purpose and which rule must reject each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from connectors.errors import ConnectorError
from connectors.samples import province, sectors, sectors_rivers
from connectors.samples.dossiers import SampleExport, write_dossier_export

Generator = Callable[..., SampleExport]  # (path, *, rows, seed) -> SampleExport


@dataclass(frozen=True)
class SampleSource:
    config: str  # the configuration's file name in connectors/configs
    file_name: str  # the file the sample is written to, named as a department would
    write: Generator
    rows: int  # how many rows by default
    about: str  # what it is, in Vietnamese

    @property
    def name(self) -> str:
        return self.config.removesuffix(".yaml")

    @property
    def suffix(self) -> str:
        return Path(self.file_name).suffix


# The dossier generator names its flaws; a sample says which rule rejects each row.
_DOSSIER_RULES = {
    "cccd": "cccd",
    "impossible_date": "vn_datetime",
    "empty_required": "required",
    "unknown_commune": "commune_2025",
    "due_before_received": "due_not_before_received",
}


def _dossiers(path: Path, *, rows: int, seed: int) -> SampleExport:
    export = write_dossier_export(path, rows=rows, seed=seed)
    export.invalid_rows = {row: _DOSSIER_RULES[f] for row, f in export.invalid_rows.items()}
    return export


SAMPLES: dict[str, SampleSource] = {
    s.config: s
    for s in [
        SampleSource("tthc-dossiers.yaml", "ho-so-tthc.csv", _dossiers, 400, "Hồ sơ TTHC (iGate)"),
        SampleSource(
            "salinity-readings.yaml",
            "do-man-cua-song.csv",
            province.write_salinity,
            120,
            "Số đo độ mặn các trạm cửa sông Tiền",
        ),
        SampleSource(
            "ocop-products.yaml",
            "san-pham-ocop.xlsx",
            province.write_ocop,
            157,
            "Sản phẩm OCOP (sổ Excel)",
        ),
        SampleSource(
            "traceability-stamps.yaml",
            "tem-truy-xuat.csv",
            province.write_stamps,
            150,
            "Tem truy xuất nguồn gốc",
        ),
        SampleSource(
            "feedback-1022.yaml",
            "phan-anh-1022.txt",
            province.write_feedback,
            150,
            "Phản ánh qua Tổng đài 1022 (Unicode Text)",
        ),
        SampleSource(
            "health-facilities.yaml",
            "co-so-kcb.csv",
            sectors.write_health,
            150,
            "Y tế: cơ sở khám bệnh, chữa bệnh",
        ),
        SampleSource(
            "education-schools.yaml",
            "truong-hoc.xlsx",
            sectors.write_schools,
            150,
            "Giáo dục: trường học (sổ Excel)",
        ),
        SampleSource(
            "finance-budget-disbursement.yaml",
            "giai-ngan-dau-tu-cong-2025.xlsx",
            sectors.write_disbursement,
            120,
            "Tài chính: giải ngân vốn đầu tư công (sổ Excel)",
        ),
        SampleSource(
            "agriculture-crop-areas.yaml",
            "dien-tich-cay-trong.csv",
            sectors_rivers.write_crop_areas,
            150,
            "Nông nghiệp: diện tích gieo trồng, thu hoạch",
        ),
        SampleSource(
            "transport-waterway-cargo.yaml",
            "hang-hoa-qua-cang.csv",
            sectors_rivers.write_waterway_cargo,
            150,
            "Giao thông - logistics: hàng hóa qua cảng, bến thủy nội địa",
        ),
        SampleSource(
            "commerce-listings.yaml",
            "san-pham-tmdt.csv",
            sectors.write_listings,
            150,
            "Công thương: sản phẩm trên sàn thương mại điện tử",
        ),
        SampleSource(
            "environment-water-quality.yaml",
            "chat-luong-nuoc-mat.csv",
            sectors_rivers.write_water_quality,
            120,
            "Môi trường: quan trắc chất lượng nước mặt",
        ),
    ]
}


def sample_source(config_name: str) -> SampleSource:
    """The sample of a configuration, by its file name with or without ``.yaml``."""
    name = Path(config_name).name
    found = SAMPLES.get(name if name.endswith(".yaml") else f"{name}.yaml")
    if found is None:
        known = ", ".join(s.name for s in SAMPLES.values())
        raise ConnectorError(f"Không có nguồn mẫu cho cấu hình '{config_name}' (có: {known})")
    return found


def write_sample_file(
    config_name: str, path: Path, *, seed: int = 2025, rows: int | None = None
) -> SampleExport:
    """Write the configuration's sample source to ``path``."""
    source = sample_source(config_name)
    if source.suffix == ".xlsx" and path.suffix.lower() != ".xlsx":
        raise ConnectorError(
            f"Nguồn mẫu của {source.name} là sổ Excel: tên tệp phải có đuôi .xlsx ({path})"
        )
    if rows is not None and rows < 1:
        raise ConnectorError("Số dòng phải từ 1 trở lên")
    return source.write(path, rows=source.rows if rows is None else rows, seed=seed)


def write_sample(
    config_name: str, folder: Path, seed: int = 2025, *, rows: int | None = None
) -> SampleExport:
    """Write the configuration's sample source into ``folder`` under its usual file name."""
    source = sample_source(config_name)
    return write_sample_file(config_name, folder / source.file_name, seed=seed, rows=rows)
