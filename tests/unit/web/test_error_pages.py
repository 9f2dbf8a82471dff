"""Errors on the pages are Vietnamese pages, never the API's JSON nor Starlette's English.

The database gone and the disk full are made on cue: a listener on the hub's engine raises,
before the next statement, the error SQLite itself raises (``unable to open database file``;
SQLITE_FULL from an in-memory database limited to two pages, as tests/unit/test_full_disk.py
does), which SQLAlchemy wraps as it would a real one. API paths keep their JSON answers
(tests/unit/hub/test_database_gone_api.py)."""

from __future__ import annotations

import io
import re
import sqlite3
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from hub.app.api import build_app
from hub.app.wiring import Hub
from hub.auth.tokens import Role
from tests.unit.observability.test_logs import captured, lines  # noqa: F401 (a fixture)
from tests.unit.web.staff.staff_visit import ADMIN, StaffVisit, csrf, words

CORRECTION = "/quan-ly/ban-ghi-loi/tthc.dossiers/0-1/sua"
"""The staff correction form's target: the form is read before the letter is looked up."""


@pytest.fixture
def visit(embedded_hub: Hub) -> Iterator[StaffVisit]:
    app = build_app(embedded_hub)
    with TestClient(app, follow_redirects=False, raise_server_exceptions=False) as client:
        yield StaffVisit(embedded_hub, client)


def _fail_every_statement(hub: Hub, error: BaseException) -> None:
    def fail(*_: Any) -> None:
        raise error

    sa.event.listen(hub.engine, "before_cursor_execute", fail)


def _sqlite_full() -> sqlite3.Error:
    """SQLite's own SQLITE_FULL error."""
    full = sqlite3.connect(":memory:")
    try:
        full.execute("CREATE TABLE t (x BLOB)")
        full.execute("PRAGMA max_page_count = 2")
        full.execute("INSERT INTO t VALUES (zeroblob(100000))")
    except sqlite3.OperationalError as error:
        return error
    finally:
        full.close()
    raise AssertionError("SQLite did not refuse the write")


def _assert_request_id_shown(answer: httpx2.Response) -> str:
    """The 5xx page shows the request's id, the one its X-Request-ID header names."""
    request_id = answer.headers["X-Request-ID"]
    shown = re.search(r"Mã yêu cầu: <code>([^<]+)</code>", answer.text)
    assert shown is not None, answer.text
    assert shown.group(1) == request_id
    assert "gửi kèm mã này" in words(answer.text)
    return request_id


def _assert_page(answer: httpx2.Response, status: int, *said: str) -> str:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in answer.headers["Content-Security-Policy"]
    text = words(answer.text)
    assert '"error"' not in answer.text and '{"' not in answer.text  # no JSON
    for sentence in said:
        assert sentence in text, text
    return text


def test_the_database_gone_is_a_page_with_retry_after_and_the_api_keeps_json(
    visit: StaffVisit,
) -> None:
    """A public page and a staff page answer 503 + Retry-After as a Vietnamese page naming no
    server nor statement; the API's answer on the same failure is still its JSON."""
    token = visit.hub.tokens.create("vp-ubnd", frozenset({Role.CONSUMER})).plaintext
    visit.sign_in(ADMIN)
    _fail_every_statement(visit.hub, sqlite3.OperationalError("unable to open database file"))

    for path in ("/chi-so-766", "/quan-ly/nhat-ky"):
        answer = visit.get(path)
        _assert_request_id_shown(answer)
        text = _assert_page(
            answer,
            503,
            "Kho tạm thời chưa trả lời được",
            "không kết nối được tới nơi lưu dữ liệu",
            "Vui lòng tải lại trang sau ít phút.",
        )
        assert answer.headers["Retry-After"] == "5"
        text = text.replace(answer.headers["X-Request-ID"], "")  # random hex may hold "503"
        for technical in ("sqlite", "SELECT", "OperationalError", "kho.sqlite3", "503"):
            assert technical not in text, technical

    api = visit.client.get(
        "/api/v1/datasets/tthc.dossiers/records", headers={"Authorization": f"Bearer {token}"}
    )
    assert api.status_code == 503, api.text
    assert api.headers["content-type"] == "application/json"
    assert api.json()["error"]["code"] == "service_unavailable"


def test_a_full_disk_on_a_form_is_a_page_saying_nothing_was_written(visit: StaffVisit) -> None:
    """The token form posted while the disk is full: 503 with the API's Retry-After of 60 s, a
    page saying nothing of this request was written and to send it again later."""
    visit.sign_in(ADMIN)
    form = visit.get("/quan-ly/ma-truy-cap").text
    form_id = re.search(r'name="form_id" value="([^"]+)"', form)
    assert form_id is not None
    _fail_every_statement(visit.hub, _sqlite_full())

    answer = visit.client.post(
        "/quan-ly/ma-truy-cap",
        data={
            "csrf_token": csrf(form),
            "form_id": form_id.group(1),
            "agency": "so-nnmt",
            "roles": "consumer",
        },
        headers={"Referer": "http://testserver/quan-ly/ma-truy-cap"},
    )
    text = _assert_page(
        answer,
        503,
        "Kho tạm thời chưa lưu được dữ liệu",
        "chưa ghi được gì từ yêu cầu này",
        "cần gửi lại",
    )
    assert answer.headers["Retry-After"] == "60"
    assert "full" not in text and "SQLITE" not in text
    assert 'href="/quan-ly/ma-truy-cap"' in answer.text  # back to the form


def test_an_unexpected_error_on_a_page_is_a_500_page(visit: StaffVisit) -> None:
    """An exception nothing expects, answered by the catch-all outside the pages' middleware,
    still a page with the security headers and nothing of the exception."""
    _fail_every_statement(visit.hub, RuntimeError("statement SELECT secret"))
    answer = visit.get("/chi-so-766")
    text = _assert_page(answer, 500, "Đã có lỗi xảy ra", "Sự cố đã được ghi lại.")
    assert "secret" not in text and "RuntimeError" not in text
    assert answer.headers["X-Frame-Options"] == "DENY"


def test_a_500_shows_the_request_id_its_header_and_its_log_line_carry(
    visit: StaffVisit,
    captured: io.StringIO,  # noqa: F811 (the fixture imported above)
) -> None:
    """The catch-all answers outside the middleware that gives each request its id, yet the
    500 page shows the id for the reader to quote, its X-Request-ID header is that id, and so
    is the ``request_id`` of the error's log line, where the help desk finds it. The API's 500
    on the same failure carries the id it was sent."""
    token = visit.hub.tokens.create("vp-ubnd", frozenset({Role.CONSUMER})).plaintext
    _fail_every_statement(visit.hub, RuntimeError("statement SELECT secret"))
    answer = visit.get("/chi-so-766")
    request_id = _assert_request_id_shown(answer)
    (error,) = [line for line in lines(captured) if line["event"].startswith("unhandled error")]
    assert error["request_id"] == request_id and error["level"] == "error"

    api = visit.client.get(
        "/api/v1/datasets/tthc.dossiers/records",
        headers={"Authorization": f"Bearer {token}", "X-Request-ID": "hoi-dap-500"},
    )
    assert api.status_code == 500 and api.json()["error"]["code"] == "internal_error"
    assert api.headers["X-Request-ID"] == "hoi-dap-500"
    errors = [line for line in lines(captured) if line["event"].startswith("unhandled error")]
    assert errors[-1]["request_id"] == "hoi-dap-500"


def test_the_way_on_is_buttons_without_list_bullets(visit: StaffVisit) -> None:
    """A client error (405) offers the home page as a button, not a lone list item, and no
    request id: the reader's own request, nothing for the help desk to look up."""
    answer = visit.client.post("/chi-so-766")
    text = _assert_page(answer, 405, "Trang này không nhận yêu cầu kiểu này")
    assert '<a class="button" href="/">Về trang chủ</a>' in answer.text
    assert "<li>" not in answer.text.split('class="panel error-page"')[1]
    assert "Mã yêu cầu" not in text


def test_a_method_a_page_does_not_take_is_a_405_page(visit: StaffVisit) -> None:
    """POST to a page that is only read: 405 with its Allow, in Vietnamese; the API's 405
    stays JSON."""
    answer = visit.client.post("/chi-so-766")
    _assert_page(answer, 405, "Trang này không nhận yêu cầu kiểu này")
    assert "GET" in answer.headers["Allow"]
    assert "Method Not Allowed" not in answer.text

    api = visit.client.delete("/api/v1/datasets/tthc.dossiers/records")
    assert api.status_code == 405
    assert api.json()["error"]["code"] == "http_error"


def test_a_form_field_over_the_limit_is_a_413_page_naming_the_limit(visit: StaffVisit) -> None:
    """The staff correction form with a field over Starlette's 1 MiB: a Vietnamese page
    naming the limit, not "Field exceeded maximum size of 1024KB."."""
    visit.sign_in(ADMIN)
    token = csrf(visit.get("/quan-ly/ma-truy-cap").text)
    for posted in (
        {"data": {"csrf_token": token, "ban-ghi-json": "x" * (1024 * 1024 + 1)}},
        {
            "content": b'-----b\r\nContent-Disposition: form-data; name="ban-ghi-json"\r\n\r\n'
            + b"x" * (1024 * 1024 + 1)
            + b"\r\n-----b--\r\n",
            "headers": {"Content-Type": "multipart/form-data; boundary=---b"},
        },
    ):
        answer = visit.client.post(CORRECTION, **posted)
        text = _assert_page(answer, 413, "Nội dung gửi quá dài", "Một ô của biểu mẫu dài quá 1 MB")
        assert "exceeded" not in text


def test_too_many_fields_and_a_broken_form_are_pages(visit: StaffVisit) -> None:
    """More fields than Starlette reads (1,000): 413 naming the count; a multipart form without
    its boundary: 400, "không đọc được"."""
    many = visit.client.post(
        "/dang-nhap",
        content="&".join(f"o{i}=1" for i in range(1001)),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    _assert_page(many, 413, "Biểu mẫu có quá nhiều mục", "hơn 1.000 ô")

    broken = visit.client.post(
        "/dang-nhap",
        content=b"x",
        headers={"Content-Type": "multipart/form-data", "Referer": "http://testserver/dang-nhap"},
    )
    text = _assert_page(broken, 400, "Không đọc được biểu mẫu", "Quay lại trang trước")
    assert "boundary" not in text
    assert 'href="/dang-nhap"' in broken.text


def test_the_way_back_never_leads_to_another_site(visit: StaffVisit) -> None:
    """The "back" link is the Referer's path on this site only: another host's is left out."""
    for referer in ("http://evil.example/dang-nhap", "http://testserver//evil.example/"):
        answer = visit.client.post(
            "/dang-nhap",
            content=b"x",
            headers={"Content-Type": "multipart/form-data", "Referer": referer},
        )
        _assert_page(answer, 400, "Không đọc được biểu mẫu")
        assert "evil" not in answer.text
        assert "Quay lại trang trước" not in answer.text
