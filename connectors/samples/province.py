"""Sample sources of the province's own datasets: salinity at the Tiền River mouths, OCOP
products, QR traceability stamps and 1022 hotline feedback.

Figures echo the province: 157 OCOP products on the provincial exchange (Tiền Giang, 2023); QR
stamps for 17 facilities (Long An); salinity measured at the cửa Tiểu and cửa Đại stations in
the 2025 dry season, in exports that still carry pre-2025 commune codes.

The feedback's columns for the Decision 766 index (schema version 2: the agency, the dossier it
is about, when it was resolved, which earlier feedback it repeats) come last, drawn from a
random stream of their own, so every other column and the flawed rows are those of version 1.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from functools import cache
from pathlib import Path

import holidays

from connectors.samples.dossiers import DossierReference, SampleExport, dossier_references
from connectors.samples.kit import (
    UNKNOWN_COMMUNE,
    CsvFile,
    Row,
    XlsxFile,
    bad_tax_code,
    cell,
    cells,
    commune,
    moment_between,
    phone,
    tax_code,
    vn_dec,
    vn_time,
    weighted,
    write_rows,
)
from hub.identifiers.admin_units import commune_code_2025
from hub.vietnam_time import VIETNAM_TZ

# (id, name, river mouth, commune code as the station list has it, latitude, longitude,
#  typical dry-season salinity in g/l). 28666, 28645, 28753 and 28579 are pre-2025 codes
# (Bình Nhì, Hòa Định, Phú Tân, Bình Đức); 28747 and 28696 are 2025 codes.
_STATIONS = [
    ("TG-VK", "Vàm Kênh", "cửa Tiểu", "28747", 10.2804, 106.7418, 14.0),
    ("TG-VG", "Vàm Giồng", "cửa Tiểu", "28666", 10.3010, 106.6190, 8.5),
    ("TG-HD", "Hòa Định", "cửa Tiểu", "28645", 10.3290, 106.5640, 5.0),
    ("TG-PT", "Phú Tân", "cửa Đại", "28753", 10.2370, 106.6710, 11.0),
    ("TG-TPD", "Tân Phú Đông", "cửa Đại", "28696", 10.2620, 106.6050, 7.5),
    ("TG-DT", "Đồng Tâm", "sông Tiền", "28579", 10.3270, 106.3010, 1.8),
]
SALINITY_HEADER = [
    "STT",
    "Mã trạm",
    "Tên trạm",
    "Cửa sông",
    "Mã xã/phường",
    "Vĩ độ",
    "Kinh độ",
    "Độ mặn (g/l)",
    "Thời gian đo",
]


def write_salinity(path: Path, *, rows: int = 120, seed: int = 2025) -> SampleExport:
    """Hourly readings of each station up to the peak of the 2025 dry season (15 March),
    semicolon-separated (the delimiter is found from the header), decimal commas."""
    rng = random.Random(seed)  # noqa: S311 - reproducible sample data, not secrets
    hours = -(-rows // len(_STATIONS))
    start = dt.datetime(2025, 3, 15, 23, 0) - dt.timedelta(hours=hours - 1)
    data: list[Row] = []
    for index in range(rows):
        sid, name, mouth, code, lat, lon, typical = _STATIONS[index % len(_STATIONS)]
        moment = start + dt.timedelta(hours=index // len(_STATIONS))
        tide = math.sin(2 * math.pi * moment.hour / 12.4)  # semi-diurnal tide
        salinity = max(0.1, typical * (1 + 0.3 * tide) + rng.gauss(0, typical * 0.05))
        data.append(
            {
                "STT": index + 1,
                "Mã trạm": sid,
                "Tên trạm": f"Trạm {name}",
                "Cửa sông": mouth,
                "Mã xã/phường": code,
                "Vĩ độ": vn_dec(lat, 4),
                "Kinh độ": vn_dec(lon, 4),
                "Độ mặn (g/l)": vn_dec(salinity),
                "Thời gian đo": vn_time(moment),
            }
        )
    flaws = [
        cell("Thời gian đo", "29/02/2025 07:00", "vn_datetime"),  # 2025 is not a leap year
        cell("Độ mặn (g/l)", "N/A", "vn_decimal"),
        cell("Độ mặn (g/l)", "45,60", "salinity_range"),
        cell("Mã trạm", "", "required"),
        cell("Mã xã/phường", UNKNOWN_COMMUNE, "commune_2025"),
    ]
    return write_rows(path, SALINITY_HEADER, data, flaws, seed=seed, form=CsvFile(";", "utf-8"))


# (product, OCOP group, producer)
_OCOP = [
    ("Vú sữa Lò Rèn Vĩnh Kim", "Thực phẩm", "Hợp tác xã Vú sữa Lò Rèn Vĩnh Kim"),
    ("Sầu riêng Ngũ Hiệp", "Thực phẩm", "Hợp tác xã Nông nghiệp Ngũ Hiệp"),
    ("Xoài cát Hòa Lộc", "Thực phẩm", "Hợp tác xã Xoài cát Hòa Lộc"),
    ("Thanh long Chợ Gạo", "Thực phẩm", "Hợp tác xã Thanh long Chợ Gạo"),
    ("Khóm Tân Phước", "Thực phẩm", "Hợp tác xã Khóm Tân Lập"),
    ("Hủ tiếu Mỹ Tho", "Thực phẩm", "Cơ sở Hủ tiếu Mỹ Tho Chín Hiệp"),
    ("Mắm tôm chà Gò Công", "Thực phẩm", "Cơ sở Mắm tôm chà Gò Công"),
    ("Hạt sen sấy Tháp Mười", "Thực phẩm", "Hợp tác xã Sen Tháp Mười"),
    ("Quýt hồng Lai Vung", "Thực phẩm", "Hợp tác xã Quýt hồng Lai Vung"),
    ("Nem Lai Vung", "Thực phẩm", "Cơ sở Nem Bà Năm Lai Vung"),
    ("Trà tim sen", "Đồ uống", "Công ty TNHH Sen Đồng Tháp"),
    ("Rượu sen Tháp Mười", "Đồ uống", "Cơ sở Rượu sen Tháp Mười"),
    ("Nước cốt dừa đóng lon", "Đồ uống", "Công ty TNHH Dừa Tân Phú Đông"),
    ("Trà khổ qua rừng", "Thảo dược", "Hợp tác xã Dược liệu Cái Bè"),
    ("Tinh dầu sả chanh", "Thảo dược", "Cơ sở Tinh dầu Tràm Chim"),
    ("Khăn choàng dệt thủ công", "Vải và may mặc", "Tổ hợp tác Dệt Cai Lậy"),
    ("Chiếu cói Tân Thới", "Lưu niệm - nội thất - trang trí", "Cơ sở Chiếu Tân Thới"),
    ("Tranh gỗ lục bình", "Lưu niệm - nội thất - trang trí", "Hợp tác xã Lục bình Chợ Gạo"),
    (
        "Du lịch sinh thái cồn Thới Sơn",
        "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch",
        "Hợp tác xã Du lịch Thới Sơn",
    ),
]
_STARS = [(3, 60), (4, 35), (5, 5)]  # OCOP stars: most products have three
_PACKS = ["", " (hộp 1 kg)", " (túi 500 g)", " loại 1", " quà biếu"]
OCOP_HEADER = [
    "STT",
    "Mã sản phẩm",
    "Tên sản phẩm",
    "Chủ thể sản xuất",
    "Mã số thuế",
    "Nhóm sản phẩm",
    "Hạng sao",
    "Mã xã/phường",
    "Ngày công nhận",
    "Hiệu lực đến",
    "Điện thoại liên hệ",
]
OCOP_SHEET = "Danh sách OCOP"


def write_ocop(path: Path, *, rows: int = 157, seed: int = 2025) -> SampleExport:
    """The OCOP register as a workbook: dates and stars are typed Excel cells; certificates
    run 36 months."""
    rng = random.Random(seed)  # noqa: S311 - reproducible sample data, not secrets
    producers: dict[str, str] = {}
    data: list[Row] = []
    for index in range(rows):
        product, group, producer = rng.choice(_OCOP)
        certified = dt.datetime(2023, 1, 1) + dt.timedelta(days=rng.randrange(0, 900))
        certified = certified.replace(day=min(certified.day, 28))
        valid_until = certified.replace(year=certified.year + 3) - dt.timedelta(days=1)
        code = producers.setdefault(producer, tax_code(rng))
        data.append(
            {
                "STT": index + 1,
                "Mã sản phẩm": f"OCOP-DT-{certified.year}-{index + 1:04d}",
                "Tên sản phẩm": product + rng.choice(_PACKS),
                "Chủ thể sản xuất": producer,
                "Mã số thuế": code if rng.random() < 0.85 else None,
                "Nhóm sản phẩm": group,
                "Hạng sao": weighted(rng, _STARS),
                "Mã xã/phường": commune(rng, old_share=0.3),
                "Ngày công nhận": certified,
                "Hiệu lực đến": valid_until,
                "Điện thoại liên hệ": phone(rng) if rng.random() < 0.9 else None,
            }
        )
    flaws = [
        cell("Ngày công nhận", "30/02/2024", "vn_datetime"),
        cell("Hạng sao", 2, "stars_3_to_5"),
        cell("Nhóm sản phẩm", "Nông sản tươi", "product_group"),
        cell("Tên sản phẩm", None, "required"),
        cell("Mã số thuế", bad_tax_code(tax_code(rng)), "producer_mst"),
    ]
    title = (
        "ỦY BAN NHÂN DÂN TỈNH ĐỒNG THÁP",
        "DANH SÁCH SẢN PHẨM OCOP ĐƯỢC CÔNG NHẬN",
        "(Kèm theo báo cáo của Sở Nông nghiệp và Môi trường)",
    )
    form = XlsxFile(OCOP_SHEET, title=title, before=("Hướng dẫn",))
    return write_rows(path, OCOP_HEADER, data, flaws, seed=seed, form=form)


# 17 facilities, as Long An's QR stamps programme had: (facility, its products)
_FACILITIES = [
    ("Hợp tác xã Thanh long Chợ Gạo", ["Thanh long ruột đỏ", "Thanh long ruột trắng"]),
    ("Hợp tác xã Vú sữa Lò Rèn Vĩnh Kim", ["Vú sữa Lò Rèn"]),
    ("Hợp tác xã Nông nghiệp Ngũ Hiệp", ["Sầu riêng Ri6", "Sầu riêng Monthong"]),
    ("Hợp tác xã Xoài cát Hòa Lộc", ["Xoài cát Hòa Lộc"]),
    ("Hợp tác xã Khóm Tân Lập", ["Khóm Queen", "Khóm sấy dẻo"]),
    ("Hợp tác xã Quýt hồng Lai Vung", ["Quýt hồng"]),
    ("Hợp tác xã Sen Tháp Mười", ["Hạt sen tươi", "Trà tim sen"]),
    ("Công ty TNHH Gạo sạch Tháp Mười", ["Gạo ST25", "Gạo Jasmine 85"]),
    ("Công ty TNHH Thủy sản Sa Đéc", ["Cá tra phi lê đông lạnh"]),
    ("Cơ sở Hủ tiếu Mỹ Tho Chín Hiệp", ["Hủ tiếu khô Mỹ Tho"]),
    ("Cơ sở Mắm tôm chà Gò Công", ["Mắm tôm chà"]),
    ("Hợp tác xã Bưởi da xanh Cái Bè", ["Bưởi da xanh"]),
    ("Hợp tác xã Mít Thái Cai Lậy", ["Mít Thái"]),
    ("Công ty TNHH Dừa Tân Phú Đông", ["Dừa xiêm xanh", "Nước cốt dừa"]),
    ("Hợp tác xã Xoài Mỹ Xương", ["Xoài cát chu"]),
    ("Cơ sở Nem Bà Năm Lai Vung", ["Nem Lai Vung"]),
    ("Hợp tác xã Mật ong Tràm Chim", ["Mật ong hoa tràm"]),
]
STAMP_HEADER = ["Mã QR", "Cơ sở sản xuất", "Mã số thuế", "Sản phẩm", "Mã lô", "Thời điểm cấp tem"]


def write_stamps(path: Path, *, rows: int = 150, seed: int = 2025) -> SampleExport:
    """Stamps issued from July 2025, numbered after the 2 million stamps already issued;
    UTF-8 with BOM, semicolons."""
    rng = random.Random(seed)  # noqa: S311 - reproducible sample data, not secrets
    codes = {name: tax_code(rng) for name, _ in _FACILITIES}
    start = dt.datetime(2025, 7, 1)
    data: list[Row] = []
    for index in range(rows):
        facility, products = rng.choice(_FACILITIES)
        issued = moment_between(rng, start, 120)
        data.append(
            {
                "Mã QR": f"QR82{2_000_001 + index:010d}",
                "Cơ sở sản xuất": facility,
                "Mã số thuế": codes[facility],
                "Sản phẩm": rng.choice(products),
                "Mã lô": f"LO-{issued:%y%m%d}-{rng.randrange(1, 60):02d}",
                "Thời điểm cấp tem": vn_time(issued),
            }
        )
    flaws = [
        cell("Thời điểm cấp tem", "25/13/2025 08:00", "vn_datetime"),
        cell("Mã số thuế", bad_tax_code(tax_code(rng)), "producer_mst"),
        cell("Mã lô", "", "required"),
        cell("Thời điểm cấp tem", "01/01/2099 08:00", "issued_not_future"),
    ]
    return write_rows(path, STAMP_HEADER, data, flaws, seed=seed, form=CsvFile(";", "utf-8-sig"))


_CHANNELS = [
    ("Điện thoại", 55),
    ("Ứng dụng di động", 20),
    ("Zalo", 15),
    ("Trang thông tin điện tử", 7),
    ("Thư điện tử", 3),
]
# (category, what citizens write)
_TOPICS = [
    ("Môi trường", "Khói từ lò đốt rác gần khu dân cư gây ô nhiễm, đề nghị kiểm tra"),
    ("Môi trường", "Cá chết nổi trên kênh, nước có mùi hôi"),
    ("Giao thông", "Đèn tín hiệu tại ngã tư không hoạt động từ sáng nay"),
    ("Giao thông", "Mặt đường tỉnh lộ bị sụt lún, nhiều xe máy té ngã"),
    ("Trật tự đô thị", "Buôn bán lấn chiếm vỉa hè trước chợ"),
    ("Đất đai", "Hồ sơ cấp giấy chứng nhận quyền sử dụng đất quá hạn chưa có kết quả"),
    ("Xây dựng", "Công trình xây dựng không che chắn, vật liệu rơi xuống đường"),
    ("Điện, nước", "Nước máy bị nhiễm mặn, có vị lợ mấy ngày nay"),
    ("Điện, nước", "Mất điện kéo dài không có thông báo trước"),
    ("Y tế", "Trạm y tế xã thiếu thuốc điều trị tăng huyết áp"),
    ("Giáo dục", "Đề nghị bố trí đưa rước học sinh qua đò an toàn"),
    ("An sinh xã hội", "Chưa nhận được trợ cấp cho người cao tuổi"),
    ("An ninh trật tự", "Nhóm thanh niên tụ tập đua xe vào ban đêm"),
    ("Dịch vụ công", "Nộp hồ sơ trực tuyến nhưng chưa nhận được phản hồi"),
    ("Khác", "Đề nghị lắp thêm đèn chiếu sáng tuyến đường liên ấp"),
]
_STATUS = [
    ("Đã giải quyết", 60),
    ("Đã chuyển xử lý", 25),
    ("Đã tiếp nhận", 12),
    ("Không thụ lý", 3),
]
# The columns of schema version 2, for the Decision 766 index; an older export lacks them.
FEEDBACK_INDEX_COLUMNS = [
    "Mã cơ quan xử lý",
    "Mã hồ sơ liên quan",
    "Thời điểm giải quyết",
    "Trùng phản ánh",
]
# Categories whose feedback is about a dossier (the sample's texts say so), and how often it
# names one; how many resolved feedback take more than 15 working days; how many repeat an
# earlier one; categories the one-stop centre (TTPVHCC) rather than the commune may handle.
_ABOUT_A_DOSSIER = {"Đất đai", "Dịch vụ công"}
_NAMES_ITS_DOSSIER = 0.8
_RESOLVED_LATE = 0.12
_REPEATS = 0.06
_PROVINCIAL = {"Đất đai", "Xây dựng", "Dịch vụ công"}
FEEDBACK_HEADER = [
    "Mã phản ánh",
    "Kênh tiếp nhận",
    "Lĩnh vực",
    "Mã xã/phường",
    "Nội dung phản ánh",
    "Số điện thoại",
    "Tình trạng xử lý",
    "Thời điểm tiếp nhận",
    *FEEDBACK_INDEX_COLUMNS,
]


def write_feedback(path: Path, *, rows: int = 150, seed: int = 1022) -> SampleExport:
    """1022 hotline feedback from July 2025 as Excel's "Unicode Text": UTF-16, tabs."""
    rng = random.Random(seed)  # noqa: S311 - reproducible sample data, not secrets
    start = dt.datetime(2025, 7, 1)
    data: list[Row] = []
    received_times: list[dt.datetime] = []
    for index in range(rows):
        channel = weighted(rng, _CHANNELS)
        category, text = rng.choice(_TOPICS)
        received = moment_between(rng, start, 140)
        received_times.append(received)
        has_phone = channel in ("Điện thoại", "Zalo") or rng.random() < 0.5
        data.append(
            {
                "Mã phản ánh": f"1022-{received:%y%m%d}-{index + 1:05d}",
                "Kênh tiếp nhận": channel,
                "Lĩnh vực": category,
                "Mã xã/phường": commune(rng, old_share=0.2),
                "Nội dung phản ánh": f"{text} (ấp {rng.randrange(1, 9)}).",
                "Số điện thoại": phone(rng) if has_phone else None,
                "Tình trạng xử lý": weighted(rng, _STATUS),
                "Thời điểm tiếp nhận": vn_time(received),
            }
        )
    flaws = [
        cell("Lĩnh vực", "Văn hóa", "choice"),
        cell("Thời điểm tiếp nhận", "32/07/2025 09:15", "vn_datetime"),
        cell("Nội dung phản ánh", "", "required"),
        cells({"Kênh tiếp nhận": "Điện thoại", "Số điện thoại": ""}, "phone_needs_number"),
        cell("Mã xã/phường", UNKNOWN_COMMUNE, "commune_2025"),
    ]
    _add_index_columns(random.Random(f"{seed}:index766"), data, received_times)  # noqa: S311
    return write_rows(path, FEEDBACK_HEADER, data, flaws, seed=seed, form=CsvFile("\t", "utf-16"))


def _add_index_columns(
    rng: random.Random, data: list[Row], received_times: list[dt.datetime]
) -> None:
    """Fill FEEDBACK_INDEX_COLUMNS: feedback about a dossier names one of the demo's dossiers
    received before it, and its agency; other feedback goes to the commune's People's
    Committee or the one-stop centre once assigned; resolved feedback mostly within 15
    working days; a few repeat an earlier feedback of the same category."""
    dossiers = dossier_references()
    for index, (row, received) in enumerate(zip(data, received_times, strict=True)):
        category, status = row["Lĩnh vực"], row["Tình trạng xử lý"]
        dossier = _dossier_before(rng, dossiers, received) if category in _ABOUT_A_DOSSIER else None
        if dossier is not None:
            row["Mã hồ sơ liên quan"] = dossier.dossier_id
            row["Mã cơ quan xử lý"] = dossier.receiving_agency_code
        elif status != "Đã tiếp nhận" or rng.random() < 0.3:
            provincial = category in _PROVINCIAL and rng.random() < 0.5
            commune = commune_code_2025(row["Mã xã/phường"]) or row["Mã xã/phường"]
            row["Mã cơ quan xử lý"] = "TTPVHCC-82" if provincial else f"UBND-{commune}"
        if status == "Đã giải quyết":
            late = rng.random() < _RESOLVED_LATE
            days = rng.randint(16, 30) if late else rng.randint(1, 14)
            day = _working_days_after(received.date(), days)
            row["Thời điểm giải quyết"] = dt.datetime.combine(
                day, dt.time(rng.randrange(7, 17), rng.randrange(60))
            )
        earlier = [data[i] for i in range(index) if data[i]["Lĩnh vực"] == category]
        if earlier and rng.random() < _REPEATS:
            row["Trùng phản ánh"] = rng.choice(earlier)["Mã phản ánh"]


def _dossier_before(
    rng: random.Random, dossiers: list[DossierReference], received: dt.datetime
) -> DossierReference | None:
    """One of the dossiers received in the 60 days before the feedback, or None."""
    if rng.random() >= _NAMES_ITS_DOSSIER:
        return None
    moment = received.replace(tzinfo=VIETNAM_TZ)
    recent = [d for d in dossiers if dt.timedelta(0) < moment - d.received_at <= _SIXTY_DAYS]
    return rng.choice(recent) if recent else None


_SIXTY_DAYS = dt.timedelta(days=60)


def _working_days_after(day: dt.date, count: int) -> dt.date:
    """The ``count``-th working day (Monday to Friday, not a public holiday) after ``day``."""
    while count:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day not in _vietnam_holidays():
            count -= 1
    return day


@cache
def _vietnam_holidays() -> holidays.HolidayBase:
    return holidays.country_holidays("VN")
