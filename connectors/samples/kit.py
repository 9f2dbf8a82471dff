"""What every sample source shares: the province's communes, Vietnamese names and numbers, the
file formats departments export, and flaws planted on purpose.

A generator builds each row as the export shows it (header → cell), then ``write_rows`` spoils a
few seeded rows and writes the file. ``SampleExport.invalid_rows`` maps each spoiled row, as a
spreadsheet numbers it, to the rule that must reject it: a converter (``vn_decimal``,
``choice``, ``required``, ...) or a contract rule of the dataset (``salinity_range``, ...).
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import openpyxl
from stdnum.vn import mst
from vietnamadminunits.database import get_data

from connectors.samples.dossiers import SampleExport
from hub.identifiers.admin_units import (
    commune_code_2025,
    is_commune_code_2025,
    wards_of_province,
)

DONG_THAP_2025 = 82
# Pre-2025 provinces merged into today's Đồng Tháp: Tiền Giang (82) and Đồng Tháp (87).
_OLD_PROVINCES = {"82", "87"}
UNKNOWN_COMMUNE = "99999"  # in neither list

Row = dict[str, Any]  # header → cell, as the export shows it

T = TypeVar("T")


@cache
def wards_2025() -> tuple[str, ...]:
    """The 2025 commune codes of Đồng Tháp (province 82)."""
    return tuple(f"{w.code.value:05d}" for w in wards_of_province(DONG_THAP_2025))


@cache
def ward_names() -> dict[str, str]:
    """2025 code → name ("Xã Vĩnh Kim", "Phường Sa Đéc")."""
    return {f"{w.code.value:05d}": w.name for w in wards_of_province(DONG_THAP_2025)}


@cache
def legacy_codes() -> tuple[str, ...]:
    """Real commune codes of old Tiền Giang and Đồng Tháp that the 2025 list no longer has
    (vietnamadminunits' legacy table): what an older export still carries."""
    rows = get_data(fields=["wardCode", "provinceCode"], table="admin_units_legacy")
    codes = {
        str(row["wardCode"]).zfill(5)
        for row in rows
        if str(row["provinceCode"]).zfill(2) in _OLD_PROVINCES
    }
    return tuple(sorted(c for c in codes if not is_commune_code_2025(c)))


def commune(rng: random.Random, old_share: float = 0.0) -> str:
    """A commune of the province: its 2025 code, or with ``old_share`` a pre-2025 code."""
    if old_share and rng.random() < old_share:
        return rng.choice(legacy_codes())
    return rng.choice(wards_2025())


def place(code: str) -> str:
    """The commune's name without "Xã"/"Phường" ("Vĩnh Kim"), for a code of either list."""
    return ward_names()[commune_code_2025(code) or code].split(" ", 1)[1]


def unit(code: str) -> str:
    """The commune as a sentence names it ("xã Vĩnh Kim", "phường Sa Đéc")."""
    name = ward_names()[commune_code_2025(code) or code]
    return name[0].lower() + name[1:]


def commune_and_place(rng: random.Random, old_share: float = 0.0) -> tuple[str, str]:
    """A commune code as the export has it, and the name of the 2025 commune it is in."""
    code = commune(rng, old_share)
    return code, place(code)


_SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Phan", "Trương", "Đặng", "Bùi"]
_MIDDLE = {"m": ["Văn", "Minh", "Hữu", "Thanh", "Quốc"], "f": ["Thị", "Ngọc", "Thanh", "Kim"]}
_GIVEN = {
    "m": ["An", "Bình", "Cường", "Dũng", "Hiếu", "Khoa", "Lộc", "Phúc", "Tâm", "Tuấn"],
    "f": ["Hà", "Hạnh", "Hòa", "Lan", "Linh", "Nhung", "Thảo", "Trang", "Vy", "Yến"],
}


def weighted(rng: random.Random, pairs: Sequence[tuple[T, float]]) -> T:
    """One value of (value, weight) pairs, drawn by weight."""
    return rng.choices([value for value, _ in pairs], weights=[w for _, w in pairs])[0]


def full_name(rng: random.Random) -> str:
    sex = rng.choice("mf")
    return f"{rng.choice(_SURNAMES)} {rng.choice(_MIDDLE[sex])} {rng.choice(_GIVEN[sex])}"


def tax_code(rng: random.Random) -> str:
    """A valid 10-digit tax code (MST) of a business registered in old Tiền Giang (12) or old
    Đồng Tháp (14)."""
    while True:
        body = f"{rng.choice(['12', '14'])}{rng.randrange(1_000_000, 10_000_000):07d}"
        check = mst.calc_check_digit(body)
        if len(check) == 1:  # a body whose check would be "10" is never issued
            return body + check


def bad_tax_code(code: str) -> str:
    """The same tax code with a wrong check digit."""
    return code[:9] + str((int(code[9]) + 1) % 10)


def phone(rng: random.Random) -> str:
    return f"0{rng.choice(['90', '91', '93', '94', '97', '98', '32', '33', '35', '77', '83'])}" + (
        f"{rng.randrange(0, 10_000_000):07d}"
    )


def vn_int(value: int) -> str:
    """1250000 → "1.250.000"."""
    return f"{value:,}".replace(",", ".")


def vn_dec(value: float, places: int = 2) -> str:
    """1234.5 → "1.234,50": '.' between thousands, ',' before the decimals."""
    return f"{value:,.{places}f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def vn_time(moment: dt.datetime) -> str:
    return moment.strftime("%d/%m/%Y %H:%M")


def vn_date(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def moment_between(rng: random.Random, start: dt.datetime, days: int) -> dt.datetime:
    """A time in office hours (07:00–17:00) within ``days`` days from ``start``."""
    day = start + dt.timedelta(days=rng.randrange(days))
    return day.replace(hour=rng.randrange(7, 17), minute=rng.randrange(60), second=0)


@dataclass(frozen=True)
class Flaw:
    """A deliberate fault: ``spoil`` changes one row so that ``rule`` rejects it."""

    rule: str
    spoil: Callable[[Row], None]


def cell(column: str, value: Any, rule: str) -> Flaw:
    """A flaw that puts ``value`` in ``column``."""

    def spoil(row: Row) -> None:
        row[column] = value

    return Flaw(rule, spoil)


def cells(values: dict[str, Any], rule: str) -> Flaw:
    """A flaw that sets several cells at once (a contract rule over two fields)."""

    def spoil(row: Row) -> None:
        row.update(values)

    return Flaw(rule, spoil)


@dataclass(frozen=True)
class CsvFile:
    """A CSV export: ``encoding`` utf-8, utf-8-sig (with BOM) or utf-16 (Excel "Unicode
    Text")."""

    delimiter: str = ","
    encoding: str = "utf-8-sig"


@dataclass(frozen=True)
class XlsxFile:
    """A sheet of a workbook, below the agency's title lines; ``before`` are sheets placed
    ahead of it (a summary), so the data is not the first sheet."""

    sheet: str
    title: tuple[str, ...] = ()
    before: tuple[str, ...] = ()


def write_rows(
    path: Path,
    header: Sequence[str],
    rows: list[Row],
    flaws: Sequence[Flaw],
    *,
    seed: int,
    form: CsvFile | XlsxFile,
) -> SampleExport:
    """Spoil a seeded handful of rows (every flaw at least once when there are rows enough),
    write the file, and say which spreadsheet rows are flawed and by which rule."""
    first_row = 2 if isinstance(form, CsvFile) else len(form.title) + 3  # title, blank, header
    planted: dict[int, str] = {}
    if rows and flaws:
        rng = random.Random(f"{seed}:flaws")  # noqa: S311 - reproducible sample data
        count = min(len(rows), max(len(flaws), len(rows) // 25))
        for n, index in enumerate(sorted(rng.sample(range(len(rows)), count))):
            flaw = flaws[n % len(flaws)]
            flaw.spoil(rows[index])
            planted[first_row + index] = flaw.rule
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(form, CsvFile):
        _write_csv(path, header, rows, form)
    else:
        _write_xlsx(path, header, rows, form)
    return SampleExport(path=path, rows=len(rows), invalid_rows=planted)


def _write_csv(path: Path, header: Sequence[str], rows: list[Row], form: CsvFile) -> None:
    with path.open("w", encoding=form.encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=form.delimiter, lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([_csv_text(row.get(column)) for column in header])


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return vn_time(value)
    if isinstance(value, dt.date):
        return vn_date(value)
    return str(value)


def _write_xlsx(path: Path, header: Sequence[str], rows: list[Row], form: XlsxFile) -> None:
    workbook = openpyxl.Workbook()
    del workbook[workbook.sheetnames[0]]  # the default "Sheet"
    for name in form.before:
        workbook.create_sheet(name).append([f"Xem trang '{form.sheet}'"])
    data = workbook.create_sheet(form.sheet)
    for line in form.title:
        data.append([line])
    data.append([])
    data.append(list(header))
    for row in rows:
        data.append([row.get(column) for column in header])
    for column_cells in data.iter_cols(min_row=len(form.title) + 2):
        for item in column_cells:
            if isinstance(item.value, dt.datetime):
                item.number_format = "dd/mm/yyyy hh:mm" if item.value.hour else "dd/mm/yyyy"
            elif isinstance(item.value, int) and not isinstance(item.value, bool):
                item.number_format = "#,##0"  # shown 1.250.000 in a Vietnamese Excel
    workbook.save(path)
