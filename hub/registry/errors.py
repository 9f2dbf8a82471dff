"""The schema registry's refusals, in one table: a stable code, the HTTP status and Confluent
``error_code`` it is answered with, and its Vietnamese message.

A refusal is a ``RegistryRefusal`` carrying its ``RefusalKind`` row; an incompatible schema is an
``IncompatibleSchema`` (it also carries the incompatibilities). The hub's REST API answers with
the row's status and ``error_code``; the HTTP client turns a code back into the same row, so both
registry adapters raise the same refusal for the same mistake.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hub.errors import UnreachableError
from hub.registry.port import RegistryError

if TYPE_CHECKING:
    from hub.registry.compatibility import Incompatibility


@dataclass(frozen=True, slots=True)
class RefusalKind:
    """One row of the table: ``template`` is formatted with the raiser's fields."""

    code: str
    http_status: int
    error_code: int
    template: str

    def __call__(self, **fields: Any) -> RegistryRefusal:
        """The exception to raise: ``raise SUBJECT_NOT_FOUND(subject=subject)``."""
        return RegistryRefusal(self, self.template.format(**fields))


UNAUTHORIZED = RefusalKind("unauthorized", 401, 40101, "{reason}")
FORBIDDEN = RefusalKind("forbidden", 403, 40301, "{reason}")
NO_SUCH_PATH = RefusalKind("no_such_path", 404, 404, "Sổ đăng ký lược đồ không có đường dẫn {path}")
BAD_REQUEST = RefusalKind("bad_request", 400, 400, "{reason}")
SUBJECT_NOT_FOUND = RefusalKind("subject_not_found", 404, 40401, "Không có chủ đề {subject}")
VERSION_NOT_FOUND = RefusalKind(
    "version_not_found", 404, 40402, "Chủ đề {subject} không có phiên bản {version}"
)
SCHEMA_NOT_FOUND = RefusalKind("schema_not_found", 404, 40403, "Không có lược đồ mang id {id}")
SCHEMA_NOT_IN_SUBJECT = RefusalKind(
    "schema_not_in_subject", 404, 40403, "Chủ đề {subject} không có lược đồ này"
)
SUBJECT_SOFT_DELETED = RefusalKind(
    "subject_soft_deleted",
    404,
    40404,
    "Chủ đề {subject} đã bị xóa mềm; dùng permanent=true để xóa vĩnh viễn",
)
SUBJECT_NOT_SOFT_DELETED = RefusalKind(
    "subject_not_soft_deleted",
    404,
    40405,
    "Chủ đề {subject} phải được xóa mềm trước khi xóa vĩnh viễn",
)
VERSION_SOFT_DELETED = RefusalKind(
    "version_soft_deleted",
    404,
    40406,
    "Phiên bản {version} của {subject} đã bị xóa mềm; dùng permanent=true để xóa vĩnh viễn",
)
VERSION_NOT_SOFT_DELETED = RefusalKind(
    "version_not_soft_deleted",
    404,
    40407,
    "Phiên bản {version} của {subject} phải được xóa mềm trước khi xóa vĩnh viễn",
)
COMPATIBILITY_NOT_CONFIGURED = RefusalKind(
    "compatibility_not_configured",
    404,
    40408,
    "Chủ đề {subject} chưa đặt mức tương thích riêng",
)
INCOMPATIBLE_SCHEMA = RefusalKind("incompatible_schema", 409, 409, "{summary}")
INVALID_SCHEMA = RefusalKind("invalid_schema", 422, 42201, "{reason}")
INVALID_VERSION = RefusalKind(
    "invalid_version",
    422,
    42202,
    "Phiên bản không hợp lệ: {text!r}; dùng số từ 1 đến {highest} hoặc 'latest'",
)
INVALID_COMPATIBILITY_LEVEL = RefusalKind(
    "invalid_compatibility_level",
    422,
    42203,
    "Mức tương thích không hợp lệ: {text!r}; dùng một trong {known}",
)
STORE_FAILED = RefusalKind(
    "store_failed", 500, 50001, "Lỗi kho lưu trữ của sổ đăng ký lược đồ ({error})"
)

REFUSALS: tuple[RefusalKind, ...] = (
    UNAUTHORIZED,
    FORBIDDEN,
    NO_SUCH_PATH,
    BAD_REQUEST,
    SUBJECT_NOT_FOUND,
    VERSION_NOT_FOUND,
    SCHEMA_NOT_FOUND,
    SCHEMA_NOT_IN_SUBJECT,
    SUBJECT_SOFT_DELETED,
    SUBJECT_NOT_SOFT_DELETED,
    VERSION_SOFT_DELETED,
    VERSION_NOT_SOFT_DELETED,
    COMPATIBILITY_NOT_CONFIGURED,
    INCOMPATIBLE_SCHEMA,
    INVALID_SCHEMA,
    INVALID_VERSION,
    INVALID_COMPATIBILITY_LEVEL,
    STORE_FAILED,
)

REFUSALS_BY_CODE: dict[int, RefusalKind] = {
    kind.error_code: kind
    for kind in reversed(REFUSALS)
    if kind.http_status in (404, 409, 422) and kind is not NO_SUCH_PATH
}
"""The refusal another registry's ``error_code`` stands for (the first kind with that code).
401, 403, 400 and 5xx answers are not refusals the hub's adapters share."""


class RegistryRefusal(RegistryError):
    """A request the registry understood and refused, as its ``kind`` says."""

    def __init__(self, kind: RefusalKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind

    @property
    def code(self) -> str:
        return self.kind.code

    @property
    def http_status(self) -> int:
        return self.kind.http_status

    @property
    def error_code(self) -> int:
        return self.kind.error_code


class IncompatibleSchema(RegistryRefusal):
    """The schema breaks the subject's compatibility rule; the message names field and rule."""

    def __init__(self, message: str, incompatibilities: Sequence[Incompatibility] = ()) -> None:
        super().__init__(INCOMPATIBLE_SCHEMA, message)
        self.incompatibilities = tuple(incompatibilities)


def refusal_from(kind: RefusalKind, message: str) -> RegistryRefusal:
    """The refusal another registry answered, with its own message."""
    if kind is INCOMPATIBLE_SCHEMA:
        return IncompatibleSchema(message)
    return RegistryRefusal(kind, message)


class RegistryUnavailable(UnreachableError, RegistryError):
    """An external schema registry does not answer (or answers 5xx)."""
