"""The 766 dashboard's pages, on the same reader the API uses (``hub.index_reader``):

- ``/chi-so-766?period=&level=``: the province's score, trend and the ranking of agencies or
  communes for a month, quarter or year;
- ``/chi-so-766/tinh``, ``/chi-so-766/co-quan/{code}``, ``/chi-so-766/xa/{code}`` (``?period=``):
  a unit's every indicator, its weak ones and what full points would take, its monthly trend;
- the same paths plus ``/ho-so?period=&indicator=&outcome=&trang=``: the records behind a figure.

Every view is its own URL. An unknown unit, a period that does not parse or has no dossier, an
unknown indicator or outcome is the Vietnamese 404 page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar
from urllib.parse import quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hub.app.api.numbers import bounded_int
from hub.app.web.errors import not_found_page
from hub.app.web.index_periods import (
    PeriodChoice,
    choices,
    parse_period_or_none,
    trend_window,
)
from hub.app.web.index_view import has_data, indicator_views, weakest
from hub.app.web.index_words import outcome_words, period_label
from hub.app.web.templating import render
from hub.app.web.unit_names import LEVEL_WORDS, unit_name
from hub.app.wiring import Hub
from hub.index766.errors import IndexInputError
from hub.index766.figures import IndexFigures
from hub.index766.indicators import outcomes_of
from hub.index766.periods import PROVINCE, Period, Unit, parse_unit
from hub.index766.reading import MonthFigures, Ranked, UnknownUnit

T = TypeVar("T")
Level = Literal["agency", "commune"]
BEHIND_PAGE_SIZE = 100
BASE = "/chi-so-766"


def unit_path(unit: Unit) -> str:
    if unit.level == "province":
        return f"{BASE}/tinh"
    return f"{BASE}/{'co-quan' if unit.level == 'agency' else 'xa'}/{quote(unit.code or '')}"


def with_query(path: str, **params: str | int | None) -> str:
    kept = {k: v for k, v in params.items() if v is not None}
    return f"{path}?{urlencode(kept)}" if kept else path


@dataclass(frozen=True, slots=True)
class TrendRow:
    period: Period
    label: str
    figures: IndexFigures


@dataclass(frozen=True, slots=True)
class Context:
    """What every 766 page needs: the hub, judged now, the latest month with a dossier."""

    hub: Hub
    now: dt.datetime
    latest: Period


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


async def _off_loop(work: Callable[[], T]) -> T:
    return await run_in_threadpool(work)


async def _context(hub: Hub) -> Context | None:
    """None when the index has no dossier yet."""
    latest = await _off_loop(hub.index_reader.latest_month)
    return None if latest is None else Context(hub, dt.datetime.now(dt.UTC), latest)


def _choices(context: Context, series: list[MonthFigures]) -> list[PeriodChoice]:
    """The months with dossiers of the trend shown, and the latest month, with their quarters
    and years (the trend is computed for the page anyway: the choices cost nothing more)."""
    return choices([m.month for m in series] + [context.latest])


def from_first_data(series: list[MonthFigures]) -> list[MonthFigures]:
    """The series from its first month with data (the months before any dossier are not zero
    but "no data", and would show as full points)."""
    for index, month in enumerate(series):
        if has_data(month.figures):
            return series[index:]
    return []


def _trend_rows(series: list[MonthFigures]) -> list[TrendRow]:
    return [TrendRow(m.month, period_label(m.month), m.figures) for m in series]


def _chosen_period(request: Request, context: Context) -> Period | None:
    """The period asked for, the latest month when none is; None when it does not parse."""
    text = request.query_params.get("period")
    if text is None or not text.strip():
        return context.latest
    return parse_period_or_none(text)


def _empty_index(request: Request) -> Response:
    return render(request, "index766/empty.html", {})


async def dashboard_page(request: Request) -> Response:
    hub = _hub(request)
    context = await _context(hub)
    if context is None:
        return _empty_index(request)
    period = _chosen_period(request, context)
    if period is None:
        return not_found_page(request, _bad_period(request))
    level_text = request.query_params.get("level", "agency")
    if level_text not in ("agency", "commune"):
        return not_found_page(request, "Cấp đơn vị không có: chọn cơ quan hoặc xã, phường.")
    level: Level = "agency" if level_text == "agency" else "commune"
    chosen = period
    province, series = await _figures_and_trend(context, PROVINCE, period)
    if not has_data(province):
        return not_found_page(request, f"Không có hồ sơ nào trong {period_label(period)}.")
    ranked = await _off_loop(lambda: hub.index_reader.ranking(chosen, level, context.now))
    groups = indicator_views(province, hub.index_method)
    return render(
        request,
        "index766/dashboard.html",
        {
            "period": period,
            "period_label": period_label(period),
            "level": level,
            "levels": [("agency", "Cơ quan tiếp nhận"), ("commune", "Xã, phường")],
            "choices": _choices(context, series),
            "figures": province,
            "weakest": weakest(groups),
            "ranking": [
                _ranked_row(hub, number, r, period) for number, r in enumerate(ranked, start=1)
            ],
            "trend": _trend_rows(series),
            "api_url": with_query("/api/v1/index766/ranking", period=period.key, level=level),
            "province_url": with_query(unit_path(PROVINCE), period=period.key),
            "behind_url": unit_path(PROVINCE) + "/ho-so",
        },
    )


@dataclass(frozen=True, slots=True)
class RankRow:
    rank: int
    name: str
    code: str
    url: str
    figures: IndexFigures


def _ranked_row(hub: Hub, rank: int, ranked: Ranked, period: Period) -> RankRow:
    return RankRow(
        rank=rank,
        name=unit_name(ranked.unit, hub.catalogue.catalogue),
        code=ranked.unit.code or "",
        url=with_query(unit_path(ranked.unit), period=period.key),
        figures=ranked.figures,
    )


async def _figures_and_trend(
    context: Context, unit: Unit, period: Period
) -> tuple[IndexFigures, list[MonthFigures]]:
    """The unit's figures for the period and its months with data in the trend window ending
    with the period, read together off the event loop."""
    first, last = trend_window(period)
    reader = context.hub.index_reader
    figures, series = await _off_loop(
        lambda: reader.figures_and_trend(unit, period, first, last, context.now)
    )
    return figures, from_first_data(series)


KINDS = {"co-quan": "agency", "xa": "commune"}
"""The path word of each unit level below the province."""


def _unit_from_path(request: Request) -> Unit | None:
    """The province (no kind in the path), an agency or a commune; None when the path's kind
    or code is not one."""
    kind = request.path_params.get("kind")
    if kind is None:
        return PROVINCE
    if kind not in KINDS:
        return None
    try:
        return parse_unit(f"{KINDS[kind]}:{request.path_params.get('code', '')}")
    except IndexInputError:
        return None


def _bad_period(request: Request) -> str:
    shown = (request.query_params.get("period") or "")[:40]
    return (
        f"Kỳ “{shown}” không đúng dạng: chọn một tháng (2025-08), một quý (2025-Q3) hoặc một"
        " năm (2025)."
    )


async def unit_page(request: Request) -> Response:
    hub = _hub(request)
    unit = _unit_from_path(request)
    if unit is None:
        return not_found_page(request, "Mã đơn vị không đúng dạng.")
    context = await _context(hub)
    if context is None:
        return _empty_index(request)
    period = _chosen_period(request, context)
    if period is None:
        return not_found_page(request, _bad_period(request))
    try:
        figures, series = await _figures_and_trend(context, unit, period)
    except UnknownUnit:
        return not_found_page(request, "Không có đơn vị này trong chỉ số 766.")
    name = unit_name(unit, hub.catalogue.catalogue)
    groups = indicator_views(figures, hub.index_method)
    return render(
        request,
        "index766/unit.html",
        {
            "unit": unit,
            "name": name,
            "level_word": LEVEL_WORDS[unit.level],
            "period": period,
            "period_label": period_label(period),
            "choices": _choices(context, series),
            "figures": figures,
            "has_data": has_data(figures),
            "groups": groups,
            "weakest": weakest(groups),
            "trend": _trend_rows(series),
            "unit_url": unit_path(unit),
            "behind_url": unit_path(unit) + "/ho-so",
            "api_url": with_query("/api/v1/index766", unit=unit.key, period=period.key),
            "dashboard_url": with_query(BASE, period=period.key),
        },
    )


async def behind_page(request: Request) -> Response:
    hub = _hub(request)
    unit = _unit_from_path(request)
    if unit is None:
        return not_found_page(request, "Mã đơn vị không đúng dạng.")
    context = await _context(hub)
    if context is None:
        return _empty_index(request)
    period = _chosen_period(request, context)
    if period is None:
        return not_found_page(request, _bad_period(request))
    indicator = request.query_params.get("indicator", "")
    outcome = request.query_params.get("outcome", "")
    spec = hub.index_method.indicator(indicator) if len(indicator) <= 100 else None
    try:
        counted, against = outcomes_of(indicator)
    except IndexInputError:
        spec = None
    if spec is None or not spec.computed:
        return not_found_page(request, "Không có chỉ số này trong phương pháp 766 của Kho.")
    if outcome not in (counted, against):
        return not_found_page(request, "Không có kết quả này cho chỉ số đã chọn.")
    chosen = period
    try:
        items = await _off_loop(
            lambda: hub.index_reader.behind(unit, chosen, indicator, outcome, context.now)
        )
    except UnknownUnit:
        return not_found_page(request, "Không có đơn vị này trong chỉ số 766.")
    pages = max(1, -(-len(items) // BEHIND_PAGE_SIZE))
    page = bounded_int(request.query_params.get("trang", "1"), 1, pages)
    if page is None:
        return not_found_page(request, "Không có trang này trong danh sách.")
    words = outcome_words(indicator)
    label = words.counted if outcome == counted else words.against
    other = against if outcome == counted else counted
    query = {"period": period.key, "indicator": indicator}
    behind = unit_path(unit) + "/ho-so"
    return render(
        request,
        "index766/behind.html",
        {
            "unit": unit,
            "name": unit_name(unit, hub.catalogue.catalogue),
            "period": period,
            "period_label": period_label(period),
            "spec": spec,
            "words": words,
            "label": label,
            "outcome": outcome,
            "items": items[(page - 1) * BEHIND_PAGE_SIZE : page * BEHIND_PAGE_SIZE],
            "count": len(items),
            "page": page,
            "pages": pages,
            "first_number": (page - 1) * BEHIND_PAGE_SIZE + 1,
            "page_url": lambda number: with_query(behind, **query, outcome=outcome, trang=number),
            "other_url": with_query(behind, **query, outcome=other),
            "other_label": words.against if outcome == counted else words.counted,
            "unit_url": with_query(unit_path(unit), period=period.key),
            "api_url": with_query(
                "/api/v1/index766/dossiers",
                unit=unit.key,
                period=period.key,
                indicator=indicator,
                outcome=outcome,
            ),
        },
    )


DASHBOARD_PAGES: list[BaseRoute] = [
    Route(BASE, dashboard_page, name="index766_dashboard"),
    Route(f"{BASE}/tinh", unit_page, name="index766_province"),
    Route(f"{BASE}/tinh/ho-so", behind_page, name="index766_province_behind"),
    Route(BASE + "/{kind:str}/{code:str}", unit_page, name="index766_unit"),
    Route(BASE + "/{kind:str}/{code:str}/ho-so", behind_page, name="index766_unit_behind"),
]
