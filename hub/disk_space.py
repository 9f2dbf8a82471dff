"""A full disk, recognised wherever it surfaces, so that it is said as such and not as a
traceback or as "the database is unreachable".

It surfaces as SQLite's SQLITE_FULL ("database or disk is full": the embedded bus, the hub's
SQLite database, directly or wrapped by SQLAlchemy) or as an OSError ENOSPC or EDQUOT from a
file the hub writes. SQLite rolls the failed transaction back, so what was committed before
stays readable once space is freed (tests/unit/test_full_disk.py).
"""

from __future__ import annotations

import errno
import sqlite3

_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})

DISK_FULL_API_MESSAGE = (
    "Đĩa lưu dữ liệu của Kho đã đầy: chưa ghi được gì của yêu cầu này; vui lòng thử lại sau"
)


def disk_full(exc: BaseException) -> bool:
    """Whether ``exc``, or an error it was raised from, is a full disk."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sqlite3.Error) and _sqlite_code(current) == sqlite3.SQLITE_FULL:
            return True
        if isinstance(current, OSError) and current.errno in _FULL_ERRNOS:
            return True
        current = current.__cause__ or current.__context__ or getattr(current, "orig", None)
    return False


def disk_full_message(data_dir: object) -> str:
    """The CLI's line for a full disk, naming the data directory."""
    return (
        f"Đĩa chứa thư mục dữ liệu {data_dir} đã đầy: lần ghi này không thực hiện được, dữ liệu"
        " đã ghi trước đó vẫn nguyên vẹn. Hãy giải phóng dung lượng rồi chạy lại."
    )


def _sqlite_code(error: sqlite3.Error) -> int | None:
    """SQLite's result code of an error the sqlite3 module raised (None for one made in Python)."""
    code: int | None = getattr(error, "sqlite_errorcode", None)
    return code
