"""The index's store on SQLite: a unit's and period's latest states (a period in Vietnam time),
the provide-once store's evidence seen as ``result_in_store`` once the worker looks, the units
and the procedures present, and the offsets saved with the states."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from hub.app.wiring import Hub
from hub.index766.periods import parse_period, parse_unit
from hub.index766.states import DossierState, FeedbackState, Satisfaction
from hub.index766.store import IndexStore
from hub.provide_once.dossier_feed import DossierFeed, FeedPorts
from hub.provide_once.evidence import EVIDENCE_DATASET
from tests.bus_ports import embedded_group_offsets
from tests.unit.index766.index_records import DOSSIERS, dossier, publish, vn, worker

UTC = dt.UTC


def state(dossier_id: str, received: dt.datetime, **fields: object) -> DossierState:
    values: dict[str, object] = {
        "dossier_id": dossier_id,
        "procedure_code": "1.001193",
        "receiving_agency_code": "so-tp",
        "commune_code": "30001",
        "channel": "online",
        "received_at": received,
        "due_at": received + dt.timedelta(days=5),
        "finished_at": None,
        "status": "processing",
        "paid_online": False,
        "fee_vnd": 0,
    }
    values.update(fields)
    return DossierState(**values)  # type: ignore[arg-type]


def put(store: IndexStore, dossiers: list[DossierState], feedback: list[FeedbackState]) -> None:
    with store.engine.begin() as conn:
        store.apply(conn, dossiers, feedback)


def test_a_dossier_belongs_to_the_vietnam_month_it_was_received_in(embedded_hub: Hub) -> None:
    """31 Aug 17:30 UTC is 1 Sep 00:30 in Vietnam: September's, not August's."""
    store = embedded_hub.index_store
    put(
        store,
        [
            state("HS-AUG", dt.datetime(2025, 8, 31, 16, 59, tzinfo=UTC)),
            state("HS-SEP", dt.datetime(2025, 8, 31, 17, 30, tzinfo=UTC)),
        ],
        [],
    )
    province = parse_unit("province")
    assert [d.dossier_id for d in store.dossiers(province, parse_period("2025-08"))] == ["HS-AUG"]
    assert [d.dossier_id for d in store.dossiers(province, parse_period("2025-09"))] == ["HS-SEP"]
    quarter = store.dossiers(province, parse_period("2025-Q3"))
    assert sorted(d.dossier_id for d in quarter) == ["HS-AUG", "HS-SEP"]


def test_states_read_back_by_unit_with_every_field(embedded_hub: Hub) -> None:
    """An agency, a commune and the province each see their own dossiers and feedback, with
    the fields as written."""
    store = embedded_hub.index_store
    received = vn("2025-08-04 09:00")
    full = state(
        "HS-1",
        received,
        finished_at=received + dt.timedelta(days=1),
        status="finished",
        paid_online=True,
        fee_vnd=8000,
        synced_national=True,
        result_digitised=True,
        components_total=3,
        components_digitised=3,
        reused_components=1,
        satisfaction=Satisfaction.DISSATISFIED,
    )
    other = state("HS-2", received, receiving_agency_code="so-xd", commune_code="30002")
    about = FeedbackState(
        "PA-1",
        "30002",
        "resolved",
        received,
        agency_code="so-tp",
        resolved_at=received + dt.timedelta(days=2),
    )
    put(store, [full, other], [about])
    august = parse_period("2025-08")

    assert store.dossiers(parse_unit("agency:so-tp"), august) == [full]
    assert store.dossiers(parse_unit("commune:30002"), august) == [other]
    assert len(store.dossiers(parse_unit("province"), august)) == 2
    assert store.feedback(parse_unit("agency:so-tp"), august) == [about]
    assert store.feedback(parse_unit("commune:30002"), august) == [about]
    assert store.feedback(parse_unit("agency:so-xd"), august) == []
    assert store.units().agencies == ("so-tp", "so-xd")
    assert store.units().communes == ("30001", "30002")
    assert store.has_unit(parse_unit("agency:so-xd"))
    assert not store.has_unit(parse_unit("agency:khong-co"))
    assert store.procedures_of_agencies() == {
        "so-tp": frozenset({"1.001193"}),
        "so-xd": frozenset({"1.001193"}),
    }


def test_result_in_store_is_read_from_the_evidence_table(embedded_hub: Hub) -> None:
    """A finished birth registration fed to the provide-once store shows ``result_in_store``;
    an unfinished one does not, whichever worker ran first."""
    hub = embedded_hub
    publish(
        hub,
        DOSSIERS,
        [dossier("HS-DONE", finished="2025-08-05 10:00"), dossier("HS-OPEN")],
    )
    worker(hub).drain(idle_timeout_s=5)
    august, province = parse_period("2025-08"), parse_unit("province")
    assert not any(d.result_in_store for d in hub.index_store.dossiers(province, august))

    ports = FeedPorts(
        bus=hub.bus,
        group_offsets=embedded_group_offsets(hub.bus),
        decoder=hub.decoder,
        procedures=hub.procedures,
        store=hub.provide_once,
        outbox=hub.evidence_outbox,
        evidence_writer=lambda: hub.writer(EVIDENCE_DATASET),
    )
    DossierFeed(hub.catalogue.entry(DOSSIERS), ports).drain(idle_timeout_s=5)
    worker(hub).drain(idle_timeout_s=5)  # looks for the evidence created since

    states = {d.dossier_id: d for d in hub.index_store.dossiers(province, august)}
    assert states["HS-DONE"].result_in_store and not states["HS-OPEN"].result_in_store


def test_a_rebuild_clears_states_and_only_its_groups_offsets(embedded_hub: Hub) -> None:
    """``clear`` empties both state tables and the group's offsets, not another group's."""
    store = embedded_hub.index_store
    put(store, [state("HS-1", vn("2025-08-04 09:00"))], [])
    with store.engine.begin() as conn:
        store.save_offsets(conn, "kho.index766", {("tthc.dossiers", 0): 5})
        store.save_offsets(conn, "other", {("tthc.dossiers", 0): 7})
    store.clear("kho.index766")
    assert store.counts() == (0, 0)
    assert store.saved_offsets("kho.index766") == {}
    assert store.saved_offsets("other") == {("tthc.dossiers", 0): 7}
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM index766_offsets")).scalar_one() == 1
