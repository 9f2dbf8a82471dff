"""The Decision 766 index over HTTP: public and read-only, as the national portal publishes the
same figures openly. Each answer is computed from the latest states when asked
(``hub.index766.reading``), so a dossier update is in the next answer once the index worker
has applied it.

- ``GET /api/v1/index766?unit=&period=``: a unit's figures (``IndexFigures``).
- ``GET /api/v1/index766/ranking?period=&level=agency|commune``: units by points, best first.
- ``GET /api/v1/index766/trend?unit=&from=&to=``: each month's points and score.
- ``GET /api/v1/index766/dossiers?unit=&period=&indicator=&outcome=``: the records behind a
  figure (ids, times, procedure, agency, commune; the index stores nothing personal).

A unit or period that does not parse, an unknown indicator or outcome: 400 naming the parameter.
A unit no dossier names: 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from hub.app.api.errors import ApiError
from hub.app.wiring import Hub
from hub.index766.errors import IndexInputError
from hub.index766.figures import BehindItem, IndexFigures
from hub.index766.indicators import outcomes_of
from hub.index766.periods import Period, Unit, parse_period, parse_unit
from hub.index766.reading import UnknownUnit

T = TypeVar("T")


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RankedUnit(_Closed):
    """Một đơn vị trong bảng xếp hạng | One unit of a ranking."""

    rank: int = Field(description="Thứ hạng, từ 1 | Rank, from 1")
    unit: str = Field(description="agency:<mã> hoặc commune:<mã> | The unit")
    points: float
    computed_max: float
    score: float = Field(description="points ÷ computed_max × 100")


class RankingAnswer(_Closed):
    period: str
    level: Literal["agency", "commune"]
    as_of: dt.datetime
    method_version: str
    units: list[RankedUnit]


class TrendPoint(_Closed):
    """Một tháng | One month of the series."""

    period: str = Field(description="Tháng, ví dụ 2025-08 | The month")
    as_of: dt.datetime
    points: float
    computed_max: float
    score: float


class TrendAnswer(_Closed):
    unit: str
    from_period: str = Field(description="Tháng đầu | The first month's period as asked")
    to_period: str = Field(description="Tháng cuối | The last month's period as asked")
    method_version: str
    months: list[TrendPoint]


class BehindAnswer(_Closed):
    unit: str
    period: str
    indicator: str
    outcome: str
    count: int
    items: list[BehindItem]


async def show_index(request: Request) -> IndexFigures:
    hub: Hub = request.app.state.hub
    unit, period = _unit(request), _period(request, "period")
    return await _read(lambda: hub.index_reader.figures(unit, period, _now()))


async def show_ranking(request: Request) -> RankingAnswer:
    hub: Hub = request.app.state.hub
    period = _period(request, "period")
    level = request.query_params.get("level", "agency")
    if level not in ("agency", "commune"):
        raise _bad("level", f"Cấp đơn vị không hợp lệ: {level!r} (agency hoặc commune)")
    now = _now()
    chosen: Literal["agency", "commune"] = "agency" if level == "agency" else "commune"
    ranked = await _read(lambda: hub.index_reader.ranking(period, chosen, now))
    return RankingAnswer(
        period=period.key,
        level=chosen,
        as_of=period.as_of(now),
        method_version=hub.index_method.version,
        units=[
            RankedUnit(
                rank=number,
                unit=r.unit.key,
                points=r.figures.points,
                computed_max=r.figures.computed_max,
                score=r.figures.score,
            )
            for number, r in enumerate(ranked, start=1)
        ],
    )


async def show_trend(request: Request) -> TrendAnswer:
    hub: Hub = request.app.state.hub
    unit = _unit(request)
    first, last = _period(request, "from"), _period(request, "to")
    series = await _read(lambda: hub.index_reader.trend(unit, first, last, _now()), parameter="to")
    return TrendAnswer(
        unit=unit.key,
        from_period=first.key,
        to_period=last.key,
        method_version=hub.index_method.version,
        months=[
            TrendPoint(
                period=m.month.key,
                as_of=m.figures.as_of,
                points=m.figures.points,
                computed_max=m.figures.computed_max,
                score=m.figures.score,
            )
            for m in series
        ],
    )


async def show_behind(request: Request) -> BehindAnswer:
    hub: Hub = request.app.state.hub
    unit, period = _unit(request), _period(request, "period")
    indicator = _required(request, "indicator")
    outcome = _required(request, "outcome")
    try:
        counted, against = outcomes_of(indicator)
    except IndexInputError as exc:
        raise _bad("indicator", str(exc)) from exc
    if outcome not in (counted, against):
        raise _bad(
            "outcome",
            f"Kết quả không hợp lệ cho chỉ số {indicator}: {outcome!r} (chọn {counted} hoặc"
            f" {against})",
        )
    items = await _read(
        lambda: hub.index_reader.behind(unit, period, indicator, outcome, _now()),
        parameter="indicator",
    )
    return BehindAnswer(
        unit=unit.key,
        period=period.key,
        indicator=indicator,
        outcome=outcome,
        count=len(items),
        items=items,
    )


async def _read(work: Callable[[], T], *, parameter: str = "unit") -> T:
    """Run the computation off the event loop; an unknown unit is a 404, another input the
    index refuses (an indicator, an outcome, a reversed range) a 400 naming ``parameter``."""
    try:
        return await run_in_threadpool(work)
    except UnknownUnit as exc:
        raise ApiError(404, "unknown_unit", str(exc), parameter="unit") from exc
    except IndexInputError as exc:
        raise _bad(parameter, str(exc)) from exc


def _unit(request: Request) -> Unit:
    text = _required(request, "unit")
    try:
        return parse_unit(text)
    except IndexInputError as exc:
        raise _bad("unit", str(exc)) from exc


def _period(request: Request, name: str) -> Period:
    text = _required(request, name)
    try:
        return parse_period(text)
    except IndexInputError as exc:
        raise _bad(name, f"Tham số {name}: {exc}") from exc


def _required(request: Request, name: str) -> str:
    value = request.query_params.get(name)
    if value is None or not value.strip():
        raise _bad(name, f"Thiếu tham số {name}")
    if len(value) > 200:
        raise _bad(name, f"Tham số {name} dài quá 200 ký tự")
    return value


def _bad(parameter: str, message: str) -> ApiError:
    return ApiError(400, "bad_query", message, parameter=parameter)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
