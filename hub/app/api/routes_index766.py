"""The route table's endpoints for the Decision 766 service-quality index: public and read-only
(the national portal publishes the same figures openly)."""

from __future__ import annotations

from hub.app.api import index766
from hub.app.api.documented_refusals import BAD_TOKEN, error
from hub.app.api.endpoint import Answer, Endpoint, Parameter
from hub.index766.figures import IndexFigures

_TAGS = ("index766",)
_BAD_INPUT = error("A unit, period, level, indicator or outcome that does not parse; `parameter`")
_UNKNOWN_UNIT = error("No dossier in the index names this unit | unknown_unit")

_UNIT = Parameter(
    "unit",
    "query",
    "Đơn vị: province, agency:<mã cơ quan tiếp nhận>, commune:<mã xã> | The unit",
    {"type": "string", "maxLength": 200},
    required=True,
)


def _period(name: str, what: str) -> Parameter:
    return Parameter(
        name,
        "query",
        f"{what}: tháng 2025-08, quý 2025-Q3 hoặc năm 2025 (giờ Việt Nam) | A month, quarter or"
        " year, Vietnam time",
        {"type": "string", "pattern": r"^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]))?$"},
        required=True,
    )


INDEX766_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "GET",
        "/api/v1/index766",
        index766.show_index,
        "show_index766",
        "Chỉ số 766 của một đơn vị trong một kỳ | A unit's 766 index for a period",
        {
            200: Answer("Every group and indicator, numbers unrounded", IndexFigures),
            400: _BAD_INPUT,
            401: BAD_TOKEN,
            404: _UNKNOWN_UNIT,
        },
        description=(
            "Computed from each dossier's and feedback's latest state, judged at `as_of` ="
            " min(now, end of the period). `score` = points ÷ computed_max × 100."
        ),
        parameters=(_UNIT, _period("period", "Kỳ")),
        tags=_TAGS,
    ),
    Endpoint(
        "GET",
        "/api/v1/index766/ranking",
        index766.show_ranking,
        "rank_index766",
        "Xếp hạng cơ quan hoặc xã theo điểm | Agencies or communes by points",
        {200: Answer("Best first", index766.RankingAnswer), 400: _BAD_INPUT, 401: BAD_TOKEN},
        parameters=(
            _period("period", "Kỳ"),
            Parameter(
                "level",
                "query",
                "Cấp đơn vị (mặc định agency) | Unit level",
                {"type": "string", "enum": ["agency", "commune"]},
            ),
        ),
        tags=_TAGS,
    ),
    Endpoint(
        "GET",
        "/api/v1/index766/trend",
        index766.show_trend,
        "trend_index766",
        "Diễn biến theo tháng | The monthly series",
        {
            200: Answer("Each month's points and score", index766.TrendAnswer),
            400: _BAD_INPUT,
            401: BAD_TOKEN,
            404: _UNKNOWN_UNIT,
        },
        parameters=(_UNIT, _period("from", "Từ kỳ"), _period("to", "Đến kỳ")),
        tags=_TAGS,
    ),
    Endpoint(
        "GET",
        "/api/v1/index766/dossiers",
        index766.show_behind,
        "index766_dossiers",
        "Hồ sơ đứng sau một chỉ số | The records behind a figure",
        {
            200: Answer("Ids and times, nothing personal", index766.BehindAnswer),
            400: _BAD_INPUT,
            401: BAD_TOKEN,
            404: _UNKNOWN_UNIT,
        },
        description=(
            "For example the late dossiers of `progress.on_time` (`outcome=late`) or the unpaid"
            " ones of `payment.dossiers_paid_online` (`outcome=unpaid`)."
        ),
        parameters=(
            _UNIT,
            _period("period", "Kỳ"),
            Parameter(
                "indicator",
                "query",
                "Mã chỉ số, ví dụ progress.on_time | Indicator id",
                required=True,
            ),
            Parameter(
                "outcome",
                "query",
                "Kết quả, ví dụ late | The outcome counted for or against",
                required=True,
            ),
        ),
        tags=_TAGS,
    ),
)
