"""What each audit action (``hub.audit.actions``) means, in Vietnamese, as the staff pages show
it next to the dotted name administrators filter by. One label per known action; a name the log
holds but this table lacks (an older or newer kind of event) is shown by its name alone."""

from __future__ import annotations

from typing import Final

from hub.audit import actions

ACTION_LABELS: Final[dict[str, str]] = {
    actions.RECORDS_WRITE: "Ghi bản ghi",
    actions.RECORDS_DEAD_LETTER: "Bản ghi bị từ chối (vào hàng lỗi)",
    actions.RECORDS_READ_PERSONAL: "Đọc dữ liệu cá nhân",
    actions.TOKEN_CREATE: "Cấp mã truy cập",
    actions.TOKEN_ROTATE: "Đổi mã truy cập",
    actions.TOKEN_REVOKE: "Thu hồi mã truy cập",
    actions.ACL_SYNC: "Đồng bộ quyền Kafka",
    actions.DATASET_APPROVE: "Phê duyệt công bố",
    actions.DATASET_REVOKE_APPROVAL: "Thu hồi phê duyệt công bố",
    actions.DATASET_WITHDRAW: "Rút khỏi cổng dữ liệu mở",
    actions.DATASET_PUBLISH: "Công bố lên cổng dữ liệu mở",
    actions.DLQ_REPLAY: "Phát lại bản ghi lỗi",
    actions.KAFKA_USER_SET: "Đặt tài khoản Kafka",
    actions.EVIDENCE_RECORD: "Lưu giấy tờ minh chứng",
    actions.EVIDENCE_READ: "Đọc giấy tờ minh chứng",
    actions.EVIDENCE_REFUSED: "Từ chối đọc giấy tờ minh chứng",
    actions.CONSENT_GRANT: "Công dân đồng ý chia sẻ",
    actions.CONSENT_REVOKE: "Công dân rút đồng ý",
    actions.SIGNIN: "Đăng nhập",
    actions.SIGNIN_REFUSED: "Đăng nhập bị từ chối",
    actions.SIGNOUT: "Đăng xuất",
}
"""Each known action's label, keyed by its dotted name."""


def action_label(name: str) -> str:
    """The action's Vietnamese label; empty for a name this table does not know."""
    return ACTION_LABELS.get(name, "")
