"""A synthetic iGate dossier export for Đồng Tháp (which absorbed Tiền Giang on 1 July 2025).

Seeded and reproducible. Proportions echo the province's published figures: 44.33% of dossiers
filed online (Tiền Giang, 2023) and 99.7% handled on time (Long An). A few rows are invalid on
purpose — a malformed CCCD, an impossible date, an empty required cell, an unknown commune code,
a deadline before receipt — and the generator says which, so tests can check every one is caught.

The columns the Decision 766 index reads (schema version 2: synced to the national portal,
result digitised, components, satisfaction) come last, drawn from a random stream of their own:
every other column, and which rows are flawed, are exactly what version 1 of the sample wrote.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hub.identifiers.admin_units import wards_of_province
from hub.vietnam_time import VIETNAM_TZ as _VN

DONG_THAP_2025 = 82
# Old province codes kept in CCCD numbers of people born in today's Đồng Tháp and neighbours.
_BIRTH_PROVINCES = ["082", "082", "082", "087", "087", "080", "083", "079"]

# The columns of schema version 2, for the Decision 766 index; an older export lacks them.
INDEX_COLUMNS = [
    "Đồng bộ Cổng DVC quốc gia",
    "Số hóa kết quả",
    "Số thành phần hồ sơ",
    "Số thành phần đã số hóa",
    "Số thành phần tái sử dụng",
    "Đánh giá hài lòng",
]
HEADER = [
    "Mã hồ sơ",
    "Mã thủ tục",
    "Tên thủ tục",
    "Mã cơ quan tiếp nhận",
    "Số CCCD người nộp",
    "Họ và tên người nộp",
    "Mã xã/phường",
    "Kênh nộp",
    "Ngày tiếp nhận",
    "Hạn xử lý",
    "Ngày trả kết quả",
    "Trạng thái",
    "Thanh toán trực tuyến",
    "Lệ phí (đồng)",
    *INDEX_COLUMNS,
]

# (synthetic procedure code, name, level, processing days, fee in đồng)
_PROCEDURES = [
    ("1.001193", "Đăng ký khai sinh", "xa", 1, 0),
    ("1.000894", "Đăng ký kết hôn", "xa", 3, 0),
    ("2.000635", "Cấp bản sao trích lục hộ tịch", "xa", 1, 8000),
    ("1.004222", "Chứng thực bản sao từ bản chính", "xa", 1, 2000),
    ("2.000046", "Đăng ký thường trú", "xa", 7, 20000),
    ("2.001035", "Đăng ký thành lập hộ kinh doanh", "xa", 3, 100000),
    ("1.009994", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "tinh", 15, 75000),
    ("1.000656", "Cấp Phiếu lý lịch tư pháp", "tinh", 10, 200000),
    ("1.004946", "Cấp Giấy chứng nhận quyền sử dụng đất lần đầu", "tinh", 30, 100000),
    ("2.002130", "Cấp giấy phép lái xe (đổi)", "tinh", 5, 135000),
]
_SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Phan", "Trương", "Đặng", "Bùi"]
_MIDDLE = {"m": ["Văn", "Minh", "Hữu", "Thanh", "Quốc"], "f": ["Thị", "Ngọc", "Thanh", "Kim"]}
_GIVEN = {
    "m": ["An", "Bình", "Cường", "Dũng", "Hiếu", "Khoa", "Lộc", "Phúc", "Tâm", "Tuấn"],
    "f": ["Hà", "Hạnh", "Hòa", "Lan", "Linh", "Nhung", "Thảo", "Trang", "Vy", "Yến"],
}
_STATUS = [
    ("Đã trả kết quả", 80),
    ("Đang xử lý", 12),
    ("Đã tiếp nhận", 5),
    ("Trả lại hồ sơ", 2),
    ("Rút hồ sơ", 1),
]
_FLAWS = ["cccd", "impossible_date", "empty_required", "unknown_commune", "due_before_received"]
# Rates of the index columns: most dossiers synced to the national portal, most finished
# dossiers' results digitised, online dossiers digitised whole, some components reused, and a
# few applicants dissatisfied.
_SYNCED = 0.93
_RESULT_DIGITISED = 0.88
_OFFLINE_FULLY_DIGITISED = 0.55
_REUSING = 0.22
_RATINGS = [("Chưa đánh giá", 45), ("Hài lòng", 52), ("Không hài lòng", 3)]
_SATISFACTION_CODES = {
    "Chưa đánh giá": "none",
    "Hài lòng": "satisfied",
    "Không hài lòng": "dissatisfied",
}


@dataclass
class SampleExport:
    path: Path
    rows: int
    invalid_rows: dict[int, str] = field(default_factory=dict)  # spreadsheet row -> flaw

    @property
    def valid_rows(self) -> int:
        return self.rows - len(self.invalid_rows)


def write_dossier_export(
    path: Path, *, rows: int = 400, seed: int = 766, invalid_share: float = 0.06, bom: bool = True
) -> SampleExport:
    """Write the export and say which spreadsheet rows are flawed on purpose."""
    export = SampleExport(path=path, rows=rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADER)
        for index, row, flaw in _export_rows(rows, seed, invalid_share):
            if flaw is not None:
                export.invalid_rows[index + 2] = flaw
            writer.writerow(row)
    return export


@dataclass(frozen=True)
class DossierReference:
    """A valid dossier of an export, as a citizen's feedback would name it."""

    dossier_id: str
    receiving_agency_code: str
    received_at: dt.datetime  # aware, Vietnam time


def dossier_references(
    rows: int = 400, *, seed: int = 766, invalid_share: float = 0.06
) -> list[DossierReference]:
    """The valid dossiers ``write_dossier_export`` writes with these arguments (the demo's by
    default), without writing the file."""
    return [
        DossierReference(row[0], row[3], _parsed(row[8]))
        for _, row, flaw in _export_rows(rows, seed, invalid_share)
        if flaw is None
    ]


def _export_rows(
    rows: int, seed: int, invalid_share: float
) -> Iterator[tuple[int, list[str], str | None]]:
    """Each row of the export with its flaw (None for a valid row). The index columns come
    from their own stream, so the other columns and the flaws are those of version 1."""
    rng = random.Random(seed)  # noqa: S311 - reproducible sample data, not secrets
    extra = random.Random(f"{seed}:index766")  # noqa: S311 - the same
    wards = [f"{w.code.value:05d}" for w in wards_of_province(DONG_THAP_2025)]
    flaws = 0
    for index in range(rows):
        row = _dossier(rng, index, wards)
        row += _index_columns(extra, row)
        flaw = None
        if rng.random() < invalid_share:
            flaw = _FLAWS[flaws % len(_FLAWS)]
            flaws += 1
            _spoil(row, flaw)
        yield index, row, flaw


_STATUS_CODES = {
    "Đã trả kết quả": "finished",
    "Đang xử lý": "processing",
    "Đã tiếp nhận": "received",
    "Trả lại hồ sơ": "returned",
    "Rút hồ sơ": "withdrawn",
}


def dossier_documents(count: int, *, seed: int = 766, start: int = 0) -> list[dict[str, Any]]:
    """Valid dossiers as JSON, as a department's system would post them to the ingest API."""
    rng = random.Random(seed)  # noqa: S311 - reproducible sample data, not secrets
    extra = random.Random(f"{seed}:index766")  # noqa: S311 - the same
    wards = [f"{w.code.value:05d}" for w in wards_of_province(DONG_THAP_2025)]
    documents = []
    for i in range(count):
        row = _dossier(rng, start + i, wards)
        documents.append(_document(row + _index_columns(extra, row)))
    return documents


def _document(row: list[str]) -> dict[str, Any]:
    def iso(text: str) -> str | None:
        return _parsed(text).isoformat() if text else None

    return {
        "dossier_id": row[0],
        "procedure_code": row[1],
        "procedure_name": row[2],
        "receiving_agency_code": row[3],
        "applicant_id_number": row[4],
        "applicant_name": row[5],
        "commune_code": row[6],
        "channel": "online" if row[7] == "Trực tuyến" else "offline",
        "received_at": iso(row[8]),
        "due_at": iso(row[9]),
        "finished_at": iso(row[10]),
        "status": _STATUS_CODES[row[11]],
        "paid_online": row[12] == "Có",
        "fee_vnd": int(row[13].replace(".", "")),
        "synced_national": row[14] == "Có",
        "result_digitised": row[15] == "Có",
        "components_total": int(row[16]),
        "components_digitised": int(row[17]),
        "reused_components": int(row[18]),
        "satisfaction": _SATISFACTION_CODES[row[19]],
    }


def _parsed(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%d/%m/%Y %H:%M").replace(tzinfo=_VN)


def _index_columns(rng: random.Random, row: list[str]) -> list[str]:
    """The cells of INDEX_COLUMNS for a dossier row (before any flaw is planted), always
    consistent: digitised and reused components are among the dossier's components."""
    online = row[7] == "Trực tuyến"
    finished = row[11] == "Đã trả kết quả"
    synced = rng.random() < _SYNCED
    total = rng.randint(1, 6)
    fully = online or rng.random() < _OFFLINE_FULLY_DIGITISED
    digitised = total if fully else rng.randrange(0, total)
    reused = rng.randint(1, digitised) if digitised and rng.random() < _REUSING else 0
    result_digitised = finished and rng.random() < _RESULT_DIGITISED
    rating = _weighted(rng, _RATINGS) if finished else "Chưa đánh giá"
    return [
        "Có" if synced else "Không",
        "Có" if result_digitised else "Không",
        str(total),
        str(digitised),
        str(reused),
        rating,
    ]


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in pairs], weights=[w for _, w in pairs])[0]


def _dossier(rng: random.Random, index: int, wards: list[str]) -> list[str]:
    code, name, level, days, fee = rng.choice(_PROCEDURES)
    ward = rng.choice(wards)
    agency = f"UBND-{ward}" if level == "xa" else "TTPVHCC-82"
    online = rng.random() < 0.4433
    received = dt.datetime(2025, 7, 1, 7, 30) + dt.timedelta(
        days=rng.randrange(0, 150), minutes=rng.randrange(0, 9 * 60)
    )
    due = received + dt.timedelta(days=days)
    status = rng.choices([s for s, _ in _STATUS], weights=[w for _, w in _STATUS])[0]
    finished = ""
    if status == "Đã trả kết quả":
        finished = _vn(_finished_at(rng, received, due, days))
    paid_online = online and fee > 0 and rng.random() < 0.6
    return [
        f"DT-{received:%y%m%d}-{index + 1:05d}",
        code,
        name,
        agency,
        _cccd(rng),
        _full_name(rng),
        ward,
        "Trực tuyến" if online else "Trực tiếp",
        _vn(received),
        _vn(due),
        finished,
        status,
        "Có" if paid_online else "Không",
        f"{fee:,}".replace(",", "."),
    ]


def _finished_at(
    rng: random.Random, received: dt.datetime, due: dt.datetime, days: int
) -> dt.datetime:
    """Within office hours; on time for 99.7% of dossiers, a few days late otherwise."""
    late = rng.random() >= 0.997
    day = (due if late else received).date() + dt.timedelta(
        days=rng.randrange(1, 5) if late else rng.randrange(0, days + 1)
    )
    moment = dt.datetime.combine(day, dt.time(rng.randrange(7, 17), rng.randrange(0, 60)))
    if moment <= received:
        moment = received + dt.timedelta(hours=2)
    if not late and moment > due:
        moment = due
    return moment


def _spoil(row: list[str], flaw: str) -> None:
    if flaw == "cccd":
        row[4] = row[4][:-1]  # 11 digits
    elif flaw == "impossible_date":
        row[8] = "31/02/2025 08:15"
    elif flaw == "empty_required":
        row[1] = ""
    elif flaw == "unknown_commune":
        row[6] = "99999"
    elif flaw == "due_before_received":
        row[8], row[9] = row[9], row[8]
        row[10] = ""


def _cccd(rng: random.Random) -> str:
    year = rng.randrange(1950, 2006)
    gender = rng.randrange(2)
    century_digit = (0 if year < 2000 else 2) + gender
    serial = rng.randrange(0, 1_000_000)
    return f"{rng.choice(_BIRTH_PROVINCES)}{century_digit}{year % 100:02d}{serial:06d}"


def _full_name(rng: random.Random) -> str:
    sex = rng.choice("mf")
    return f"{rng.choice(_SURNAMES)} {rng.choice(_MIDDLE[sex])} {rng.choice(_GIVEN[sex])}"


def _vn(moment: dt.datetime) -> str:
    return moment.strftime("%d/%m/%Y %H:%M")
