"""The hub serves on uvicorn's fast stack: ``kho serve``, the benches' and the tests' servers
leave uvicorn's loop and http at "auto", which take uvloop and httptools when they are installed
(pyproject.toml installs them) and fall back to asyncio and h11 silently when they are not."""

from __future__ import annotations

import asyncio

import httpx
import uvicorn
import uvloop
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from tests.serving import serve_app


def test_auto_takes_uvloop_and_httptools() -> None:
    """uvicorn's defaults, which the hub keeps, pick uvloop's loop and httptools' parser."""
    config = uvicorn.Config(Starlette())
    assert (config.loop, config.http) == ("auto", "auto")
    config.load()
    assert config.http_protocol_class is HttpToolsProtocol
    factory = config.get_loop_factory()
    assert factory is not None
    loop = factory()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()


def test_a_served_request_runs_on_uvloop() -> None:
    """A request served as the tests serve the hub (tests/serving.py) runs on uvloop's loop."""

    async def loop_type(request: Request) -> PlainTextResponse:
        return PlainTextResponse(type(asyncio.get_running_loop()).__module__)

    with serve_app(Starlette(routes=[Route("/", loop_type)])) as base_url:
        answer = httpx.get(base_url + "/")
    assert answer.status_code == 200
    assert answer.text.startswith("uvloop")
