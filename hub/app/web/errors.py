"""How an error looks: a Vietnamese page for a browser path, the API's JSON for an API path.

The API's handlers (hub/app/api/errors.py) decide what an error is (its status, its code, its
Retry-After) and log it; on a page path ``page_or`` turns their answer into the page that says
it in plain words, so the page and the API cannot disagree about what happened. Starlette's own
refusals (a path or method the pages do not have, a form it would not read) are pages too."""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import structlog
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from hub.app.api.errors import http_error
from hub.app.api.observability import REQUEST_ID_HEADER, request_id_in
from hub.app.web.security import SECURITY_HEADERS
from hub.app.web.templating import render, vn_number

log = logging.getLogger("kho.web")

API_PREFIXES = ("/api/", "/registry", "/healthz", "/openapi.json")

Handler = Callable[[Request, Exception], Awaitable[Response]]


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


def not_found_page(request: Request, message: str | None = None) -> Response:
    """The Vietnamese 404 page with a way back; ``message`` says what was not found."""
    return render(request, "not_found.html", {"message": message}, status=404)


@dataclass(frozen=True)
class ErrorPage:
    """What an error page says: a heading, what happened, and what the reader can do."""

    heading: str
    happened: str
    advice: tuple[str, ...] = ()
    back: bool = False
    """Whether to offer the page the reader came from (a form they can send again)."""


TRY_AGAIN = "Vui lòng tải lại trang sau ít phút."
REPORT = "Nếu vẫn lỗi, hãy báo Trung tâm CNTT của tỉnh."
REQUEST_ID_LABEL = "Mã yêu cầu"
QUOTE_REQUEST_ID = "Khi báo lỗi, hãy gửi kèm mã này để bộ phận hỗ trợ tìm ra sự cố."

UNAVAILABLE = ErrorPage(
    "Kho tạm thời chưa trả lời được",
    "Lúc này Kho không kết nối được tới nơi lưu dữ liệu nên chưa mở được trang này. Sự cố"
    " kiểu này thường chỉ kéo dài ít phút.",
    (
        TRY_AGAIN,
        "Nếu bạn vừa gửi một biểu mẫu, những gì bạn gửi có thể chưa được lưu: hãy mở lại trang"
        " sau ít phút để kiểm tra rồi gửi lại nếu cần.",
        REPORT,
    ),
    back=True,
)
DISK_FULL = ErrorPage(
    "Kho tạm thời chưa lưu được dữ liệu",
    "Chỗ lưu dữ liệu của Kho đã đầy nên chưa ghi được gì từ yêu cầu này. Dữ liệu đã lưu"
    " trước đó vẫn nguyên vẹn. Sự cố đã được ghi lại để cán bộ kỹ thuật giải phóng chỗ trống.",
    (
        "Vui lòng thử lại sau; những gì bạn gửi lần này chưa được lưu nên cần gửi lại.",
        REPORT,
    ),
    back=True,
)
INTERNAL = ErrorPage(
    "Đã có lỗi xảy ra",
    "Kho gặp lỗi khi xử lý trang này. Sự cố đã được ghi lại.",
    (TRY_AGAIN, REPORT),
    back=True,
)
METHOD_NOT_ALLOWED = ErrorPage(
    "Trang này không nhận yêu cầu kiểu này",
    "Địa chỉ này có trên Kho nhưng không nhận cách gửi vừa dùng (ví dụ gửi biểu mẫu tới một"
    " trang chỉ để xem).",
    ("Hãy mở trang từ các đường dẫn trên Kho thay vì gõ hoặc gửi trực tiếp tới địa chỉ này.",),
)
BAD_REQUEST = ErrorPage(
    "Yêu cầu không hợp lệ",
    "Kho không đọc được yêu cầu vừa gửi.",
    ("Hãy quay lại trang trước và thử lại.",),
    back=True,
)
FORM_UNREADABLE = ErrorPage(
    "Không đọc được biểu mẫu",
    "Biểu mẫu gửi tới Kho bị hỏng hoặc không đúng dạng nên chưa có gì được lưu.",
    ("Hãy mở lại trang có biểu mẫu, điền lại và gửi.",),
    back=True,
)

_BY_CODE = {"service_unavailable": UNAVAILABLE, "disk_full": DISK_FULL}


async def page_or_api_error(request: Request, exc: Exception) -> Response:
    """Starlette's refusals: on a page path a Vietnamese page with the same status (404, 405
    with its Allow, a form it would not read); the API's JSON error on an API path."""
    if is_api_path(request.url.path) or not isinstance(exc, HTTPException):
        return await http_error(request, exc)
    if exc.status_code == 404:
        return not_found_page(request)
    if exc.status_code == 405:
        return error_page(request, METHOD_NOT_ALLOWED, 405, exc.headers)
    if exc.status_code == 400:
        return form_refused_page(request, str(exc.detail))
    return error_page(request, _generic(exc.status_code), exc.status_code, exc.headers)


def page_or(api_handler: Handler) -> Handler:
    """``api_handler``'s answer on an API path; on a page path the same status and
    Retry-After as a Vietnamese page saying what its error code means, without its message
    (which may name a server or a statement). Either carries the request's id, in its header
    and in the log line of the error, also when the catch-all answers it outside the middleware
    that gives the id (hub/app/api/observability.py)."""

    async def handler(request: Request, exc: Exception) -> Response:
        request_id = request_id_in(request.scope)
        with structlog.contextvars.bound_contextvars(**_id_to_log(request_id)):
            answer = await api_handler(request, exc)  # logs the error, decides what it is
        if is_api_path(request.url.path):
            if request_id is not None:
                answer.headers[REQUEST_ID_HEADER] = request_id
            return answer
        retry = answer.headers.get("Retry-After")
        page = _BY_CODE.get(_error_code(answer) or "") or _generic(answer.status_code)
        return error_page(
            request, page, answer.status_code, {"Retry-After": retry} if retry else None
        )

    return handler


# Starlette's refusals of a form (starlette.formparsers), in English: which limit was passed
_PART_TOO_BIG = re.compile(r"(?:Field|Part) exceeded maximum size of (\d+)KB\.")
_TOO_MANY = re.compile(r"Too many (fields|files)\. Maximum number of \w+ is (\d+)\.")


def form_refused_page(request: Request, detail: str) -> Response:
    """A form Starlette would not read: 413 naming the limit passed (the size of one field,
    the number of fields or files), 400 for a form it could not parse at all."""
    if too_big := _PART_TOO_BIG.fullmatch(detail):
        limit = _size(int(too_big.group(1)))
        page = ErrorPage(
            "Nội dung gửi quá dài",
            f"Một ô của biểu mẫu dài quá {limit}, mức tối đa Kho nhận cho mỗi ô, nên chưa có"
            " gì được lưu.",
            (
                f"Hãy quay lại biểu mẫu, rút ngắn nội dung ô dài nhất xuống dưới {limit} rồi"
                " gửi lại.",
            ),
            back=True,
        )
        return error_page(request, page, 413)
    if too_many := _TOO_MANY.fullmatch(detail):
        what = "ô" if too_many.group(1) == "fields" else "tệp"
        limit = vn_number(int(too_many.group(2)))
        page = ErrorPage(
            "Biểu mẫu có quá nhiều mục",
            f"Biểu mẫu gửi tới Kho có hơn {limit} {what}, mức tối đa Kho nhận, nên chưa có gì"
            " được lưu.",
            ("Hãy mở lại trang có biểu mẫu và gửi lại từ đó.",),
            back=True,
        )
        return error_page(request, page, 413)
    log.info("form refused on %s %s: %s", request.method, request.url.path, detail)
    return error_page(request, FORM_UNREADABLE, 400)


def error_page(
    request: Request,
    page: ErrorPage,
    status: int,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The error page, never stored (it is about one moment, and may greet someone signed
    in), with the security headers and the request's id even when the catch-all answers it
    outside their middleware; if the page itself cannot be drawn, a bare Vietnamese page
    instead. A failure of Kho's own (5xx) shows the request's id for the reader to quote to
    the help desk, who finds the log line by it."""
    request_id = request_id_in(request.scope)
    shown_id = request_id if status >= 500 else None
    context = {
        "page": page,
        "status": status,
        "back": _back_link(request) if page.back else None,
        "request_id": shown_id,
        "request_id_label": REQUEST_ID_LABEL,
        "quote_request_id": QUOTE_REQUEST_ID,
    }
    try:
        answer: Response = render(request, "error.html", context, status=status)
    except Exception:  # the error page must answer even when the templates cannot
        log.exception("error page could not be drawn for %s", request.url.path)
        answer = HTMLResponse(_bare_page(page.heading, shown_id), status_code=status)
    for name, value in {**SECURITY_HEADERS, **(headers or {})}.items():
        answer.headers[name] = value
    if request_id is not None:
        answer.headers[REQUEST_ID_HEADER] = request_id
    answer.headers["Cache-Control"] = "no-store"
    return answer


def _bare_page(heading: str, request_id: str | None) -> str:
    quoted = (
        f"<p>{REQUEST_ID_LABEL}: {html.escape(request_id)}. {QUOTE_REQUEST_ID}</p>"
        if request_id
        else ""
    )
    return (
        f'<!doctype html><html lang="vi"><meta charset="utf-8"><title>{heading} · Kho</title>'
        f"<h1>{heading}</h1><p>{TRY_AGAIN} {REPORT}</p>{quoted}"
        '<p><a href="/">Về trang chủ</a></p>'
    )


def _id_to_log(request_id: str | None) -> dict[str, str]:
    return {} if request_id is None else {"request_id": request_id}


def _generic(status: int) -> ErrorPage:
    if status >= 500:
        return INTERNAL
    return BAD_REQUEST


def _error_code(answer: Response) -> str | None:
    """The ``error.code`` of one of the API's JSON error answers."""
    try:
        code = json.loads(bytes(answer.body))["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None
    return code if isinstance(code, str) else None


def _size(kib: int) -> str:
    """1024 -> ``1 MB``; 512 -> ``512 KB``."""
    if kib >= 1024 and kib % 1024 == 0:
        return f"{vn_number(kib // 1024)} MB"
    return f"{vn_number(kib)} KB"


def _back_link(request: Request) -> str | None:
    """The page the reader came from, when it is on this site (a path, never another host)."""
    referer = request.headers.get("referer")
    if not referer:
        return None
    parts = urlsplit(referer)
    if parts.netloc != request.url.netloc or not parts.path.startswith("/"):
        return None
    if parts.path.startswith("//") or is_api_path(parts.path):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")
