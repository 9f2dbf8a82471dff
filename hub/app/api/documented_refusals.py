"""The refusals many endpoints share, as documented answers (the error body, ErrorAnswer)."""

from __future__ import annotations

from hub.app.api.answers import ErrorAnswer
from hub.app.api.endpoint import Answer


def error(description: str) -> Answer:
    return Answer(description, ErrorAnswer)


BAD_TOKEN = error("A token was sent but is malformed, unknown, revoked or expired")
AGENCY_401 = error(
    "Thiếu hoặc sai mã truy cập | missing_token, malformed_token, unknown_token, "
    "revoked_token, expired_token"
)
SUBJECT_401 = error(
    "Thiếu hoặc sai phiên đăng nhập | missing_token, malformed_token, invalid_token, "
    "expired_token, invalid_subject"
)
EITHER_401 = error(
    "Thiếu hoặc sai mã truy cập hay phiên đăng nhập | The agency token's or the JWT's codes"
)
UNAVAILABLE = error(
    "Cơ sở dữ liệu hoặc hệ thống định danh không truy cập được; thử lại | service_unavailable"
)
MALFORMED_JSON = error("JSON không hợp lệ | malformed_json")
NOT_JSON = error("Không phải application/json | unsupported_media_type")
OVER_16K = error("Quá 16 KiB | payload_too_large (limit)")
DB_DOWN = error("Cơ sở dữ liệu không truy cập được; thử lại | service_unavailable")
RATE_LIMITED = error(
    "Quá nhiều yêu cầu; thử lại sau số giây trong Retry-After | rate_limited (budget: address, "
    "signin, reads or writes)"
)
"""Any operation, when rate limits are on (hub/app/api/rate_limits.py)."""
