"""A dossier export as Excel saves it in the Vietnamese locale (semicolons, because the decimal
mark is a comma; a byte-order mark) with its text decomposed (NFD, as macOS and some older
systems write it) goes through the shipped dossier configuration exactly as the NFC comma
export it was made from: the same records accepted, the same rows dead-lettered by the same
rules."""

from __future__ import annotations

import codecs
import csv
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from connectors.config import CsvSource, load_connector_config
from connectors.csv_source import read_csv
from connectors.errors import ConnectorError
from connectors.runner import run_connector
from connectors.samples.dossiers import HEADER, SampleExport, write_dossier_export
from hub.app.wiring import Hub
from hub.avro.decoder import RegistryDecoder
from hub.bus import read_all
from hub.ingest import DeadLetter
from tests.paths import DOSSIER_CONNECTOR

CONFIG = load_connector_config(DOSSIER_CONNECTOR)
ROWS = 300


def as_excel_vn(export: Path, path: Path) -> Path:
    """The export re-saved as Excel does in the Vietnamese locale on a Mac: ';' between cells,
    a UTF-8 byte-order mark, CRLF line ends, every cell (and header) in NFD. The dossier
    mapping has no decimal column, so no decimal point is turned into a comma."""
    with export.open(encoding="utf-8-sig", newline="") as source:
        rows = list(csv.reader(source))
    with path.open("w", encoding="utf-8-sig", newline="") as target:
        writer = csv.writer(target, delimiter=";", lineterminator="\r\n")
        for row in rows:
            writer.writerow([unicodedata.normalize("NFD", cell) for cell in row])
    return path


def _letters(hub: Hub, name: str) -> dict[int, set[str]]:
    """The dead letters of one file: spreadsheet row → the rules that rejected it."""
    entry = hub.catalogue.entry(CONFIG.dataset)
    letters = (DeadLetter.from_bytes(r.value) for r in read_all(hub.bus, entry.dlq_topic))
    return {
        letter.source["position"]: {v.rule for v in letter.violations}
        for letter in letters
        if letter.source["name"] == name
    }


def _records(hub: Hub) -> list[dict[str, Any]]:
    decoder = RegistryDecoder(hub.registry)
    topic = hub.catalogue.entry(CONFIG.dataset).topic
    return [decoder.decode(message.value) for message in read_all(hub.bus, topic)]


def _dossier_id(record: dict[str, Any]) -> str:
    return str(record["dossier_id"])


@pytest.fixture
def exports(tmp_path: Path) -> tuple[SampleExport, Path]:
    export = write_dossier_export(tmp_path / "ho-so-nfc.csv", rows=ROWS, seed=18)
    return export, as_excel_vn(export.path, tmp_path / "ho-so-excel-vn.csv")


def test_the_shipped_dossier_configuration_finds_the_delimiter() -> None:
    """The dossier connector ships with ``delimiter: auto``."""
    assert isinstance(CONFIG.source, CsvSource) and CONFIG.source.delimiter == "auto"


def test_the_excel_vn_file_is_what_the_issue_describes(exports: tuple[SampleExport, Path]) -> None:
    """The transformed file has a BOM, semicolons, and decomposed Vietnamese text."""
    _, excel = exports
    data = excel.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    header = data.decode("utf-8-sig").splitlines()[0]
    assert header.count(";") == len(HEADER) - 1 and "," not in header
    assert not unicodedata.is_normalized("NFC", header)
    assert unicodedata.normalize("NFD", "Không") in data.decode("utf-8-sig")


def test_an_nfd_semicolon_export_is_read_as_its_nfc_comma_original(
    embedded_hub: Hub, exports: tuple[SampleExport, Path]
) -> None:
    """300 rows read; as many accepted as from the NFC comma version, with equal records, and
    only the sample's planted flaws dead-lettered, by the same rules."""
    export, excel = exports
    writer = embedded_hub.writer(CONFIG.dataset)

    original = run_connector(CONFIG, export.path, writer)
    first = _records(embedded_hub)
    resaved = run_connector(CONFIG, excel, writer)
    both = _records(embedded_hub)

    assert original.accepted == export.valid_rows and original.accepted > 0
    assert (resaved.accepted, resaved.rejected) == (original.accepted, original.rejected)
    assert resaved.accepted + resaved.rejected == ROWS
    assert sorted(both, key=_dossier_id) == sorted(first * 2, key=_dossier_id), "equal records"
    assert all(
        unicodedata.is_normalized("NFC", value)
        for record in both
        for value in record.values()
        if isinstance(value, str)
    )
    planted = _letters(embedded_hub, export.path.name)
    assert set(planted) == set(export.invalid_rows)
    assert _letters(embedded_hub, excel.name) == planted


def test_a_fixed_comma_on_a_semicolon_file_says_which_delimiter_it_has(
    exports: tuple[SampleExport, Path],
) -> None:
    """With ``delimiter: ","`` the missing-column error points at the semicolons and at
    ``auto``, instead of only listing every column as missing."""
    _, excel = exports
    with pytest.raises(ConnectorError, match="thiếu cột bắt buộc") as caught:
        list(read_csv(excel, delimiter=",", required_columns=CONFIG.required_columns))
    message = str(caught.value)
    assert "dấu chấm phẩy ';'" in message and "delimiter: auto" in message
    assert "\n" not in message


def test_undetectable_delimiter_names_the_ones_tried(tmp_path: Path) -> None:
    """A header no separator splits is refused, naming comma, semicolon and tab."""
    path = tmp_path / "mot-cot.csv"
    path.write_text("Mã hồ sơ|Họ và tên\r\nHS-1|An\r\n", encoding="utf-8-sig")
    with pytest.raises(ConnectorError, match="source.delimiter") as caught:
        list(read_csv(path, delimiter="auto", required_columns=["Mã hồ sơ"]))
    message = str(caught.value)
    assert "','" in message and "';'" in message and "tab" in message


def test_auto_ignores_a_delimiter_inside_a_quoted_header(tmp_path: Path) -> None:
    """Commas inside a quoted header of a semicolon file do not make it a comma file."""
    path = tmp_path / "ngoac-kep.csv"
    header = '"Mã hồ sơ";"Lệ phí (đồng, VNĐ, đã gồm thuế, phí)"'
    path.write_text(f"{header}\r\nHS-1;20.000\r\n", encoding="utf-8-sig")
    (row,) = read_csv(path, delimiter="auto", required_columns=["Mã hồ sơ"])
    assert row.cells == {"Mã hồ sơ": "HS-1", "Lệ phí (đồng, VNĐ, đã gồm thuế, phí)": "20.000"}
