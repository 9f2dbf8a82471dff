"""Excel workbooks (.xlsx, written here by openpyxl as real files): the header row is found
below title lines, typed cells become the text the converters read, a named sheet is used,
and a missing sheet, a missing column or a truncated file is a clear error."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from connectors.config import XlsxSource, load_connector_config
from connectors.errors import ConnectorError
from connectors.runner import run_connector
from connectors.samples.dossiers import write_dossier_export
from connectors.xlsx_source import read_xlsx
from hub.app.wiring import Hub
from tests.paths import DOSSIER_CONNECTOR

REQUIRED = ["Mã hồ sơ", "Ngày tiếp nhận"]


def _workbook(path: Path, rows: list[list[object]], *, sheet: str = "Hồ sơ") -> Path:
    book = openpyxl.Workbook()
    cover = book.active
    assert cover is not None
    cover.title = "Bìa"
    cover.append(["Báo cáo xuất từ hệ thống một cửa"])
    data = book.create_sheet(sheet)
    for row in rows:
        data.append(row)
    book.save(path)
    return path


def test_header_is_found_below_title_lines_and_typed_cells_become_text(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "hs.xlsx",
        [
            ["SỞ TƯ PHÁP TỈNH ĐỒNG THÁP"],
            [],
            ["Mã hồ sơ", "Ngày tiếp nhận", "Thanh toán trực tuyến", "Lệ phí (đồng)", None],
            ["HS-1", dt.datetime(2025, 7, 3, 8, 15), True, 150000.0, "ghi chú lạc"],
            [None, None, None, None, None],
            ["HS-2", dt.date(2025, 7, 4), False, 20000, None],
        ],
    )
    rows = list(read_xlsx(path, sheet="Hồ sơ", required_columns=REQUIRED))
    assert [r.row_number for r in rows] == [4, 6]  # the sheet's own row numbers; blanks skipped
    assert rows[0].cells == {
        "Mã hồ sơ": "HS-1",
        "Ngày tiếp nhận": "03/07/2025 08:15:00",
        "Thanh toán trực tuyến": "Có",
        "Lệ phí (đồng)": "150000",
    }
    assert rows[1].cells["Ngày tiếp nhận"] == "04/07/2025 00:00:00"  # Excel has no bare date
    assert rows[1].cells["Thanh toán trực tuyến"] == "Không"
    assert '"sheet": "Hồ sơ"' in rows[0].original and '"row": 4' in rows[0].original


def test_a_missing_sheet_lists_the_sheets(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "hs.xlsx", [REQUIRED])
    with pytest.raises(ConnectorError, match="không có trang tính 'Tháng 7'.*'Bìa', 'Hồ sơ'"):
        list(read_xlsx(path, sheet="Tháng 7", required_columns=REQUIRED))


def test_a_renamed_column_names_what_is_missing_and_the_nearest_row(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "hs.xlsx", [["Tiêu đề"], ["Mã hồ sơ", "Ngày nhận"], ["HS-1", "x"]])
    with pytest.raises(ConnectorError, match="thiếu 'Ngày tiếp nhận' \\(dòng 2 gần đúng nhất\\)"):
        list(read_xlsx(path, sheet="Hồ sơ", required_columns=REQUIRED))


def test_a_truncated_workbook_is_a_clear_error(tmp_path: Path) -> None:
    whole = _workbook(tmp_path / "whole.xlsx", [REQUIRED, ["HS-1", "01/07/2025"]])
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(ConnectorError, match="cut.xlsx không đọc được.*hỏng hoặc bị cắt"):
        list(read_xlsx(cut, sheet=None, required_columns=REQUIRED))


def test_a_dossier_workbook_publishes_like_its_csv(embedded_hub: Hub, tmp_path: Path) -> None:
    """The sample dossier export as a workbook sheet, through the same mapping: the same rows
    are accepted and the same flawed rows dead-lettered."""
    export = write_dossier_export(tmp_path / "hs.csv", rows=200, seed=7)
    with export.path.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    path = _workbook(tmp_path / "hs.xlsx", [["Danh sách hồ sơ tháng 7"], *table])
    config = load_connector_config(DOSSIER_CONNECTOR)
    config = config.model_copy(update={"source": XlsxSource(kind="xlsx", sheet="Hồ sơ")})
    report = run_connector(config, path, embedded_hub.writer(config.dataset))
    assert report.accepted == export.valid_rows
    assert report.rejected == 200 - export.valid_rows


def test_decimal_cells_are_read_with_a_decimal_comma() -> None:
    """A typed 2.35 in a workbook reads as '2,35', so vn_decimal gives 2.35, not 235."""
    from connectors.config import FieldMapping
    from connectors.convert import vn_decimal
    from connectors.xlsx_source import cell_text

    assert cell_text(2.35) == "2,35"
    assert vn_decimal(cell_text(1.234), FieldMapping(column="x")) == 1.234
