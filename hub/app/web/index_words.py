"""How the pages say a 766 period and an indicator's outcomes in Vietnamese."""

from __future__ import annotations

from dataclasses import dataclass

from hub.index766.periods import Period

_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def period_label(period: Period) -> str:
    """``Tháng 8/2025``, ``Quý III/2025``, ``Năm 2025``."""
    if period.kind == "month":
        return f"Tháng {period.first_month}/{period.year}"
    if period.kind == "quarter":
        return f"Quý {_ROMAN[(period.first_month - 1) // 3 + 1]}/{period.year}"
    return f"Năm {period.year}"


@dataclass(frozen=True, slots=True)
class OutcomeWords:
    """What an indicator counts (``hồ sơ``, ``thủ tục``, ``phản ánh``) and how its two outcomes
    read after that noun: ``32 hồ sơ trễ hạn``."""

    noun: str
    counted: str
    against: str


OUTCOME_WORDS: dict[str, OutcomeWords] = {
    "publicity.synced": OutcomeWords("hồ sơ", "đã đồng bộ", "chưa đồng bộ"),
    "progress.on_time": OutcomeWords("hồ sơ", "đúng hạn", "trễ hạn"),
    "online.full_online": OutcomeWords("hồ sơ", "nộp trực tuyến", "không nộp trực tuyến"),
    "payment.dossiers_paid_online": OutcomeWords(
        "hồ sơ", "thanh toán trực tuyến", "chưa thanh toán trực tuyến"
    ),
    "payment.procedures_paid_online": OutcomeWords(
        "thủ tục", "có thanh toán trực tuyến", "chưa có thanh toán trực tuyến"
    ),
    "payment.procedures_with_fee_dossiers": OutcomeWords(
        "thủ tục", "có hồ sơ phải nộp phí", "chưa có hồ sơ phải nộp phí"
    ),
    "digitisation.e_result": OutcomeWords("hồ sơ", "có kết quả điện tử", "chưa có kết quả điện tử"),
    "digitisation.components": OutcomeWords(
        "hồ sơ", "số hóa đủ thành phần", "chưa số hóa đủ thành phần"
    ),
    "digitisation.reuse": OutcomeWords("hồ sơ", "tái sử dụng dữ liệu", "chưa tái sử dụng dữ liệu"),
    "digitisation.data_store": OutcomeWords(
        "hồ sơ", "có kết quả lưu vào kho", "chưa có kết quả lưu vào kho"
    ),
    "satisfaction.feedback_on_time": OutcomeWords("phản ánh", "xử lý đúng hạn", "xử lý trễ hạn"),
    "satisfaction.feedback_clean": OutcomeWords(
        "phản ánh", "hợp lệ, đúng hạn, không lặp lại", "bị từ chối, trễ hạn hoặc lặp lại"
    ),
    "satisfaction.overall": OutcomeWords("hồ sơ", "không có vấn đề", "trễ hạn hoặc chưa hài lòng"),
}

FALLBACK = OutcomeWords("bản ghi", "được tính", "không được tính")


def outcome_words(indicator_id: str) -> OutcomeWords:
    return OUTCOME_WORDS.get(indicator_id, FALLBACK)
