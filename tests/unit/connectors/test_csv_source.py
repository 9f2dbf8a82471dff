"""CSV exports are read with or without a BOM, and a missing column stops the run by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.csv_source import read_csv
from connectors.errors import ConnectorError

HEADER = "Mã hồ sơ,Họ và tên người nộp\r\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_reads_utf8_with_or_without_bom(tmp_path: Path, encoding: str) -> None:
    """The first header is found whether or not Excel wrote a BOM."""
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "HS-1,Trần Văn Bình\r\n", encoding=encoding)
    rows = list(read_csv(path, delimiter=",", required_columns=["Mã hồ sơ"]))
    assert rows[0].cells == {"Mã hồ sơ": "HS-1", "Họ và tên người nộp": "Trần Văn Bình"}
    assert rows[0].row_number == 2
    assert rows[0].original == "HS-1,Trần Văn Bình\r\n"


def test_decomposed_headers_are_normalised(tmp_path: Path) -> None:
    """A header typed in NFD (as some Mac exports are) still matches the NFC mapping."""
    import unicodedata

    path = tmp_path / "nfd.csv"
    path.write_text(unicodedata.normalize("NFD", HEADER) + "HS-1,An\r\n", encoding="utf-8")
    rows = list(read_csv(path, delimiter=",", required_columns=["Mã hồ sơ"]))
    assert rows[0].cells["Mã hồ sơ"] == "HS-1"


def test_missing_required_column_names_it(tmp_path: Path) -> None:
    """The error names the missing column and the file."""
    path = tmp_path / "short.csv"
    path.write_text(HEADER + "HS-1,An\r\n", encoding="utf-8")
    with pytest.raises(ConnectorError, match="'Số CCCD người nộp'") as caught:
        list(read_csv(path, delimiter=",", required_columns=["Mã hồ sơ", "Số CCCD người nộp"]))
    assert "short.csv" in str(caught.value)


def test_legacy_encoding_is_a_clear_error(tmp_path: Path) -> None:
    """A Windows-1258 file is refused with advice, not decoded into mojibake."""
    path = tmp_path / "legacy.csv"
    path.write_bytes(b"M\xe3 h\xf4 s\xf5\r\nHS-1\r\n")  # Windows-1258 bytes, invalid in UTF-8
    with pytest.raises(ConnectorError, match="không phải UTF-8 hay UTF-16.*TCVN3"):
        list(read_csv(path, delimiter=",", required_columns=["Mã hồ sơ"]))


def test_quoted_multiline_cell_keeps_its_original_text(tmp_path: Path) -> None:
    """A quoted cell with a line break is one row; its original text holds both lines."""
    path = tmp_path / "multi.csv"
    path.write_text(HEADER + 'HS-1,"Lê Thị\r\nHoa"\r\nHS-2,An\r\n', encoding="utf-8")
    rows = list(read_csv(path, delimiter=",", required_columns=["Mã hồ sơ"]))
    assert [r.cells["Mã hồ sơ"] for r in rows] == ["HS-1", "HS-2"]
    assert rows[0].original == 'HS-1,"Lê Thị\r\nHoa"\r\n'


def test_utf16_tab_separated_as_excel_writes_unicode_text(tmp_path: Path) -> None:
    """Excel's "Unicode Text": UTF-16 little-endian with its BOM, tab-separated, CRLF."""
    path = tmp_path / "unicode.txt"
    text = "Mã hồ sơ\tHọ và tên người nộp\r\nHS-1\tNguyễn Thị Ánh\r\n"
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    rows = list(read_csv(path, delimiter="auto", required_columns=["Mã hồ sơ"]))
    assert rows[0].cells == {"Mã hồ sơ": "HS-1", "Họ và tên người nộp": "Nguyễn Thị Ánh"}


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_auto_finds_the_delimiter_of_the_header(tmp_path: Path, delimiter: str) -> None:
    """Semicolons are what Excel writes where the decimal mark is a comma, as in Vietnam."""
    path = tmp_path / "export.csv"
    lines = ["Mã hồ sơ", "Lệ phí (đồng)"], ["HS-1", '"1.250,5"']
    path.write_text("\r\n".join(delimiter.join(cells) for cells in lines) + "\r\n", "utf-8-sig")
    (row,) = read_csv(path, delimiter="auto", required_columns=["Mã hồ sơ", "Lệ phí (đồng)"])
    assert row.cells == {"Mã hồ sơ": "HS-1", "Lệ phí (đồng)": "1.250,5"}


def test_auto_without_any_delimiter_asks_for_one(tmp_path: Path) -> None:
    path = tmp_path / "one-column.csv"
    path.write_text("Mã hồ sơ\r\nHS-1\r\n", encoding="utf-8")
    with pytest.raises(ConnectorError, match="source.delimiter"):
        list(read_csv(path, delimiter="auto", required_columns=["Mã hồ sơ"]))
