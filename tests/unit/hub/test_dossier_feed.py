"""The dossier feed on the embedded bus: finished dossiers whose procedure issues a result become
evidence for their applicants, once however often they arrive; an update event per new
evidence; spoiled records dead-lettered with their bytes while the feed goes on. And the
`kho evidence` and `kho subject` commands."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from connectors.samples.dossiers import dossier_documents
from hub.app.wiring import Hub
from hub.audit.actions import EVIDENCE_READ
from hub.audit.entry import Actor, AuditFilter
from hub.bus import OutgoingMessage, read_all
from hub.bus.errors import BusUnavailable
from hub.dlq import DeadLetterQueue
from hub.provide_once.dossier_feed import (
    FEED_GROUP,
    FEED_SOURCE,
    NO_FINISH_TIME_RULE,
    NO_RESULT,
    NOT_FINISHED,
    UNDECODABLE_RULE,
    UNKNOWN_PROCEDURE,
    DossierFeed,
    EvidenceStore,
    FeedPorts,
    UpdateOutbox,
)
from hub.provide_once.evidence import EVIDENCE_DATASET, EvidenceInput, RecordOutcome
from hub.provide_once.procedures import ProcedureCatalogue
from hub.vietnam_time import VIETNAM_TZ
from tests.bus_ports import embedded_group_offsets
from tests.unit.test_cli import kho

DOSSIERS = "tthc.dossiers"
COUNT = 60
IDLE = 5.0


def publish(hub: Hub, documents: list[dict[str, Any]]) -> None:
    """Encode and publish as a producer's writer would, without the contract check (so a test
    can send what the store must refuse)."""
    writer = hub.writer(DOSSIERS)
    writer.publish([writer.message(writer.json_reader.read(d)) for d in documents])


def feed(
    hub: Hub,
    *,
    group: str = FEED_GROUP,
    batch_size: int = 500,
    store: EvidenceStore | None = None,
    outbox: UpdateOutbox | None = None,
) -> DossierFeed:
    """The feed on the test's embedded adapters, passed in: the bus and its committed offsets,
    the decoder, the procedures, the provide-once store and its outbox (or a fault injected in
    their place), the evidence writer."""
    ports = FeedPorts(
        bus=hub.bus,
        group_offsets=embedded_group_offsets(hub.bus),
        decoder=hub.decoder,
        procedures=hub.procedures,
        store=store or hub.provide_once,
        outbox=outbox or hub.evidence_outbox,
        evidence_writer=lambda: hub.writer(EVIDENCE_DATASET),
    )
    return DossierFeed(hub.catalogue.entry(DOSSIERS), ports, group=group, batch_size=batch_size)


def issuing(procedures: ProcedureCatalogue, document: dict[str, Any]) -> bool:
    """Whether the dossier should become evidence: finished, its procedure issues a result."""
    procedure = procedures.procedure(document["procedure_code"])
    return document["status"] == "finished" and procedure is not None and bool(procedure.result)


def evidence_count(hub: Hub) -> int:
    with hub.engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM evidence")).scalar_one())


def version_count(hub: Hub) -> int:
    with hub.engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM evidence_versions")).scalar_one())


def events(hub: Hub) -> list[dict[str, Any]]:
    topic = hub.catalogue.entry(EVIDENCE_DATASET).topic
    return [hub.decoder.decode(m.value) for m in read_all(hub.bus, topic)]


@pytest.fixture
def documents() -> list[dict[str, Any]]:
    docs = dossier_documents(COUNT, seed=5)
    unknown = dict(dossier_documents(1, seed=6, start=900)[0])
    unknown.update(procedure_code="9.999999", status="finished")
    return [*docs, unknown]


def test_finished_dossiers_with_a_result_become_evidence(
    embedded_hub: Hub, documents: list[dict[str, Any]]
) -> None:
    hub = embedded_hub
    publish(hub, documents)
    run = feed(hub, batch_size=17).drain(idle_timeout_s=IDLE)

    expected = [d for d in documents if issuing(hub.procedures, d)]
    assert 0 < len(expected) < len(documents)
    assert run.drained and run.records == len(documents)
    assert (run.created, run.corrected, run.unchanged, run.dead_letters) == (len(expected), 0, 0, 0)
    assert run.skipped[NOT_FINISHED] == sum(d["status"] != "finished" for d in documents)
    assert run.skipped[UNKNOWN_PROCEDURE] == 1
    assert (
        run.skipped[NO_RESULT]
        == len(documents)
        - len(expected)
        - run.skipped[NOT_FINISHED]
        - run.skipped[UNKNOWN_PROCEDURE]
    )
    assert evidence_count(hub) == len(expected)

    for document in expected:
        (only,) = hub.provide_once.evidence.history(f"hs:{document['dossier_id']}")
        procedure = hub.procedures.procedure(document["procedure_code"])
        assert procedure is not None and procedure.result is not None
        kind = hub.procedures.evidence_type(procedure.result)
        assert kind is not None
        finished = dt.datetime.fromisoformat(document["finished_at"])
        assert only.version == 1
        assert only.source_ref == document["dossier_id"]
        assert only.evidence_type == procedure.result
        assert only.issuer == kind.issuer
        assert only.subject_id == document["applicant_id_number"]
        assert only.issued_on == finished.astimezone(VIETNAM_TZ).date()
        assert only.valid_until == kind.default_valid_until(only.issued_on)
        assert only.recorded_by == "system:evidence-feed"
        assert only.attributes == {
            "procedure_code": document["procedure_code"],
            "procedure_name": document["procedure_name"],
            "receiving_agency_code": document["receiving_agency_code"],
            "commune_code": document["commune_code"],
        }

    sent = events(hub)
    assert run.events_sent == len(expected) == len(sent)
    assert run.events_pending == 0
    assert sorted(e["evidence_id"] for e in sent) == sorted(
        f"hs:{d['dossier_id']}" for d in expected
    )
    assert {e["version"] for e in sent} == {1}
    by_id = {e["evidence_id"]: e for e in sent}
    first = expected[0]
    assert by_id[f"hs:{first['dossier_id']}"]["source_dossier_id"] == first["dossier_id"]


def test_the_same_dossiers_again_store_nothing_new(
    embedded_hub: Hub, documents: list[dict[str, Any]]
) -> None:
    hub = embedded_hub
    publish(hub, documents)
    first = feed(hub).drain(idle_timeout_s=IDLE)
    stored, versions, sent = evidence_count(hub), version_count(hub), len(events(hub))
    assert first.created == stored == versions == sent > 0

    # The same group again: its offsets are committed, nothing is read.
    again = feed(hub).drain(idle_timeout_s=IDLE)
    assert again.records == 0 and again.batches == 0

    # A reset group (a new one) reads everything again: every evidence is unchanged.
    replay = feed(hub, group="kho.evidence-feed.reset").drain(idle_timeout_s=IDLE)
    assert replay.records == len(documents)
    assert (replay.created, replay.corrected, replay.unchanged) == (0, 0, stored)

    # The dossiers published a second time, read by the first group: still unchanged.
    publish(hub, documents)
    republished = feed(hub).drain(idle_timeout_s=IDLE)
    assert (republished.created, republished.corrected, republished.unchanged) == (0, 0, stored)

    assert (evidence_count(hub), version_count(hub), len(events(hub))) == (stored, stored, sent)
    assert hub.evidence_outbox.pending() == 0


def test_spoiled_records_are_dead_lettered_and_the_feed_goes_on(embedded_hub: Hub) -> None:
    hub = embedded_hub
    good = [d for d in dossier_documents(40, seed=7) if issuing(hub.procedures, d)][:6]
    finished = [d for d in dossier_documents(40, seed=8, start=300) if issuing(hub.procedures, d)]
    bad_cccd = {**finished[0], "applicant_id_number": "100123456789"}
    future = dt.datetime.now(VIETNAM_TZ) + dt.timedelta(days=10)
    in_future = {**finished[1], "finished_at": future.isoformat()}
    no_time = {**finished[2], "finished_at": None}
    writer = hub.writer(DOSSIERS)
    truncated = writer.message(writer.json_reader.read(finished[3])).value[:12]
    unknown_schema = b"\x00" + (999_999).to_bytes(4, "big") + b"\x02"
    not_wire = b"not even the wire format"
    spoiled = [truncated, unknown_schema, not_wire]

    publish(hub, good[:3])
    hub.bus.publish(DOSSIERS, [OutgoingMessage(None, value) for value in spoiled])
    publish(hub, [bad_cccd, in_future, no_time])
    publish(hub, good[3:])
    run = feed(hub, batch_size=4).drain(idle_timeout_s=IDLE)

    assert run.drained and run.records == 12
    assert (run.created, run.dead_letters) == (len(good), 6)
    for document in good:
        assert hub.provide_once.evidence.history(f"hs:{document['dossier_id']}")

    dlq_topic = hub.catalogue.entry(EVIDENCE_DATASET).dlq_topic
    assert dlq_topic == "evidence.citizen_evidence.dlq"
    letters = [s.letter for s in DeadLetterQueue(hub.bus, EVIDENCE_DATASET, dlq_topic).letters()]
    assert len(letters) == 6
    assert {letter.source["kind"] for letter in letters} == {FEED_SOURCE}
    assert all(letter.dataset == EVIDENCE_DATASET and letter.reason for letter in letters)
    by_rule = {v.rule: letter for letter in letters for v in letter.violations}
    assert set(by_rule) == {UNDECODABLE_RULE, "cccd", "issued_in_future", NO_FINISH_TIME_RULE}
    undecodable = [letter for letter in letters if letter.violations[0].rule == UNDECODABLE_RULE]
    assert sorted(letter.original for letter in undecodable) == sorted(spoiled)
    assert all(letter.record is None for letter in undecodable)
    refused = by_rule["cccd"]
    assert refused.violations[0].path == "$.applicant_id_number"
    assert refused.record is not None
    assert refused.record["dossier_id"] == bad_cccd["dossier_id"]
    assert hub.decoder.decode(refused.original)["applicant_id_number"] == "100123456789"
    assert by_rule[NO_FINISH_TIME_RULE].violations[0].path == "$.finished_at"
    assert by_rule["issued_in_future"].violations[0].path == "$.finished_at"

    # Refusals are in the audit log too; the offsets were committed past every letter.
    refusals = hub.audit.query(AuditFilter(action="evidence.refused"), after=0, limit=50)
    assert {e.details["code"] for e in refusals} == {"cccd", "issued_in_future"}
    assert feed(hub).drain(idle_timeout_s=IDLE).records == 0


class BrokenOutbox:
    """Fault injection: the bus is down whenever the outbox drains; what is pending is the real
    outbox's."""

    def __init__(self, real: UpdateOutbox) -> None:
        self._real = real

    def drain(self) -> int:
        raise BusUnavailable("Kafka", "127.0.0.1:1")

    def pending(self) -> int:
        return self._real.pending()


def test_a_failing_bus_leaves_update_events_pending(embedded_hub: Hub) -> None:
    """Update events the bus would not take stay pending in the outbox, and the next run sends
    them first."""
    hub = embedded_hub
    documents = [d for d in dossier_documents(30, seed=9) if issuing(hub.procedures, d)]
    publish(hub, documents)

    run = feed(hub, outbox=BrokenOutbox(hub.evidence_outbox)).drain(idle_timeout_s=IDLE)
    assert run.created == len(documents) > 0
    assert run.events_sent == 0 and run.events_pending == len(documents)
    assert run.outbox_error is not None and "127.0.0.1:1" in run.outbox_error
    assert events(hub) == []

    # The next run sends them first, even with nothing new to read.
    later = feed(hub).drain(idle_timeout_s=IDLE)
    assert (later.records, later.events_sent, later.events_pending) == (0, len(documents), 0)
    assert len(events(hub)) == len(documents)


class RacingStore:
    """Fault injection: the first record stores the evidence in the real store, then answers
    with the primary-key clash a second feed's insert would meet (the other feed got there
    first)."""

    def __init__(self, real: EvidenceStore) -> None:
        self._real = real
        self.calls: list[str] = []

    def record(self, item: EvidenceInput, *, actor: Actor) -> RecordOutcome:
        self.calls.append(item.evidence_id)
        outcome = self._real.record(item, actor=actor)
        if len(self.calls) == 1:
            raise sa.exc.IntegrityError("INSERT INTO evidence", None, Exception("duplicate"))
        return outcome


def test_evidence_stored_concurrently_by_another_feed_counts_as_unchanged(
    embedded_hub: Hub,
) -> None:
    """Two feeds of one group can both hold a dossier during a rebalance: the second insert
    hits the primary key, and recording again finds the evidence already there."""
    hub = embedded_hub
    documents = [d for d in dossier_documents(20, seed=10) if issuing(hub.procedures, d)][:1]
    publish(hub, documents)
    racing = RacingStore(hub.provide_once)
    run = feed(hub, store=racing).drain(idle_timeout_s=IDLE)
    assert len(racing.calls) == 2
    assert (run.created, run.unchanged, run.dead_letters) == (0, 1, 0)
    assert evidence_count(hub) == 1


# --- the command line ---------------------------------------------------------------------


def test_kho_evidence_feed_show_history_and_outbox(tmp_path: Path, cli_hub: Hub) -> None:
    documents = dossier_documents(30, seed=12)
    publish(cli_hub, documents)
    expected = [d for d in documents if issuing(cli_hub.procedures, d)]
    assert expected

    fed = kho(["evidence", "feed", "--once"], tmp_path)
    assert fed.returncode == 0, fed.stderr
    assert "Tạo mới" in fed.stdout
    row = next(line for line in fed.stdout.splitlines() if line.startswith("│"))
    cells = [cell.strip() for cell in row.strip("│").split("│")]
    assert cells == [str(len(documents)), str(len(expected)), "0", "0"] + [
        str(len(documents) - len(expected)),
        "0",
        str(len(expected)),
    ]
    assert "Bỏ qua:" in fed.stdout

    document = expected[0]
    subject, evidence_id = document["applicant_id_number"], f"hs:{document['dossier_id']}"
    shown = kho(["evidence", "show", subject], tmp_path)
    assert shown.returncode == 0, shown.stderr
    procedure = cli_hub.procedures.procedure(document["procedure_code"])
    assert procedure is not None and procedure.result is not None
    kind = cli_hub.procedures.evidence_type(procedure.result)
    assert kind is not None
    assert evidence_id in shown.stdout and kind.name in shown.stdout
    assert document["dossier_id"] in shown.stdout

    history = kho(["evidence", "history", evidence_id], tmp_path)
    assert history.returncode == 0, history.stderr
    assert "system:evidence-feed" in history.stdout and document["commune_code"] in history.stdout

    reads = cli_hub.audit.query(AuditFilter(action=EVIDENCE_READ), after=0, limit=10)
    assert [e.actor.principal for e in reads] == ["cli", "cli"]
    assert all(e.details["subject"] == subject for e in reads)

    outbox = kho(["evidence", "outbox"], tmp_path)
    assert outbox.returncode == 0, outbox.stderr
    assert "Đã gửi 0 sự kiện" in outbox.stdout and "còn chờ 0" in outbox.stdout

    nobody = kho(["evidence", "show", "001099012345"], tmp_path)
    assert nobody.returncode == 0, nobody.stderr
    assert "chưa có giấy tờ nào" in nobody.stdout

    for args in (["evidence", "show", "12345"], ["evidence", "history", "hs:khong-co"]):
        refused = kho(args, tmp_path)
        assert refused.returncode == 1
        assert "Lỗi" in refused.stderr
        assert "Traceback" not in refused.stderr + refused.stdout


def test_kho_subject_token_signs_a_citizen_in(tmp_path: Path, cli_hub: Hub) -> None:
    cccd = dossier_documents(1, seed=13)[0]["applicant_id_number"]
    result = kho(["subject", "token", cccd, "--hours", "2"], tmp_path)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().splitlines()[-1]
    assert cli_hub.subject_tokens.verify(token).id == cccd


@pytest.mark.parametrize(
    ("identifier", "env", "named"),
    [
        ("12345", {}, "CCCD"),
        ("100123456789", {}, "Mã nơi đăng ký khai sinh 100"),
        (
            "001099012345",
            {"KHO_SUBJECT_JWKS_URL": "http://127.0.0.1:1/jwks"},
            "KHO_SUBJECT_JWKS_URL",
        ),
    ],
)
def test_kho_subject_token_refuses_in_one_line(
    tmp_path: Path, identifier: str, env: dict[str, str], named: str
) -> None:
    result = kho(["subject", "token", identifier], tmp_path, **env)
    assert result.returncode == 1
    assert "Lỗi" in result.stderr and named in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "eyJ" not in result.stdout
