"""The index's tallies equal the method's definition: on random dossiers and feedback, with
later records that change outcomes, move dossiers to another unit or month and link feedback,
the figures read from the tallies (stored incrementally, corrected for an open period) equal
``compute_index`` over the final latest states, for every unit and period, closed or open."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

import pytest
import sqlalchemy as sa

from hub.app.wiring import Hub
from hub.index766.facts import ProcedureFacts
from hub.index766.indicators import FEEDBACK_ONLY, compute_index, index_from_tallies
from hub.index766.method import IndexMethod, load_method
from hub.index766.periods import PROVINCE, Period, Unit, parse_period, scoped
from hub.index766.reading import IndexReader
from hub.index766.states import DossierState, FeedbackState, Satisfaction, latest_states
from hub.index766.tallies import (
    TALLIED,
    combined,
    correction,
    delta,
    is_unsettled,
    new_tallies,
)
from tests.paths import CATALOGUE_DIR
from tests.unit.index766.builders import dossier, feedback, vn

PROCEDURES = ("1.000001", "1.000002", "1.000003", "1.000004")
AGENCIES = ("so-a", "so-b", "so-c")
COMMUNES = ("29001", "29002")
FACTS = ProcedureFacts(
    full_online=frozenset(PROCEDURES[:2]),
    fee=frozenset(PROCEDURES[1:]),
    with_result=frozenset({PROCEDURES[0], PROCEDURES[3]}),
    handled_by={"so-a": frozenset(PROCEDURES[:3]), "so-b": frozenset(PROCEDURES[2:])},
)
PERIODS = [parse_period(p) for p in ("2025-07", "2025-08", "2025-09", "2025-Q3", "2025")]
UNITS = [PROVINCE, *(Unit("agency", a) for a in AGENCIES), *(Unit("commune", c) for c in COMMUNES)]


@pytest.fixture(scope="module")
def index_method() -> IndexMethod:
    return load_method(CATALOGUE_DIR / "index766.yaml")


def random_dossier(rng: random.Random, dossier_id: str, *, store: bool) -> DossierState:
    received = vn(2025, 7, 1) + dt.timedelta(minutes=rng.randrange(92 * 24 * 60))
    due = received + dt.timedelta(hours=rng.randrange(1, 24 * 20))
    finished = (
        None
        if rng.random() < 0.3
        else rng.choice([due, due + dt.timedelta(hours=rng.randrange(-100, 100))])
    )
    total = rng.randrange(0, 4)
    fee = rng.choice([0, 0, 15000])
    return dossier(
        dossier_id,
        procedure_code=rng.choice(PROCEDURES),
        receiving_agency_code=rng.choice(AGENCIES),
        commune_code=rng.choice(COMMUNES),
        channel=rng.choice(["online", "offline"]),
        received_at=received,
        due_at=due,
        finished_at=max(finished, received) if finished is not None else None,
        fee_vnd=fee,
        paid_online=fee > 0 and rng.random() < 0.6,
        synced_national=rng.random() < 0.8,
        result_digitised=rng.random() < 0.5,
        components_total=total,
        components_digitised=rng.randrange(0, total + 1),
        reused_components=rng.randrange(0, 2),
        satisfaction=rng.choice(list(Satisfaction)),
        result_in_store=store and rng.random() < 0.5,
    )


def random_feedback(rng: random.Random, feedback_id: str, dossier_ids: list[str]) -> FeedbackState:
    received = vn(2025, 7, 1) + dt.timedelta(minutes=rng.randrange(92 * 24 * 60))
    return feedback(
        feedback_id,
        commune_code=rng.choice(COMMUNES),
        agency_code=rng.choice([*AGENCIES, None]),
        status=rng.choice(["received", "resolved", "rejected"]),
        received_at=received,
        resolved_at=received + dt.timedelta(days=rng.randrange(1, 30))
        if rng.random() < 0.6
        else None,
        dossier_id=rng.choice([*dossier_ids, None, None]),
    )


def history(
    rng: random.Random, *, store: bool
) -> tuple[list[list[DossierState]], list[list[FeedbackState]]]:
    """Batches of records: first records, then later ones replacing a third of them (a new
    outcome, another unit or month) and feedback naming dossiers, then re-linking some."""
    ids = [f"HS-{n}" for n in range(240)]
    first = [random_dossier(rng, i, store=store) for i in ids]
    later = [random_dossier(rng, rng.choice(ids), store=store) for _ in range(80)]
    fbs = [random_feedback(rng, f"PA-{n}", ids) for n in range(40)]
    relinked = [random_feedback(rng, f"PA-{rng.randrange(40)}", ids) for _ in range(15)]
    dossier_batches = [first[:100], first[100:], later[:40], later[40:], []]
    feedback_batches = [[], fbs[:20], fbs[20:], relinked, relinked[:5]]
    return dossier_batches, feedback_batches


def reference(
    method: IndexMethod,
    dossiers: list[DossierState],
    fbs: list[FeedbackState],
    unit: Unit,
    period: Period,
    now: dt.datetime,
    facts: ProcedureFacts = FACTS,
) -> dict[str, object]:
    linked = {f.dossier_id for f in fbs if f.dossier_id}
    figures = compute_index(
        method,
        facts,
        scoped(dossiers, unit, period),
        scoped(fbs, unit, period),
        unit,
        period,
        now,
        linked_dossiers=linked,
    )
    return figures.model_dump()


def test_the_tallied_and_feedback_indicators_are_every_computed_one(
    index_method: IndexMethod,
) -> None:
    """Every indicator the code computes is read either from the tallies or from feedback."""
    computed = {spec.id for _, spec in index_method.indicators() if spec.computed}
    assert computed == TALLIED | FEEDBACK_ONLY
    assert not TALLIED & FEEDBACK_ONLY


def test_tallies_equal_the_definition_for_closed_and_open_periods(
    index_method: IndexMethod,
) -> None:
    """Pure: cells summed from the states, corrected by the unsettled dossiers, give the same
    figures as the method's definition, judged after the period and in the middle of it."""
    rng = random.Random(766)
    dossiers = [random_dossier(rng, f"HS-{n}", store=True) for n in range(400)]
    fbs = [random_feedback(rng, f"PA-{n}", [d.dossier_id for d in dossiers]) for n in range(60)]
    linked = {f.dossier_id for f in fbs if f.dossier_id}
    cells = delta([], [(d, d.dossier_id in linked) for d in dossiers])
    for now in (vn(2026, 1, 1), vn(2025, 8, 17, 12), vn(2025, 9, 30, 8)):
        for unit in UNITS:
            for period in PERIODS:
                mine = {
                    k: t for k, t in cells.items() if (k.unit, k.period) == (unit.key, period.key)
                }
                as_of = period.as_of(now)
                unsettled = [
                    (d, d.dossier_id in linked)
                    for d in scoped(dossiers, unit, period)
                    if as_of < period.end and is_unsettled(d, as_of, period.end)
                ]
                judged = combined(mine, correction(unsettled, unit, period, as_of))
                got = index_from_tallies(
                    index_method, FACTS, judged, scoped(fbs, unit, period), unit, period, now
                ).model_dump()
                assert got == reference(index_method, dossiers, fbs, unit, period, now), (
                    unit.key,
                    period.key,
                    now,
                )


@pytest.mark.parametrize("ahead", [False, True], ids=["made-in-apply", "made-ahead"])
def test_the_store_keeps_tallies_equal_to_its_latest_states(
    embedded_hub: Hub, index_method: IndexMethod, ahead: bool
) -> None:
    """Applied in batches with later records and re-linked feedback, the stored tallies equal
    the tallies of the final latest states, and the reader's figures equal the definition;
    the same when the batch's new tallies are made before its transaction (the worker)."""
    store = embedded_hub.index_store
    dossier_batches, feedback_batches = history(random.Random(2025), store=False)
    for ds, fs in zip(dossier_batches, feedback_batches, strict=True):
        made = new_tallies({d.dossier_id: d for d in ds}.values()) if ahead else None
        with store.engine.begin() as conn:
            store.apply(conn, ds, fs, made_ahead=made)
    final = latest_states(d for batch in dossier_batches for d in batch)
    fbs = latest_states(f for batch in feedback_batches for f in batch)
    linked = {f.dossier_id for f in fbs if f.dossier_id}
    expected = delta([], [(d, d.dossier_id in linked) for d in final])
    stored = store.tallies([p.key for p in PERIODS])
    assert {k: t for k, t in stored.items() if any(t)} == expected

    handled = {a: set(codes) for a, codes in FACTS.handled_by.items()}
    for d in final:  # the reader adds the procedures each agency has received
        handled.setdefault(d.receiving_agency_code, set()).add(d.procedure_code)
    facts = replace(FACTS, handled_by={a: frozenset(c) for a, c in handled.items()})
    reader = IndexReader(store, index_method, FACTS)
    for now in (vn(2026, 1, 1), vn(2025, 9, 12, 9)):
        for unit in UNITS:
            for period in PERIODS:
                got = reader.figures(unit, period, now).model_dump()
                want = reference(index_method, final, fbs, unit, period, now, facts)
                assert got == want, (unit.key, period.key)


def test_ranking_and_trend_answer_what_each_unit_and_month_answers(
    embedded_hub: Hub, index_method: IndexMethod
) -> None:
    """A ranking's figures are each unit's own figures, and a trend's months are each month's
    figures, in a closed and an open quarter."""
    store = embedded_hub.index_store
    for ds, fs in zip(*history(random.Random(7), store=False), strict=True):
        with store.engine.begin() as conn:
            store.apply(conn, ds, fs)
    reader = IndexReader(store, index_method, FACTS)
    quarter = parse_period("2025-Q3")
    for now in (vn(2026, 1, 1), vn(2025, 9, 12, 9)):
        for level in ("agency", "commune"):
            ranked = reader.ranking(quarter, level, now)
            assert {r.unit.key for r in ranked} == {u.key for u in UNITS if u.level == level}
            for r in ranked:
                assert r.figures == reader.figures(r.unit, quarter, now)
        trend = reader.trend(PROVINCE, quarter, quarter, now)
        assert [m.month.key for m in trend] == ["2025-07", "2025-08", "2025-09"]
        for m in trend:
            assert m.figures == reader.figures(PROVINCE, m.month, now)


def test_a_units_figures_and_trend_read_together_answer_what_each_answers_alone(
    embedded_hub: Hub, index_method: IndexMethod
) -> None:
    """Read together (a unit's page), a unit's figures and trend are what ``figures`` and
    ``trend`` answer, for a month inside the trend and a quarter outside it, closed and open,
    and the reads check out one connection instead of one a read."""
    store = embedded_hub.index_store
    for ds, fs in zip(*history(random.Random(11), store=False), strict=True):
        with store.engine.begin() as conn:
            store.apply(conn, ds, fs)
    reader = IndexReader(store, index_method, FACTS)
    first, last = parse_period("2025-07"), parse_period("2025-09")
    checkouts: list[object] = []
    sa.event.listen(store.engine, "checkout", lambda *_: checkouts.append(1))
    for now in (vn(2026, 1, 1), vn(2025, 9, 12, 9)):
        for unit in UNITS:
            for period in (parse_period("2025-08"), parse_period("2025-Q3")):
                checkouts.clear()
                together = reader.figures_and_trend(unit, period, first, last, now)
                assert len(checkouts) == 1
                alone = (reader.figures(unit, period, now), reader.trend(unit, first, last, now))
                assert together == alone, (unit.key, period.key)


def test_a_kept_closed_ranking_follows_a_late_record_and_a_feedback(
    embedded_hub: Hub, index_method: IndexMethod
) -> None:
    """A closed month's ranking, kept after the first answer, changes as soon as a late record
    of that month or a feedback is applied, and equals a fresh computation each time."""
    store = embedded_hub.index_store
    for ds, fs in zip(*history(random.Random(11), store=False), strict=True):
        with store.engine.begin() as conn:
            store.apply(conn, ds, fs)
    reader = IndexReader(store, index_method, FACTS)
    august, now = parse_period("2025-08"), vn(2026, 1, 1)
    first = reader.ranking(august, "agency", now)
    assert reader.ranking(august, "agency", now) == first  # kept
    late = dossier(
        "HS-LATE",
        receiving_agency_code="so-new",
        received_at=vn(2025, 8, 20, 9),
        due_at=vn(2025, 8, 21, 9),
    )
    with store.engine.begin() as conn:
        store.apply(conn, [late], [])
    second = reader.ranking(august, "agency", now)
    assert "agency:so-new" in {r.unit.key for r in second}
    fresh = IndexReader(store, index_method, FACTS)
    assert second == fresh.ranking(august, "agency", now)
    complaint = feedback("PA-LATE", dossier_id="HS-LATE", received_at=vn(2025, 8, 22, 9))
    with store.engine.begin() as conn:
        store.apply(conn, [], [complaint])
    third = reader.ranking(august, "agency", now)
    assert third == IndexReader(store, index_method, FACTS).ranking(august, "agency", now)
    assert third != second
