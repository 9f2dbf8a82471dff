"""A dataset's dead letters counted by the rule they break, and what each rule means."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from hub.app.web.staff.dead_letter_access import desk_for
from hub.app.web.staff.guard import Staff
from hub.catalogue.models import DatasetEntry
from hub.dlq.desk import StewardDesk
from hub.dlq.replay import JSON_RULE
from hub.dlq.status import LetterStatus

GENERIC_RULES = {
    "avro_type": "Giá trị sai kiểu so với lược đồ",
    "unknown_field": "Trường không có trong lược đồ",
    JSON_RULE: "Không đọc được bản ghi JSON",
    "json_value": "Không đọc được bản ghi JSON",
    "unreadable_letter": "Bản ghi lỗi không đọc được",
    "required": "Ô bắt buộc bị trống",
    "text": "Ô chữ không đọc được",
    "vn_datetime": "Không phải ngày giờ hợp lệ",
    "iso_datetime": "Không phải ngày giờ ISO 8601 hợp lệ",
    "vn_bool": "Không phải giá trị có/không",
    "vn_integer": "Không phải số nguyên",
    "vn_decimal": "Không phải số thập phân",
    "choice": "Giá trị không có trong danh sách cho phép",
    "commune_2025": "Không phải mã xã/phường (danh mục từ 01/7/2025)",
}
"""Rules of the hub and of the connectors' conversions (a dataset's contract names its own in
the catalogue)."""


@dataclass(frozen=True)
class DatasetLetters:
    entry: DatasetEntry
    by_rule: list[tuple[str, str, int]]
    """(rule, what it means, letters breaking it), most frequent first."""
    total: int
    pending: int


def letters_by_rule(
    staff: Staff, entry: DatasetEntry, desk: StewardDesk | None = None
) -> DatasetLetters:
    """How many of the dataset's letters break each rule (a letter counts once per rule), how
    many there are and how many were never replayed; read through the desk ``kho dlq`` uses."""
    views = (desk or desk_for(staff, entry)).letters().letters
    counts = Counter(rule for v in views for rule in {x.rule for x in v.stored.letter.violations})
    labels = rule_meanings(entry)
    by_rule = [(rule, labels.get(rule, ""), n) for rule, n in counts.most_common()]
    pending = sum(1 for v in views if v.status is LetterStatus.PENDING)
    return DatasetLetters(entry, by_rule, len(views), pending)


def rule_meanings(entry: DatasetEntry) -> dict[str, str]:
    """What each rule means, in Vietnamese: the hub's, and the dataset contract's own."""
    return {**GENERIC_RULES, **{rule.rule: rule.message for rule in entry.contract}}
