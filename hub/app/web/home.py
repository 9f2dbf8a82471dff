"""``/``: the province at a glance: its 766 score for the latest month with the trend and the
three weakest indicators, the freshest salinity readings (then live through the SSE stream),
the newest open datasets, and how many records each sector shared this month."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from hub.app.web.catalogue_labels import SECTORS, label
from hub.app.web.dashboard import TrendRow, from_first_data, unit_path
from hub.app.web.index_periods import trend_window
from hub.app.web.index_view import indicator_views, weakest
from hub.app.web.index_words import period_label
from hub.app.web.newest_datasets import newest_datasets
from hub.app.web.salinity_now import salinity_now
from hub.app.web.sector_counts import shared_this_month
from hub.app.web.templating import render
from hub.app.wiring import Hub
from hub.index766.figures import IndexFigures
from hub.index766.periods import PROVINCE, Period


@dataclass(frozen=True, slots=True)
class ProvinceGlance:
    period: Period
    figures: IndexFigures
    trend: list[TrendRow]


def _province_glance(hub: Hub, now: dt.datetime) -> ProvinceGlance | None:
    reader = hub.index_reader
    latest = reader.latest_month()
    if latest is None:
        return None
    first, last = trend_window(latest)
    series = from_first_data(reader.trend(PROVINCE, first, last, now))
    if not series:
        return None
    trend = [TrendRow(m.month, period_label(m.month), m.figures) for m in series]
    return ProvinceGlance(latest, series[-1].figures, trend)


async def home_page(request: Request) -> Response:
    hub: Hub = request.app.state.hub
    now = dt.datetime.now(dt.UTC)
    glance = await run_in_threadpool(_province_glance, hub, now)
    salinity = await run_in_threadpool(salinity_now, hub)
    datasets = await run_in_threadpool(newest_datasets, hub)
    shares = await run_in_threadpool(shared_this_month, hub, now)
    context: dict[str, object] = {
        "salinity": salinity,
        "datasets": datasets,
        "shares": shares,
        "sector_label": lambda code: label(SECTORS, code),
        "month_label": f"Tháng {shares.month_start.month}/{shares.month_start.year}",
    }
    if glance is not None:
        groups = indicator_views(glance.figures, hub.index_method)
        context |= {
            "period": glance.period,
            "period_label": period_label(glance.period),
            "figures": glance.figures,
            "trend": glance.trend,
            "weakest": weakest(groups),
            "behind_url": unit_path(PROVINCE) + "/ho-so",
            "province_url": f"{unit_path(PROVINCE)}?period={glance.period.key}",
        }
    return render(request, "home.html", context)
