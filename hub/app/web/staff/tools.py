"""The staff's tools, in the order the overview lists them. Each page module wraps its
handlers with ``for_staff`` and the tool named here, so the overview and the guard agree."""

from __future__ import annotations

from dataclasses import dataclass

from hub.app.web.people.person import Person
from hub.auth.tokens import Role


@dataclass(frozen=True, slots=True)
class StaffTool:
    """One page of the staff's tools: where it is, its name, what it is for, and the roles
    that open it (an administrator opens every tool)."""

    path: str
    label: str
    summary: str
    roles: frozenset[Role]

    def opens_for(self, person: Person | None) -> bool:
        if person is None or not person.is_staff:
            return False
        return bool(self.roles & person.roles) or Role.ADMIN in person.roles


STEWARDS = frozenset({Role.STEWARD})
ADMINS = frozenset({Role.ADMIN})

APPROVALS = StaffTool(
    "/quan-ly/phe-duyet",
    "Phê duyệt công bố",
    "Duyệt hoặc thu hồi việc công bố dữ liệu mở, xem trước lần công bố tới sẽ làm gì.",
    STEWARDS,
)
DEAD_LETTERS = StaffTool(
    "/quan-ly/ban-ghi-loi",
    "Bản ghi lỗi",
    "Các bản ghi bị từ chối theo bộ dữ liệu và quy tắc: xem, sửa rồi gửi lại.",
    STEWARDS,
)
CONNECTORS = StaffTool(
    "/quan-ly/ket-noi",
    "Bộ kết nối",
    "Trạng thái, điểm đã đọc tới và lỗi gần nhất của từng bộ kết nối.",
    STEWARDS,
)
MASKING_LAG = StaffTool(
    "/quan-ly/che-du-lieu",
    "Độ trễ che dữ liệu",
    "Số bản ghi chưa được che trường cá nhân, theo từng bộ dữ liệu.",
    STEWARDS,
)
CATALOGUE = StaffTool(
    "/quan-ly/danh-muc",
    "Danh mục CSDL dùng chung",
    "Ai được đọc bộ dữ liệu nào, căn cứ pháp lý, thời hạn lưu và ai được thấy trường cá nhân.",
    STEWARDS,
)
TOKENS = StaffTool(
    "/quan-ly/ma-truy-cap",
    "Mã truy cập",
    "Tạo (chỉ hiện một lần), đổi và thu hồi mã truy cập của các cơ quan.",
    ADMINS,
)
AUDIT_LOG = StaffTool(
    "/quan-ly/nhat-ky",
    "Nhật ký kiểm toán",
    "Tra cứu nhật ký và kiểm tra chuỗi băm chưa bị sửa.",
    ADMINS,
)

TOOLS = (APPROVALS, DEAD_LETTERS, CONNECTORS, MASKING_LAG, CATALOGUE, TOKENS, AUDIT_LOG)
