"""The indicators computed from the hand-computed sample (sample.py) and INDEX-766's worked
example, exactly, with as_of, no data, and the records behind a figure."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import pytest

from hub.index766.errors import IndexInputError
from hub.index766.figures import IndexFigures, IndicatorFigure
from hub.index766.indicators import compute_index, dossiers_behind, outcomes_of
from hub.index766.method import IndexMethod, load_method
from hub.index766.periods import parse_period, parse_unit, scoped
from hub.index766.states import latest_states
from tests.paths import CATALOGUE_DIR
from tests.unit.index766.builders import dossier, vn
from tests.unit.index766.sample import DOSSIER_RECORDS, FACTS, FEEDBACK_RECORDS, P2

METHOD = load_method(CATALOGUE_DIR / "index766.yaml")
SO_A, AUGUST = parse_unit("agency:so-a"), parse_period("2025-08")
AFTER = vn(2025, 9, 15, 10)

# Hand-computed: (numerator, denominator, exact points) per indicator, from sample.py's table.
EXPECTED = {
    "publicity.synced": (4, 6, Fraction(6) * Fraction(4, 6)),
    "progress.on_time": (3, 6, Fraction(10)),  # d1, d3, d6 on time; d2, d4, d5 late
    "online.full_online": (2, 3, Fraction(12) * Fraction(2, 3) / Fraction(4, 5)),  # P1: d1 d6/d2
    "payment.dossiers_paid_online": (2, 4, Fraction(3)),  # d1 d5 / d1 d2 d4 d5
    "payment.procedures_paid_online": (2, 3, Fraction(5, 2) * Fraction(2, 3)),  # P1 P3 / P1-3
    "payment.procedures_with_fee_dossiers": (3, 4, Fraction(2)),  # min(2, 2.5 × 3/4 = 1.875)
    "digitisation.e_result": (2, 3, Fraction(4)),  # finished by as_of: d1 d2 d5; digitised d1 d5
    "digitisation.components": (2, 3, Fraction(8, 3)),  # d1 d4 / d1 d2 d4
    "digitisation.reuse": (2, 6, Fraction(2) * Fraction(1, 3) / Fraction(4, 5)),
    "digitisation.data_store": (1, 2, Fraction(2)),  # P1 finished by as_of: d1 d2; stored d1
    "satisfaction.feedback_on_time": (3, 4, Fraction(9, 2)),  # f2 late
    "satisfaction.feedback_clean": (1, 4, Fraction(3, 2)),  # f1 only
    "satisfaction.overall": (2, 6, Fraction(6) * Fraction(1, 3) / Fraction(9, 10)),  # d1 d6
}
EXPECTED["payment.procedures_with_fee_dossiers"] = (3, 4, Fraction(15, 8))


def _sample(now: dt.datetime = AFTER, method: IndexMethod = METHOD) -> IndexFigures:
    dossiers = scoped(latest_states(DOSSIER_RECORDS), SO_A, AUGUST)
    feedback = scoped(latest_states(FEEDBACK_RECORDS), SO_A, AUGUST)
    return compute_index(method, FACTS, dossiers, feedback, SO_A, AUGUST, now)


def _indicators(figures: IndexFigures) -> dict[str, IndicatorFigure]:
    return {i.id: i for g in figures.groups for i in g.indicators}


def test_the_sample_scores_exactly_what_was_computed_by_hand() -> None:
    """Every indicator's numerator, denominator, ratio and points, and the totals, match the
    hand computation (points exact to the float of the fraction)."""
    figures = _sample()
    got = _indicators(figures)
    for indicator_id, (numerator, denominator, points) in EXPECTED.items():
        figure = got[indicator_id]
        assert (figure.numerator, figure.denominator) == (numerator, denominator), indicator_id
        assert figure.ratio == float(Fraction(numerator, denominator)), indicator_id
        assert figure.points == float(points), indicator_id
        assert figure.computed and not figure.no_data
    total = sum(p for _, _, p in EXPECTED.values())
    assert total == Fraction(3475, 72)
    assert figures.points == float(total)
    assert figures.score == float(total / 82 * 100)
    assert (figures.max_points, figures.computed_max) == (100, 82)
    assert (figures.unit, figures.period, figures.method_version) == (
        "agency:so-a",
        "2025-08",
        METHOD.version,
    )
    assert figures.as_of == vn(2025, 9, 1)
    payment = next(g for g in figures.groups if g.id == "payment")
    assert payment.points == float(Fraction(3) + Fraction(5, 3) + Fraction(15, 8))
    assert payment.title == "Thanh toán trực tuyến" and payment.max_points == 10


def test_not_hub_data_indicators_appear_uncomputed_with_no_points() -> None:
    """publicity.procedures_* and digitisation.other: computed false, 0 of their maxima."""
    got = _indicators(_sample())
    for indicator_id, maximum in (("publicity.procedures_*", 12), ("digitisation.other", 6)):
        figure = got[indicator_id]
        assert (figure.computed, figure.points, figure.max_points) == (False, 0, maximum)
        assert figure.numerator is None and figure.ratio is None and not figure.no_data


def test_the_answer_has_exactly_the_published_json_shape() -> None:
    """The keys of the answer, its groups and indicators are those the issue gives."""
    data = _sample().model_dump(mode="json")
    assert list(data) == [
        "unit", "period", "as_of", "method_version", "points", "max_points",
        "computed_max", "score", "groups",
    ]  # fmt: skip
    assert list(data["groups"][0]) == ["id", "title", "points", "max_points", "indicators"]
    assert list(data["groups"][0]["indicators"][0]) == [
        "id", "title", "numerator", "denominator", "ratio", "points", "max_points",
        "computed", "no_data",
    ]  # fmt: skip


def test_a_later_record_changes_the_outcome_and_a_moved_dossier_leaves() -> None:
    """Before the later records, d5 is on time and d7 (open, overdue) counts for so-a: 4 of 7
    on time; after them d5 is late and d7 belongs to so-b: 3 of 6."""
    before = scoped(latest_states(DOSSIER_RECORDS[:-2]), SO_A, AUGUST)
    figures = compute_index(METHOD, FACTS, before, [], SO_A, AUGUST, AFTER)
    on_time = _indicators(figures)["progress.on_time"]
    assert (on_time.numerator, on_time.denominator) == (4, 7)
    on_time = _indicators(_sample())["progress.on_time"]
    assert (on_time.numerator, on_time.denominator) == (3, 6)


def test_a_denominator_of_zero_scores_full_points_and_says_no_data() -> None:
    """No feedback and no fee dossier: those indicators score their maxima, no_data true."""
    only = [dossier("x", finished_at=vn(2025, 8, 5))]
    got = _indicators(compute_index(METHOD, FACTS, only, [], SO_A, AUGUST, AFTER))
    for indicator_id, maximum in (
        ("satisfaction.feedback_on_time", 6),
        ("payment.dossiers_paid_online", 6),
        ("payment.procedures_paid_online", 2),
    ):
        figure = got[indicator_id]
        assert (figure.denominator, figure.ratio, figure.no_data) == (0, None, True)
        assert figure.points == maximum
    assert got["progress.on_time"].no_data is False


def test_an_open_dossier_is_on_time_until_due_and_a_closed_period_does_not_drift() -> None:
    """Open, due 25/8: on time judged on 22/8 (now), late judged after the month (its end)."""
    open_dossier = [dossier("o", received_at=vn(2025, 8, 20, 9), due_at=vn(2025, 8, 25, 17))]

    def on_time_at(now: dt.datetime) -> float | None:
        figures = compute_index(METHOD, FACTS, open_dossier, [], SO_A, AUGUST, now)
        assert figures.as_of == min(now, vn(2025, 9, 1))
        return _indicators(figures)["progress.on_time"].ratio

    assert on_time_at(vn(2025, 8, 22, 12)) == 1.0
    assert on_time_at(AFTER) == 0.0
    assert on_time_at(vn(2026, 1, 1)) == 0.0


def test_the_worked_example_of_the_method() -> None:
    """184/200 on time → 18.4; 40 of 80 fee dossiers paid online → 3.0; 7 of 10 fee-bearing
    procedures with an online payment → 1.75."""
    dossiers = []
    for n in range(200):
        fee = n < 80
        dossiers.append(
            dossier(
                f"w{n}",
                procedure_code=f"2.{n % 10:06d}" if fee else "9.000000",
                finished_at=vn(2025, 8, 9) if n >= 16 else vn(2025, 8, 11),
                fee_vnd=15000 if fee else 0,
                paid_online=fee and n % 10 < 7 and n < 55,
            )
        )
    assert sum(d.paid_online for d in dossiers) == 40
    got = _indicators(compute_index(METHOD, FACTS, dossiers, [], SO_A, AUGUST, AFTER))
    assert (got["progress.on_time"].numerator, got["progress.on_time"].points) == (184, 18.4)
    assert got["payment.dossiers_paid_online"].points == 3.0
    procedures = got["payment.procedures_paid_online"]
    assert (procedures.numerator, procedures.denominator, procedures.points) == (7, 10, 1.75)


def test_a_changed_weight_in_a_copied_method_changes_the_points(tmp_path: Path) -> None:
    """publicity.synced raised to 8 (digitisation.other lowered to 4): 8 × 4/6 points, out of
    84 computed, with no code change."""
    text = (CATALOGUE_DIR / "index766.yaml").read_text(encoding="utf-8")
    for old, new in (
        (
            "quốc gia\n        max_points: 6\n        scale: 6",
            "quốc gia\n        max_points: 8\n        scale: 8",
        ),
        ("Công khai, minh bạch\n    max_points: 18", "Công khai, minh bạch\n    max_points: 20"),
        ("Số hóa hồ sơ\n    max_points: 22", "Số hóa hồ sơ\n    max_points: 20"),
        ("dân cư\n        max_points: 6", "dân cư\n        max_points: 4"),
    ):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    copy = tmp_path / "index766.yaml"
    copy.write_text(text, encoding="utf-8")
    figures = _sample(method=load_method(copy))
    synced = _indicators(figures)["publicity.synced"]
    assert (synced.points, synced.max_points) == (float(Fraction(8) * Fraction(4, 6)), 8)
    assert figures.computed_max == 84
    assert figures.points == float(Fraction(3475, 72) + Fraction(4, 3))


def test_the_dossiers_behind_a_figure_are_listed_by_receipt() -> None:
    """The late dossiers of the sample are d5, d4, d2 (by receipt), with their times; the
    unpaid procedure is P2; the late feedback is f2."""
    dossiers = scoped(latest_states(DOSSIER_RECORDS), SO_A, AUGUST)
    feedback = scoped(latest_states(FEEDBACK_RECORDS), SO_A, AUGUST)

    def behind(indicator_id: str, outcome: str) -> list[str]:
        items = dossiers_behind(
            METHOD, FACTS, dossiers, feedback, indicator_id, outcome, AFTER, AUGUST, unit=SO_A
        )
        return [i.id for i in items]

    late = dossiers_behind(
        METHOD, FACTS, dossiers, feedback, "progress.on_time", "late", AFTER, AUGUST, unit=SO_A
    )
    assert [i.id for i in late] == ["d5", "d4", "d2"]
    assert late[0].kind == "dossier" and late[0].finished_at == vn(2025, 8, 14, 9)
    assert behind("progress.on_time", "on_time") == ["d1", "d3", "d6"]
    assert behind("payment.procedures_paid_online", "unpaid") == [P2]
    assert behind("satisfaction.feedback_on_time", "late") == ["f2"]
    assert behind("satisfaction.overall", "dissatisfied") == ["d5", "d4", "d2", "d3"]
    assert outcomes_of("payment.dossiers_paid_online") == ("paid_online", "unpaid")


@pytest.mark.parametrize(
    ("indicator_id", "outcome", "named"),
    [
        ("progress.on_time", "slow", "'slow'"),
        ("progress.fast", "late", "'progress.fast'"),
        ("digitisation.other", "late", "'digitisation.other'"),
    ],
)
def test_an_unknown_indicator_or_outcome_is_refused_naming_it(
    indicator_id: str, outcome: str, named: str
) -> None:
    """An outcome the indicator has not, or an indicator not computed: IndexInputError."""
    with pytest.raises(IndexInputError) as caught:
        dossiers_behind(METHOD, FACTS, [], [], indicator_id, outcome, AFTER, AUGUST)
    assert named in str(caught.value)
