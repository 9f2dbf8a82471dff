"""Sample sources of four of the seven priority sectors: health, education, commerce (the
province's products on e-commerce platforms, 2,394 of them in Tiền Giang in 2023) and finance
(public-investment disbursement). Agriculture, transport and environment are in
``sectors_rivers``.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from connectors.samples.dossiers import SampleExport
from connectors.samples.kit import (
    UNKNOWN_COMMUNE,
    CsvFile,
    Flaw,
    Row,
    XlsxFile,
    bad_tax_code,
    cell,
    cells,
    commune,
    commune_and_place,
    full_name,
    moment_between,
    tax_code,
    unit,
    vn_int,
    vn_time,
    weighted,
    write_rows,
)

_FACILITY_KINDS = [
    ("Trạm y tế", 45),
    ("Nhà thuốc", 25),
    ("Phòng khám", 18),
    ("Trung tâm y tế", 7),
    ("Bệnh viện", 5),
]
_CLINICS = ["Tâm Đức", "Phước An", "Thiện Nhân", "Minh Tâm", "An Khang"]
_PHARMACIES = ["Ngọc Lan", "Minh Châu", "Thanh Tâm", "Phúc An", "Hồng Đức", "Bảo Ngọc"]
HEALTH_HEADER = [
    "Mã cơ sở KCB",
    "Tên cơ sở",
    "Loại hình",
    "Mã xã/phường",
    "Số giường bệnh",
    "Số giấy phép hoạt động",
    "Người phụ trách chuyên môn",
]


def write_health(path: Path, *, rows: int = 150, seed: int = 2025) -> SampleExport:
    """Facilities with BHYT codes of old Tiền Giang (82xxx) and old Đồng Tháp (87xxx)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible sample data, not secrets
    data: list[Row] = []
    for index in range(rows):
        kind = weighted(rng, _FACILITY_KINDS)
        code, where = commune_and_place(rng, old_share=0.15)
        old_tg = index % 2 == 0
        if kind == "Trạm y tế":
            name, beds = f"Trạm Y tế {unit(code)}", rng.randrange(2, 9)
        elif kind == "Trung tâm y tế":
            name, beds = f"Trung tâm Y tế khu vực {where}", rng.randrange(60, 250)
        elif kind == "Bệnh viện":
            name = rng.choice(["Bệnh viện Đa khoa khu vực", "Bệnh viện Y dược cổ truyền"])
            name, beds = f"{name} {where}", rng.randrange(150, 800)
        elif kind == "Phòng khám":
            name, beds = f"Phòng khám đa khoa {rng.choice(_CLINICS)} {where}", rng.randrange(16)
        else:
            name, beds = f"Nhà thuốc {rng.choice(_PHARMACIES)} {where}", None
        data.append(
            {
                "Mã cơ sở KCB": f"{'82' if old_tg else '87'}{(index // 2 + 1) % 1000:03d}",
                "Tên cơ sở": name,
                "Loại hình": kind,
                "Mã xã/phường": code,
                "Số giường bệnh": None if beds is None else vn_int(beds),
                "Số giấy phép hoạt động": f"{index + 1:06d}/{'TG' if old_tg else 'ĐT'}-GPHĐ",
                "Người phụ trách chuyên môn": full_name(rng),
            }
        )
    flaws = [
        cell("Loại hình", "Cơ sở thẩm mỹ", "choice"),
        cell("Số giường bệnh", "N/A", "vn_integer"),
        cell("Mã cơ sở KCB", "8A001", "facility_code_shape"),
        cell("Số giấy phép hoạt động", "", "required"),
        cells({"Loại hình": "Bệnh viện", "Số giường bệnh": ""}, "hospital_needs_beds"),
    ]
    return write_rows(path, HEALTH_HEADER, data, flaws, seed=seed, form=CsvFile(","))


# (level, weight, name pattern, students range)
_LEVELS = [
    ("Mầm non", 30, "Trường Mầm non {flower} {place}", (120, 450)),
    ("Tiểu học", 35, "Trường Tiểu học {place}", (250, 1200)),
    ("Trung học cơ sở", 22, "Trường THCS {place}", (350, 1500)),
    ("Trung học phổ thông", 9, "Trường THPT {place}", (600, 2200)),
    ("Nhiều cấp học", 2, "Trường TH, THCS và THPT {place}", (500, 1800)),
    ("Giáo dục thường xuyên", 2, "Trung tâm GDNN - GDTX {place}", (150, 700)),
]
_FLOWERS = ["Hoa Sen", "Sơn Ca", "Họa Mi", "Vàng Anh", "Hướng Dương", "Tuổi Thơ"]
SCHOOL_HEADER = [
    "STT",
    "Mã trường",
    "Tên trường",
    "Cấp học",
    "Loại hình",
    "Mã xã/phường",
    "Số học sinh",
    "Hiệu trưởng",
]
SCHOOL_SHEET = "Trường học"


def write_schools(path: Path, *, rows: int = 150, seed: int = 2025) -> SampleExport:
    """The school list of the 2025–2026 school year as a workbook; students are numbers."""
    rng = random.Random(seed)  # noqa: S311 - reproducible sample data, not secrets
    seen: dict[str, int] = {}
    data: list[Row] = []
    for index in range(rows):
        level, _, pattern, (low, high) = rng.choices(_LEVELS, [lv[1] for lv in _LEVELS])[0]
        code, where = commune_and_place(rng, old_share=0.2)
        name = pattern.format(flower=rng.choice(_FLOWERS), place=where)
        seen[name] = seen.get(name, 0) + 1
        private = rng.random() < (0.3 if level == "Mầm non" else 0.03)
        data.append(
            {
                "STT": index + 1,
                "Mã trường": f"82{index + 1:06d}",
                "Tên trường": name if seen[name] == 1 else f"{name} {seen[name]}",
                "Cấp học": level,
                "Loại hình": "Ngoài công lập" if private else "Công lập",
                "Mã xã/phường": code,
                "Số học sinh": rng.randrange(low, high),
                "Hiệu trưởng": full_name(rng),
            }
        )
    flaws = [
        cell("Cấp học", "Đại học", "choice"),
        cell("Số học sinh", "N/A", "vn_integer"),
        cell("Số học sinh", 12500, "students_range"),
        cell("Tên trường", None, "required"),
        cell("Mã xã/phường", UNKNOWN_COMMUNE, "commune_2025"),
    ]
    title = ("SỞ GIÁO DỤC VÀ ĐÀO TẠO TỈNH ĐỒNG THÁP", "DANH SÁCH TRƯỜNG HỌC NĂM HỌC 2025 - 2026")
    form = XlsxFile(SCHOOL_SHEET, title=title)
    return write_rows(path, SCHOOL_HEADER, data, flaws, seed=seed, form=form)


_PLATFORMS = [
    ("Shopee", 40),
    ("TikTok Shop", 20),
    ("Lazada", 18),
    ("Postmart", 7),
    ("Tiki", 6),
    ("Sendo", 4),
    ("Voso", 3),
    ("Khác", 2),
]
# (product, price range in thousands of đồng)
_PRODUCTS = [
    ("Vú sữa Lò Rèn Vĩnh Kim hộp 2 kg", (120, 180)),
    ("Sầu riêng Ri6 Ngũ Hiệp (trái 3 kg)", (250, 400)),
    ("Xoài cát Hòa Lộc 1 kg", (60, 90)),
    ("Thanh long ruột đỏ Chợ Gạo 2 kg", (45, 70)),
    ("Hủ tiếu khô Mỹ Tho 500 g", (35, 55)),
    ("Mắm tôm chà Gò Công hũ 300 g", (60, 90)),
    ("Hạt sen sấy Tháp Mười 500 g", (90, 150)),
    ("Trà tim sen 200 g", (70, 120)),
    ("Khóm sấy dẻo Tân Phước 250 g", (45, 70)),
    ("Gạo ST25 túi 5 kg", (150, 200)),
    ("Mật ong hoa tràm 500 ml", (120, 180)),
    ("Quýt hồng Lai Vung 2 kg", (80, 120)),
]
LISTING_HEADER = [
    "Mã tin đăng",
    "Sàn TMĐT",
    "Tên sản phẩm",
    "MST người bán",
    "Mã sản phẩm OCOP",
    "Giá bán (đồng)",
    "Ngày đăng",
]


def write_listings(path: Path, *, rows: int = 150, seed: int = 2394) -> SampleExport:
    """Listings posted from July 2025; about one in five is an OCOP product."""
    rng = random.Random(seed)  # noqa: S311 - reproducible sample data, not secrets
    start = dt.datetime(2025, 7, 1)
    data: list[Row] = []
    for index in range(rows):
        platform = weighted(rng, _PLATFORMS)
        product, (low, high) = rng.choice(_PRODUCTS)
        ocop = rng.random() < 0.2
        data.append(
            {
                "Mã tin đăng": f"TMDT-82-{index + 1:06d}",
                "Sàn TMĐT": platform,
                "Tên sản phẩm": product,
                "MST người bán": tax_code(rng) if rng.random() < 0.85 else None,
                "Mã sản phẩm OCOP": f"OCOP-DT-2024-{rng.randrange(1, 158):04d}" if ocop else None,
                "Giá bán (đồng)": vn_int(rng.randrange(low, high + 1) * 1000),
                "Ngày đăng": vn_time(moment_between(rng, start, 140)),
            }
        )
    flaws = [
        cell("Sàn TMĐT", "Facebook", "choice"),
        cell("Giá bán (đồng)", "Liên hệ", "vn_integer"),
        cell("Giá bán (đồng)", "0", "price_positive"),
        cell("MST người bán", bad_tax_code(tax_code(rng)), "seller_mst"),
        cell("Ngày đăng", "15/15/2025 10:00", "vn_datetime"),
    ]
    return write_rows(path, LISTING_HEADER, data, flaws, seed=seed, form=CsvFile(","))


_TRANSPORT_BOARD = "Ban Quản lý dự án đầu tư xây dựng công trình giao thông tỉnh"
_FARM_BOARD = "Ban Quản lý dự án đầu tư xây dựng công trình nông nghiệp và PTNT tỉnh"
_CIVIL_BOARD = "Ban Quản lý dự án đầu tư xây dựng công trình dân dụng và công nghiệp tỉnh"
# (name pattern, investor, capital sources, allocation range in hundreds of millions of đồng,
#  whether the project lies in one commune)
_PROJECTS = [
    (
        "Nâng cấp, mở rộng đường tỉnh {road}",
        _TRANSPORT_BOARD,
        ["Ngân sách trung ương", "Ngân sách tỉnh"],
        (200, 3000),
        False,
    ),
    (
        "Kè chống sạt lở bờ sông đoạn qua {place}",
        _FARM_BOARD,
        ["Ngân sách trung ương", "Ngân sách tỉnh"],
        (300, 1500),
        True,
    ),
    ("Cống ngăn mặn {place}", _FARM_BOARD, ["Ngân sách trung ương", "Vốn ODA"], (150, 1200), True),
    (
        "Hệ thống cấp nước sạch nông thôn {place}",
        _FARM_BOARD,
        ["Vốn ODA", "Ngân sách tỉnh"],
        (100, 600),
        True,
    ),
    ("Xây dựng Trường THCS {place}", _CIVIL_BOARD, ["Xổ số kiến thiết"], (50, 400), True),
    (
        "Nâng cấp Trạm Y tế {place}",
        "Ủy ban nhân dân {commune}",
        ["Xổ số kiến thiết"],
        (20, 80),
        True,
    ),
    (
        "Chỉnh trang đô thị {place}",
        "Ủy ban nhân dân {commune}",
        ["Thu tiền sử dụng đất", "Ngân sách tỉnh"],
        (100, 800),
        True,
    ),
]
_ROADS = ["864", "867", "868", "870B", "872", "877", "845", "849", "852B"]
_CUTOFFS = [dt.datetime(2025, 9, 30), dt.datetime(2025, 10, 31)]
ALLOCATED = "Kế hoạch vốn năm 2025 (đồng)"
DISBURSED = "Lũy kế giải ngân (đồng)"
DISBURSEMENT_HEADER = [
    "STT",
    "Mã dự án",
    "Tên dự án",
    "Chủ đầu tư",
    "Nguồn vốn",
    "Mã xã/phường",
    "Ngày chốt số liệu",
    ALLOCATED,
    DISBURSED,
    "Dự án trọng điểm",
]
DISBURSEMENT_SHEET = "Giải ngân"


def write_disbursement(path: Path, *, rows: int = 120, seed: int = 2025) -> SampleExport:
    """The 2025 disbursement report as a workbook: a summary sheet first, then "Giải ngân"
    with amounts in đồng as numbers and each project's latest cut-off date."""
    rng = random.Random(seed)  # noqa: S311 - reproducible sample data, not secrets
    data: list[Row] = []
    for index in range(rows):
        pattern, investor, sources, (low, high), local = rng.choice(_PROJECTS)
        code = commune(rng, old_share=0.1)
        where = unit(code)
        allocated = rng.randrange(low, high) * 100_000_000
        disbursed = int(allocated * rng.uniform(0.2, 0.95)) // 1_000_000 * 1_000_000
        data.append(
            {
                "STT": index + 1,
                "Mã dự án": f"DTC-2025-{index + 1:04d}",
                "Tên dự án": pattern.format(road=rng.choice(_ROADS), place=where),
                "Chủ đầu tư": investor.format(commune=where),
                "Nguồn vốn": rng.choice(sources),
                "Mã xã/phường": code if local else None,
                "Ngày chốt số liệu": rng.choices(_CUTOFFS, [1, 4])[0],
                ALLOCATED: allocated,
                DISBURSED: disbursed,
                "Dự án trọng điểm": "Có" if allocated >= 150_000_000_000 else "Không",
            }
        )

    def overspent(row: Row) -> None:
        row[DISBURSED] = int(row[ALLOCATED]) + 1_500_000_000

    flaws = [
        cell(ALLOCATED, "N/A", "vn_integer"),
        Flaw("disbursed_within_allocation", overspent),
        cell("Nguồn vốn", "Vốn vay tín dụng", "choice"),
        cell("Dự án trọng điểm", "Chưa xác định", "vn_bool"),
        cell("Ngày chốt số liệu", "31/09/2025", "vn_datetime"),
    ]
    title = (
        "SỞ TÀI CHÍNH TỈNH ĐỒNG THÁP",
        "BIỂU TỔNG HỢP TÌNH HÌNH GIẢI NGÂN VỐN ĐẦU TƯ CÔNG NĂM 2025",
        "Đơn vị tính: đồng",
    )
    form = XlsxFile(DISBURSEMENT_SHEET, title=title, before=("Tổng hợp",))
    return write_rows(path, DISBURSEMENT_HEADER, data, flaws, seed=seed, form=form)
