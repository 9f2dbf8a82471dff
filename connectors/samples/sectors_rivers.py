"""Sample sources of the priority sectors that live on the rivers: agriculture (crop areas by
commune and season), transport-logistics (cargo through river ports) and natural resources and
environment (surface-water quality).
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from connectors.samples.dossiers import SampleExport
from connectors.samples.kit import (
    UNKNOWN_COMMUNE,
    CsvFile,
    Row,
    cell,
    cells,
    commune,
    vn_date,
    vn_dec,
    vn_int,
    vn_time,
    weighted,
    write_rows,
)

# (crop, code in the report id, weight, planted ha range, yield t/ha range, seasons)
_ANNUAL = ["Đông Xuân", "Hè Thu", "Thu Đông"]
_CROPS = [
    ("Lúa", "LUA", 30, (300, 3500), (5.5, 7.2), _ANNUAL),
    ("Rau màu", "RAU", 10, (30, 400), (18.0, 30.0), _ANNUAL),
    ("Sen", "SEN", 4, (20, 300), (1.5, 2.5), ["Hè Thu", "Thu Đông"]),
    ("Sầu riêng", "SR", 12, (50, 1500), (15.0, 25.0), ["Cây lâu năm"]),
    ("Xoài", "XOAI", 10, (30, 900), (10.0, 16.0), ["Cây lâu năm"]),
    ("Thanh long", "TL", 10, (50, 1800), (25.0, 40.0), ["Cây lâu năm"]),
    ("Vú sữa", "VS", 6, (20, 400), (12.0, 20.0), ["Cây lâu năm"]),
    ("Dừa", "DUA", 10, (100, 2000), (10.0, 14.0), ["Cây lâu năm"]),
    ("Khóm", "KHOM", 8, (200, 5000), (30.0, 45.0), ["Cây lâu năm"]),
]
_SEASON_CODES = {"Đông Xuân": "DX", "Hè Thu": "HT", "Thu Đông": "TD", "Cây lâu năm": "LN"}
PLANTED = "Diện tích gieo trồng (ha)"
HARVESTED = "Diện tích thu hoạch (ha)"
YIELD = "Năng suất (tấn/ha)"
CROP_HEADER = [
    "Mã dòng báo cáo",
    "Mã xã",
    "Cây trồng",
    "Vụ",
    "Năm",
    PLANTED,
    HARVESTED,
    YIELD,
    "Ảnh hưởng xâm nhập mặn",
    "Ngày báo cáo",
]


def write_crop_areas(path: Path, *, rows: int = 150, seed: int = 2025) -> SampleExport:
    """The 2025 crop report of mid-November: Thu Đông rice partly harvested; a third of the
    communes still report under their pre-2025 codes."""
    rng = random.Random(seed)  # noqa: S311 - reproducible sample data, not secrets
    ids: set[str] = set()
    data: list[Row] = []
    for _ in range(rows):
        crop, short, _, (low, high), (y_low, y_high), seasons = rng.choices(
            _CROPS, [c[2] for c in _CROPS]
        )[0]
        code = commune(rng, old_share=0.35)
        season = rng.choice(seasons)
        # one line per commune, crop, season and year: a repeat is last year's report
        year = next(y for y in range(2025, 1900, -1) if _crop_id(code, short, season, y) not in ids)
        report_id = _crop_id(code, short, season, year)
        ids.add(report_id)
        planted = round(rng.uniform(low, high), 1)
        harvested: float | None = round(planted * rng.uniform(0.95, 1.0), 1)
        if season == "Cây lâu năm":  # the bearing area
            harvested = round(planted * rng.uniform(0.7, 0.95), 1)
        elif season == "Thu Đông":
            harvested = None if rng.random() < 0.4 else round(planted * rng.uniform(0.1, 0.6), 1)
        data.append(
            {
                "Mã dòng báo cáo": report_id,
                "Mã xã": code,
                "Cây trồng": crop,
                "Vụ": season,
                "Năm": str(year),
                PLANTED: vn_dec(planted, 1),
                HARVESTED: None if harvested is None else vn_dec(harvested, 1),
                YIELD: None if harvested is None else vn_dec(rng.uniform(y_low, y_high)),
                "Ảnh hưởng xâm nhập mặn": "Có" if rng.random() < 0.12 else "Không",
                "Ngày báo cáo": vn_date(dt.date(year, 11, rng.randrange(10, 21))),
            }
        )
    flaws = [
        cell(PLANTED, "N/A", "vn_decimal"),
        cell("Cây trồng", "Ca cao", "choice"),
        cells({PLANTED: "120,0", HARVESTED: "135,5", YIELD: "6,10"}, "harvested_within_planted"),
        cell("Ảnh hưởng xâm nhập mặn", "Không rõ", "vn_bool"),
        cell("Mã xã", UNKNOWN_COMMUNE, "commune_2025"),
    ]
    return write_rows(path, CROP_HEADER, data, flaws, seed=seed, form=CsvFile(","))


def _crop_id(code: str, crop: str, season: str, year: int) -> str:
    return f"{code}-{crop}-{_SEASON_CODES[season]}-{year}"


# (code, name, commune code as the port register has it; 28636 is a pre-2025 code)
_PORTS = [
    ("MT-01", "Cảng Mỹ Tho", "28261"),
    ("CL-01", "Cảng Cao Lãnh", "29869"),
    ("SD-01", "Cảng Sa Đéc", "29905"),
    ("HN-01", "Bến thủy nội địa Hồng Ngự", "29955"),
    ("CB-01", "Bến thủy nội địa Cái Bè", "28360"),
    ("CG-01", "Bến thủy nội địa Chợ Gạo", "28636"),
]
_VESSELS = [("Sà lan", 45), ("Tàu hàng", 30), ("Tàu container", 15), ("Tàu chở xăng dầu", 10)]
# vessel → (cargo, weight, outbound share)
_CARGO = {
    "Sà lan": [
        ("Vật liệu xây dựng", 50, 0.1),
        ("Lúa gạo", 25, 0.9),
        ("Phân bón", 15, 0.05),
        ("Hàng khác", 10, 0.5),
    ],
    "Tàu hàng": [
        ("Lúa gạo", 35, 0.9),
        ("Trái cây", 30, 0.95),
        ("Thủy sản", 15, 0.9),
        ("Phân bón", 10, 0.05),
        ("Hàng khác", 10, 0.5),
    ],
    "Tàu container": [("Container", 1, 0.6)],
    "Tàu chở xăng dầu": [("Xăng dầu", 1, 0.0)],
}
_TONNES = {"Sà lan": (300, 2500), "Tàu hàng": (150, 1500), "Tàu chở xăng dầu": (200, 1200)}
TONNAGE = "Khối lượng (tấn)"
CARGO_HEADER = [
    "Mã lượt",
    "Mã cảng/bến",
    "Tên cảng/bến",
    "Mã xã/phường",
    "Loại phương tiện",
    "Chiều hàng",
    "Loại hàng",
    TONNAGE,
    "Số container (TEU)",
    "Thời điểm vào/rời cảng",
]


def write_waterway_cargo(path: Path, *, rows: int = 150, seed: int = 2025) -> SampleExport:
    """Vessel calls from September 2025, day and night; UTF-8 without BOM."""
    rng = random.Random(seed)  # noqa: S311 - reproducible sample data, not secrets
    start = dt.datetime(2025, 9, 1)
    data: list[Row] = []
    for index in range(rows):
        port, name, code = rng.choice(_PORTS)
        vessel = weighted(rng, _VESSELS)
        cargo, _, outbound = rng.choices(_CARGO[vessel], [c[1] for c in _CARGO[vessel]])[0]
        teu: int | None = None
        if vessel == "Tàu container":
            teu = rng.randrange(24, 121)
            tonnes = teu * rng.uniform(10.0, 14.0)
        else:
            tonnes = rng.uniform(*_TONNES[vessel])
        moment = start + dt.timedelta(minutes=rng.randrange(75 * 24 * 60))
        data.append(
            {
                "Mã lượt": f"{port}-{moment:%y%m%d}-{index + 1:05d}",
                "Mã cảng/bến": port,
                "Tên cảng/bến": name,
                "Mã xã/phường": code,
                "Loại phương tiện": vessel,
                "Chiều hàng": "Xuất" if rng.random() < outbound else "Nhập",
                "Loại hàng": cargo,
                TONNAGE: vn_dec(tonnes, 1),
                "Số container (TEU)": None if teu is None else vn_int(teu),
                "Thời điểm vào/rời cảng": vn_time(moment),
            }
        )
    flaws = [
        cell(TONNAGE, "N/A", "vn_decimal"),
        cell("Loại phương tiện", "Ghe máy", "choice"),
        cells(
            {
                "Loại phương tiện": "Tàu container",
                "Loại hàng": "Container",
                "Số container (TEU)": "",
            },
            "container_ship_needs_teu",
        ),
        cell(TONNAGE, "12.500,0", "tonnage_range"),
        cell("Thời điểm vào/rời cảng", "24/10/2025 25:10", "vn_datetime"),
    ]
    return write_rows(path, CARGO_HEADER, data, flaws, seed=seed, form=CsvFile(",", "utf-8"))


# (station, name, river or canal, commune code as the station list has it; 28636, 28264,
#  28324 and 28318 are pre-2025 codes)
_WATER_STATIONS = [
    ("NM-01", "Sông Tiền tại cầu Rạch Miễu", "sông Tiền", "28261"),
    ("NM-02", "Sông Tiền tại bến phà Cao Lãnh", "sông Tiền", "29869"),
    ("NM-03", "Sông Tiền tại chợ nổi Cái Bè", "sông Tiền", "28360"),
    ("NM-04", "Kênh Chợ Gạo tại cầu Chợ Gạo", "kênh Chợ Gạo", "28636"),
    ("NM-05", "Sông Bảo Định tại cầu Quay", "sông Bảo Định", "28264"),
    ("NM-06", "Kênh Nguyễn Tấn Thành tại Tân Phước", "kênh Nguyễn Tấn Thành", "28324"),
    ("NM-07", "Sông Sa Đéc tại cầu Sa Đéc", "sông Sa Đéc", "29905"),
    ("NM-08", "Sông Hậu tại Lấp Vò", "sông Hậu", "30169"),
    ("NM-09", "Kênh Hồng Ngự - Vĩnh Hưng", "kênh Hồng Ngự - Vĩnh Hưng", "29955"),
    ("NM-10", "Sông Gò Công tại cầu Long Chánh", "sông Gò Công", "28318"),
]
WATER_HEADER = [
    "Mã mẫu",
    "Mã điểm quan trắc",
    "Tên điểm quan trắc",
    "Sông/kênh",
    "Mã xã/phường",
    "Thời gian lấy mẫu",
    "pH",
    "DO (mg/l)",
    "BOD5 (mg/l)",
    "COD (mg/l)",
    "TSS (mg/l)",
    "N-NH4+ (mg/l)",
    "Coliform (MPN/100ml)",
    "VN_WQI",
    "Vượt QCVN",
]
_LAST_ROUND = dt.datetime(2025, 10, 13, 8, 0)


def write_water_quality(path: Path, *, rows: int = 120, seed: int = 2025) -> SampleExport:
    """Fortnightly sampling rounds at ten stations, ending in October 2025 however many rows
    are asked for; semicolons and decimal commas, UTF-8 with BOM."""
    rng = random.Random(seed)  # noqa: S311 - reproducible sample data, not secrets
    rounds = -(-rows // len(_WATER_STATIONS))
    data: list[Row] = []
    for index in range(rows):
        station, name, water, code = _WATER_STATIONS[index % len(_WATER_STATIONS)]
        day = _LAST_ROUND - dt.timedelta(days=14 * (rounds - 1 - index // len(_WATER_STATIONS)))
        sampled = day + dt.timedelta(minutes=30 * (index % len(_WATER_STATIONS)))
        oxygen = rng.uniform(3.8, 6.8)
        bod5 = rng.uniform(3.0, 11.0)
        ammonium = rng.uniform(0.05, 0.95)
        wqi = round(
            max(10.0, min(100.0, 105 - 4 * bod5 - 3 * max(0.0, 6 - oxygen) - 10 * ammonium))
        )
        data.append(
            {
                "Mã mẫu": f"{station}-{sampled:%Y%m%d}",
                "Mã điểm quan trắc": station,
                "Tên điểm quan trắc": name,
                "Sông/kênh": water,
                "Mã xã/phường": code,
                "Thời gian lấy mẫu": vn_time(sampled),
                "pH": vn_dec(rng.uniform(6.6, 7.8)),
                "DO (mg/l)": vn_dec(oxygen),
                "BOD5 (mg/l)": vn_dec(bod5),
                "COD (mg/l)": vn_dec(bod5 * rng.uniform(1.6, 2.4)),
                "TSS (mg/l)": vn_dec(rng.uniform(15, 95), 1) if rng.random() < 0.95 else None,
                "N-NH4+ (mg/l)": vn_dec(ammonium),
                "Coliform (MPN/100ml)": (
                    vn_int(rng.randrange(9, 121) * 100) if rng.random() < 0.85 else None
                ),
                "VN_WQI": str(wqi),
                "Vượt QCVN": "Có" if bod5 > 6 or oxygen < 4.5 else "Không",
            }
        )
    flaws = [
        cell("DO (mg/l)", "N/A", "vn_decimal"),
        cell("pH", "15,20", "ph_range"),
        cell("Thời gian lấy mẫu", "31/04/2025 09:00", "vn_datetime"),
        cell("Vượt QCVN", "?", "vn_bool"),
        cells({"BOD5 (mg/l)": "12,50", "COD (mg/l)": "8,00"}, "cod_not_below_bod5"),
        cell("Mã điểm quan trắc", "", "required"),
    ]
    return write_rows(path, WATER_HEADER, data, flaws, seed=seed, form=CsvFile(";"))
