"""The corpus through the file connectors (the shipped dossier configuration, reading CSV and,
switched to a workbook, XLSX): each bad value in a row of its own is accepted or dead-lettered
with its reason and the row's original text; each bad file is read whole or stopped with one
clear error naming the file. Counted on the topic and the DLQ."""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import yaml
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from connectors.config import ConnectorConfig, XlsxSource, load_connector_config
from connectors.errors import ConnectorError
from connectors.runner import run_connector
from connectors.samples.dossiers import write_dossier_export
from hub.app.wiring import Hub
from hub.bus.reading import read_all
from hub.ingest.dead_letter import DeadLetter
from tests.corpus.inputs import DATA, BadValue, bad_values, windows_1258
from tests.corpus.tally import PathTally, Tally
from tests.paths import DOSSIER_CONNECTOR

CSV_CONFIG = load_connector_config(DOSSIER_CONNECTOR)
XLSX_CONFIG = CSV_CONFIG.model_copy(update={"source": XlsxSource(kind="xlsx", sheet="Hồ sơ")})
COLUMNS = {
    "text": CSV_CONFIG.fields["procedure_name"].column,
    "key": CSV_CONFIG.fields["dossier_id"].column,
    "number": CSV_CONFIG.fields["fee_vnd"].column,
    "code": CSV_CONFIG.fields["commune_code"].column,
}
ROWS = 4


def _valid_rows(tmp_path: Path) -> tuple[list[str], list[list[str]]]:
    export = write_dossier_export(tmp_path / "valid.csv", rows=ROWS, seed=23, invalid_share=0.0)
    header, *rows = csv.reader(io.StringIO(export.path.read_text("utf-8-sig"), newline=""))
    return header, rows


def _csv(header: list[str], rows: list[list[str]], delimiter: str = ",") -> str:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows([header, *rows])
    return buffer.getvalue()


def _workbook(
    path: Path, header: list[str], rows: list[list[object]], *, formulas: bool = False
) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Hồ sơ"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for line in sheet.iter_rows(min_row=2):  # text stays text, even "=HYPERLINK(...)"
        for cell in line:
            if isinstance(cell.value, str) and not formulas:
                cell.data_type = "s"
    book.save(path)
    return path


class Counted:
    """What a run put on the topic and the DLQ, beyond what was there before."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.topic, self.dlq = self._ends()

    def _ends(self) -> tuple[int, int]:
        entry = self.hub.catalogue.entry(CSV_CONFIG.dataset)
        return (
            sum(1 for _ in read_all(self.hub.bus, entry.topic)),
            sum(1 for _ in read_all(self.hub.bus, entry.dlq_topic)),
        )

    def since(self) -> tuple[int, int]:
        topic, dlq = self._ends()
        return topic - self.topic, dlq - self.dlq

    def letters(self) -> list[DeadLetter]:
        entry = self.hub.catalogue.entry(CSV_CONFIG.dataset)
        records = list(read_all(self.hub.bus, entry.dlq_topic))[self.dlq :]
        return [DeadLetter.from_bytes(r.value) for r in records]


def _run_values(
    hub: Hub,
    config: ConnectorConfig,
    path: Path,
    cases: list[BadValue],
    counts: PathTally,
) -> None:
    """Runs the file of one row per case and checks each row's fate by its dossier id."""
    before = Counted(hub)
    report = run_connector(config, path, hub.writer(config.dataset))
    accepted, dead = before.since()
    expected_refused = [c for c in cases if c.expect == "refused"]
    assert (report.accepted, report.rejected) == (accepted, dead)
    assert dead == len(expected_refused), [
        (letter.reason, letter.original[:80]) for letter in before.letters()
    ]
    assert accepted == len(cases) - len(expected_refused)
    for letter in before.letters():
        assert letter.reason and letter.violations and letter.original
    for _ in range(accepted):
        counts.sent_one("accepted")
    for _ in range(dead):
        counts.sent_one("dead_lettered")


def _value_rows(header: list[str], rows: list[list[str]], cases: list[BadValue]) -> list[list[str]]:
    out = []
    for i, case in enumerate(cases):
        row = list(rows[i % len(rows)])
        row[header.index(COLUMNS["key"])] = f"CORPUS-{i:04d}"
        row[header.index(COLUMNS[case.target])] = case.cell_text()
        out.append(row)
    return out


@pytest.mark.usefixtures("no_tracebacks")
def test_bad_values_in_csv_rows(embedded_hub: Hub, tmp_path: Path, tally: Tally) -> None:
    """One row per bad value that a UTF-8 file can hold (and within the csv module's field
    size, see the file case): accepted or dead-lettered as the corpus says."""
    header, rows = _valid_rows(tmp_path)
    cases = [
        c for c in bad_values() if not c.json_only and len(c.cell_text()) < csv.field_size_limit()
    ]
    path = tmp_path / "values.csv"
    path.write_text(_csv(header, _value_rows(header, rows, cases)), encoding="utf-8-sig")
    counts = tally.path("CSV connector: values")
    _run_values(embedded_hub, CSV_CONFIG, path, cases, counts)
    assert counts.adds_up()


@pytest.mark.usefixtures("no_tracebacks")
def test_bad_values_in_xlsx_cells(embedded_hub: Hub, tmp_path: Path, tally: Tally) -> None:
    """One row per bad value a workbook can hold (openpyxl refuses control characters, Excel
    does too): typed as text, never evaluated; accepted or dead-lettered as the corpus says."""
    header, rows = _valid_rows(tmp_path)
    cases = [
        c
        for c in bad_values()
        if not c.json_only and not ILLEGAL_CHARACTERS_RE.search(c.cell_text())
    ]
    path = _workbook(tmp_path / "values.xlsx", header, list(_value_rows(header, rows, cases)))
    counts = tally.path("XLSX connector: values")
    _run_values(embedded_hub, XLSX_CONFIG, path, cases, counts)
    assert counts.adds_up()


def _csv_file(how: str, header: list[str], rows: list[list[str]]) -> bytes:
    text = _csv(header, rows)
    valid = text.encode("utf-8")
    makers: dict[str, Callable[[], bytes]] = {
        "as-is": lambda: valid,
        "utf8-bom": lambda: b"\xef\xbb\xbf" + valid,
        "utf16": lambda: text.encode("utf-16"),
        "nfd": lambda: unicodedata.normalize("NFD", text).encode("utf-8"),
        "semicolons": lambda: _csv(header, rows, ";").encode("utf-8-sig"),
        "empty": lambda: b"",
        "truncate-in-quote": lambda: valid + b'CORPUS-1,"1.001193,"Kh\xc3\xb4ng',
        "truncate-in-char": lambda: valid[: valid.rindex("ị".encode()) + 1],
        "cp1258": lambda: windows_1258(text),
        "mixed-encodings": lambda: (
            text[: len(text) // 2].encode("utf-8") + windows_1258(text[len(text) // 2 :])
        ),
        "nul-byte": lambda: _csv(
            header, [_with(header, rows[0], "Tên thủ tục", "a\x00b")]
        ).encode(),
        "oversized-cell": lambda: _csv(
            header, [*rows, _with(header, rows[0], "Tên thủ tục", "x" * 200_000)]
        ).encode(),
        "drop-column": lambda: _csv(
            [h for h in header if h != "Mã hồ sơ"],
            [[v for h, v in zip(header, r, strict=True) if h != "Mã hồ sơ"] for r in rows],
        ).encode(),
    }
    return makers[how]()


def _with(header: list[str], row: list[str], column: str, value: str) -> list[str]:
    changed = list(row)
    changed[header.index(column)] = value
    changed[header.index("Mã hồ sơ")] = "CORPUS-NUL"
    return changed


def _xlsx_file(how: str, path: Path, header: list[str], rows: list[list[str]]) -> None:
    if how == "as-is":
        _workbook(path, header, list(rows))
    elif how == "truncate":
        whole = _workbook(path, header, list(rows)).read_bytes()
        path.write_bytes(whole[: len(whole) // 2])
    elif how == "csv-bytes":
        path.write_bytes(_csv(header, rows).encode("utf-8-sig"))
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "formulas":
        formula_rows: list[list[object]] = [list(r) for r in rows]
        name = header.index("Tên thủ tục")
        for row in formula_rows:
            row[name] = '=HYPERLINK("http://example.invalid/","Bấm")'
        _workbook(path, header, formula_rows, formulas=True)
        with zipfile.ZipFile(path) as book:  # the formulas stay formulas, with no saved value
            assert b"<f>" in book.read("xl/worksheets/sheet1.xml")
    else:
        raise ValueError(how)


def _files(kind: str) -> list[dict[str, str]]:
    listed: list[dict[str, str]] = yaml.safe_load((DATA / "files.yaml").read_text("utf-8"))[kind]
    return listed


def _run_file(
    hub: Hub, config: ConnectorConfig, path: Path, case: dict[str, str], counts: PathTally
) -> None:
    before = Counted(hub)
    try:
        report = run_connector(config, path, hub.writer(config.dataset))
    except ConnectorError as exc:
        message = str(exc)
        assert case["expect"] == "refused", (case["name"], message)
        assert str(path) in message and "Traceback" not in message, message
        counts.sent_one("refused")
        return
    accepted, dead = before.since()
    assert (report.accepted, report.rejected) == (accepted, dead), case["name"]
    if case["expect"] == "accepted":
        assert (accepted, dead) == (ROWS, 0), (case["name"], before.letters()[:1])
        counts.sent_one("accepted")
    else:
        assert case["expect"] in ("dead_letter_row", "dead_letter_rows"), case["name"]
        assert dead >= 1 and all(letter.original for letter in before.letters()), case["name"]
        counts.sent_one("dead_lettered")


@pytest.mark.usefixtures("no_tracebacks")
def test_bad_csv_files(embedded_hub: Hub, tmp_path: Path, tally: Tally) -> None:
    """Encodings the connector reads (BOM, UTF-16, NFD, semicolons) load every row; truncated,
    legacy-encoded, oversized or incomplete files stop with one error naming the file."""
    header, rows = _valid_rows(tmp_path)
    counts = tally.path("CSV connector: files")
    for i, case in enumerate(_files("csv")):
        path = tmp_path / f"file-{i}.csv"
        if "file" in case:
            path.write_bytes((DATA / case["file"]).read_bytes())
        else:
            numbered = [[f"F{i}-{n}", *r[1:]] for n, r in enumerate(rows)]
            path.write_bytes(_csv_file(case["how"], header, numbered))
        _run_file(embedded_hub, CSV_CONFIG, path, case, counts)
    assert counts.adds_up()


@pytest.mark.usefixtures("no_tracebacks")
def test_bad_xlsx_files(embedded_hub: Hub, tmp_path: Path, tally: Tally) -> None:
    """A truncated or mis-named workbook stops with one error naming the file; formulas saved
    without their values are read as empty cells and dead-lettered, never evaluated."""
    header, rows = _valid_rows(tmp_path)
    counts = tally.path("XLSX connector: files")
    for i, case in enumerate(_files("xlsx")):
        path = tmp_path / f"file-{i}.xlsx"
        numbered = [[f"X{i}-{n}", *r[1:]] for n, r in enumerate(rows)]
        _xlsx_file(case["how"], path, header, numbered)
        _run_file(embedded_hub, XLSX_CONFIG, path, case, counts)
    assert counts.adds_up()
