"""The pages' foundation in the HTTP app: Vietnamese pages with security headers, the favicon and
static files served by the hub itself, a Vietnamese 404 page for unknown page paths while API
paths keep their JSON errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from hub.app.api import build_app
from hub.app.wiring import Hub


@pytest.fixture
def client(embedded_hub: Hub) -> Iterator[TestClient]:
    with TestClient(build_app(embedded_hub)) as client:
        yield client


def test_home_is_a_vietnamese_page_with_security_headers(client: TestClient) -> None:
    """``/`` answers HTML in Vietnamese, with a CSP that forbids inline scripts."""
    answer = client.get("/")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert '<html lang="vi">' in answer.text
    assert "<title>" in answer.text
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert "unsafe-inline" not in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "same-origin"


def test_favicon_and_stylesheet_are_served_by_the_hub(client: TestClient) -> None:
    """Chromium's request for /favicon.ico and the page's stylesheet both succeed."""
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"
    css = client.get("/static/kho.css")
    assert css.status_code == 200
    assert "text/css" in css.headers["content-type"]


def test_an_unknown_page_path_is_a_vietnamese_404_page(client: TestClient) -> None:
    """An unknown path outside the API is an HTML page saying so, with a link home."""
    answer = client.get("/khong-co-trang-nay")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "Không tìm thấy trang" in answer.text
    assert 'href="/"' in answer.text


def test_an_unknown_api_path_keeps_its_json_error(client: TestClient) -> None:
    """An unknown path under /api/ is still the API's JSON error, not a page."""
    answer = client.get("/api/v1/khong-co")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["error"]["code"] == "http_error"
