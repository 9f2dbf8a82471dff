"""One Jinja2 environment for every page, with the Vietnamese number and date filters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from importlib.metadata import version
from importlib.resources import files
from typing import Any

from babel import Locale
from babel.numbers import NumberPattern, parse_pattern
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from hub.app.web.people.template_globals import PEOPLE_GLOBALS
from hub.vietnam_time import VIETNAM_TZ

LOCALE = "vi_VN"

NAVIGATION = (
    ("/", "Trang chủ"),
    ("/chi-so-766", "Chỉ số 766"),
    ("/du-lieu", "Dữ liệu mở"),
)
"""The header's links: (path, label); a section is current when the page's path starts with it."""

ASSET_VERSION = version("kho")
"""In the static files' URLs, so a new release is never served an old cached stylesheet."""

CHARTS_AVAILABLE = files("hub.app.web").joinpath("static", "vendor", "uPlot.iife.min.js").is_file()
"""Whether the charting library was installed (scripts/web-assets.sh): without it the pages
leave their charts out and keep their tables, which hold every figure."""


def vn_number(value: float | int | Decimal | None, digits: int = 1) -> str:
    """``1234.5`` -> ``1.234,5``: Vietnamese grouping and decimal marks, at most ``digits``
    decimals (none shown when the value is whole). ``None`` -> an en dash."""
    if value is None:
        return "–"
    return str(_number_pattern(digits).apply(value, _LOCALE))


_LOCALE = Locale.parse(LOCALE)


@cache
def _number_pattern(digits: int) -> NumberPattern:
    """The pattern of ``digits`` decimals, parsed once (a page formats a hundred numbers)."""
    return parse_pattern("#,##0" + ("." + "#" * digits if digits > 0 else ""))


def vn_date(value: dt.date | dt.datetime | None) -> str:
    """``31/07/2025``; a moment is taken in Vietnam time (naive means UTC)."""
    if value is None:
        return "–"
    if isinstance(value, dt.datetime):
        value = _in_vietnam(value)
    return value.strftime("%d/%m/%Y")


def vn_datetime(value: dt.datetime | None) -> str:
    """``31/07/2025 14:05``, in Vietnam time (naive means UTC)."""
    if value is None:
        return "–"
    return _in_vietnam(value).strftime("%d/%m/%Y %H:%M")


def lower_first(text: str) -> str:
    """``Quý III/2025`` -> ``quý III/2025``: a label inside a sentence (``lower`` would also
    lower the Roman numerals)."""
    return text[:1].lower() + text[1:]


def _in_vietnam(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(VIETNAM_TZ)


def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("hub.app.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["vn_number"] = vn_number
    environment.filters["vn_date"] = vn_date
    environment.filters["vn_datetime"] = vn_datetime
    environment.filters["lower_first"] = lower_first
    environment.globals["navigation"] = NAVIGATION
    environment.globals["asset_version"] = ASSET_VERSION
    environment.globals["charts_available"] = CHARTS_AVAILABLE
    environment.globals.update(PEOPLE_GLOBALS)  # csrf_field(), signed_in(), signin_mode()
    return environment


ENVIRONMENT = _environment()


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The template ``name`` rendered with ``context``; ``request`` is in the context too (the
    navigation marks the current section by its path)."""
    template = ENVIRONMENT.get_template(name)
    html = template.render({"request": request, "path": request.url.path, **(context or {})})
    return HTMLResponse(html, status_code=status)
