"""Dead letters from the CSV connector can be listed, inspected, corrected and replayed; a
replayed record is validated again and, still invalid, goes back to the DLQ."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from connectors.config import load_connector_config
from connectors.runner import run_connector
from connectors.samples.dossiers import SampleExport, write_dossier_export
from hub.app.wiring import Hub, build_hub
from hub.avro.json_codec import record_to_json
from hub.bus import read_all
from hub.dlq import (
    AlreadyReplayedError,
    BadAddressError,
    CorrectionFileError,
    DeskPorts,
    DlqError,
    LetterAddress,
    LetterStatus,
    LetterView,
    ReplayLog,
    ReplayOutcome,
    StewardDesk,
    UnknownLetterError,
)
from hub.dlq.status import replays_table
from hub.errors import KhoError
from hub.ingest import IncomingRecord, SourceRef, Violation
from hub.settings import KhoSettings
from tests.paths import DOSSIER_CONNECTOR

CONFIG = load_connector_config(DOSSIER_CONNECTOR)
DATASET = CONFIG.dataset
CCCD_PATH = "$.applicant_id_number"


@pytest.fixture
def export(embedded_hub: Hub, tmp_path: Path) -> SampleExport:
    """A dossier export run through the CSV connector: valid rows on the topic, flawed rows in
    the DLQ."""
    sample = write_dossier_export(tmp_path / "ho-so.csv", rows=200, seed=11)
    run_connector(CONFIG, sample.path, embedded_hub.writer(DATASET))
    return sample


def desk_on(hub: Hub, dataset_id: str = DATASET) -> StewardDesk:
    """A desk on the test's embedded adapters, passed in: the bus, a replay log on the hub's
    database, its audit log, the dataset's writer."""
    ports = DeskPorts(
        bus=hub.bus,
        replays=ReplayLog(hub.engine),
        audit=hub.audit,
        writer=lambda: hub.writer(dataset_id),
    )
    entry = hub.catalogue.entry(dataset_id)
    return StewardDesk(entry, hub.catalogue.schema(dataset_id).field_names, ports)


@pytest.fixture
def desk(embedded_hub: Hub, export: SampleExport) -> StewardDesk:
    return desk_on(embedded_hub)


def letter_on_path(desk: StewardDesk, path: str) -> LetterView:
    """The first pending letter with a mapped record that breaks a rule on the field."""
    return next(
        view
        for view in desk.letters().letters
        if view.stored.letter.record is not None
        and any(v.path == path for v in view.stored.letter.violations)
    )


def valid_record(hub: Hub) -> dict[str, Any]:
    """A record the hub accepted, as JSON values."""
    message = next(read_all(hub.bus, hub.catalogue.entry(DATASET).topic))
    return record_to_json(hub.decoder.decode(message.value))


def corrected(hub: Hub, view: LetterView, tmp_path: Path) -> Path:
    """The letter's record with each broken field taken from an accepted record, in a file."""
    record = dict(view.stored.letter.record or {})
    good = valid_record(hub)
    for violation in view.stored.letter.violations:
        name = violation.path.removeprefix("$.")
        record[name] = good[name]
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "ban-ghi.json"
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def test_list_shows_every_csv_letter_pending(desk: StewardDesk, export: SampleExport) -> None:
    """Every flawed row is one letter from the CSV source, with its row, rules and a reason."""
    page = desk.letters()
    assert page.matching == len(page.letters) == len(export.invalid_rows)
    assert {v.stored.letter.source["position"] for v in page.letters} == set(export.invalid_rows)
    for view in page.letters:
        assert view.stored.letter.source["kind"] == "csv"
        assert view.stored.letter.violations and view.stored.letter.reason
        assert view.status is LetterStatus.PENDING
        assert desk.letter(str(view.address)).stored.letter == view.stored.letter


def test_rule_filter_and_limit(desk: StewardDesk) -> None:
    """--rule keeps the letters breaking that rule; --limit keeps the most recent ones."""
    everything = desk.letters().letters
    rule = everything[0].stored.letter.violations[0].rule
    by_rule = desk.letters(rule=rule)
    assert by_rule.letters and all(
        any(v.rule == rule for v in view.stored.letter.violations) for view in by_rule.letters
    )
    assert desk.letters(rule="no_such_rule").letters == []
    latest = desk.letters(limit=2)
    assert latest.matching == len(everything)
    assert latest.letters == everything[-2:]


def test_addresses_are_partition_colon_offset() -> None:
    """`1:7` names a letter; a bare offset is accepted only when the DLQ has one partition."""
    assert LetterAddress.parse("1:7", 3) == LetterAddress(1, 7)
    assert str(LetterAddress(1, 7)) == "1:7"
    assert LetterAddress.parse("7", 1) == LetterAddress(0, 7)
    with pytest.raises(BadAddressError, match="0:7"):
        LetterAddress.parse("7", 3)
    with pytest.raises(BadAddressError, match="không hợp lệ"):
        LetterAddress.parse("a:b", 3)


def test_unknown_address_is_a_clear_error(desk: StewardDesk) -> None:
    """An offset past the end, or a partition the DLQ does not have, names the address."""
    for address in ("0:9999", "7:0"):
        with pytest.raises(UnknownLetterError, match=address):
            desk.letter(address)


def test_unknown_dataset_is_a_kho_error(embedded_hub: Hub) -> None:
    """A dataset missing from the catalogue is refused with its name."""
    with pytest.raises(KhoError, match="khong.co"):
        embedded_hub.steward_desk("khong.co")


def test_uncorrected_replay_is_refused_again_into_a_new_letter(desk: StewardDesk) -> None:
    """Replaying a letter as it is breaks the same rules; the new letter's source is the replay
    and points back at the letter, which then reads as refused again."""
    view = letter_on_path(desk, CCCD_PATH)
    (outcome,) = desk.replay([str(view.address)]).outcomes
    assert not outcome.accepted and outcome.new_letter is not None
    assert {v.path for v in outcome.violations} == {v.path for v in view.stored.letter.violations}
    new = desk.letter(str(outcome.new_letter)).stored.letter
    assert new.source == {
        "kind": "dlq-replay",
        "name": f"{desk.topic}:{view.address.partition}",
        "position": view.address.offset,
    }
    assert new.record == view.stored.letter.record
    assert desk.letter(str(view.address)).status is LetterStatus.REFUSED_AGAIN
    assert desk.letter(str(outcome.new_letter)).status is LetterStatus.PENDING


def test_corrected_replay_is_published_on_the_topic(
    embedded_hub: Hub, desk: StewardDesk, tmp_path: Path
) -> None:
    """A corrected record passes validation and is on the topic, decodable, with the fix."""
    view = letter_on_path(desk, CCCD_PATH)
    fix = corrected(embedded_hub, view, tmp_path)
    (outcome,) = desk.replay([str(view.address)], record_file=fix).outcomes
    assert outcome.published is not None and outcome.published.topic == desk.entry.topic
    p = outcome.published
    (message,) = embedded_hub.bus.fetch(p.topic, p.partition, p.offset, 1)
    published = record_to_json(embedded_hub.decoder.decode(message.value))
    assert published == json.loads(fix.read_text(encoding="utf-8"))
    assert message.key == published["dossier_id"].encode()
    assert desk.letter(str(view.address)).status is LetterStatus.REPLAYED


def test_second_replay_needs_force(embedded_hub: Hub, desk: StewardDesk, tmp_path: Path) -> None:
    """A replayed letter is not replayed again by accident, even from a new desk on the same
    database; --force replays it."""
    view = letter_on_path(desk, CCCD_PATH)
    fix = corrected(embedded_hub, view, tmp_path)
    desk.replay([str(view.address)], record_file=fix)
    fresh = desk_on(embedded_hub)
    with pytest.raises(AlreadyReplayedError, match="--force"):
        fresh.replay([str(view.address)], record_file=fix)
    (again,) = fresh.replay([str(view.address)], record_file=fix, force=True).outcomes
    assert again.accepted


def test_bad_correction_files_name_the_file_and_line(desk: StewardDesk, tmp_path: Path) -> None:
    """A file that is not one JSON object is refused before anything is written, naming the
    file and, for a syntax error, the line."""
    address = str(letter_on_path(desk, CCCD_PATH).address)
    broken = tmp_path / "hong.json"
    broken.write_text('{\n  "dossier_id": "DT-1",\n  "fee_vnd": 10,\n}\n', encoding="utf-8")
    with pytest.raises(CorrectionFileError, match=r"hong\.json, dòng 4"):
        desk.replay([address], record_file=broken)
    array = tmp_path / "mang.json"
    array.write_text("[]", encoding="utf-8")
    with pytest.raises(CorrectionFileError, match=r"mang\.json.*đối tượng JSON"):
        desk.replay([address], record_file=array)
    with pytest.raises(CorrectionFileError, match="khong-co.json"):
        desk.replay([address], record_file=tmp_path / "khong-co.json")
    assert desk.letter(address).status is LetterStatus.PENDING


def test_a_file_is_for_exactly_one_letter(desk: StewardDesk, tmp_path: Path) -> None:
    """--record with several letters, or with --all-pending, is refused."""
    fix = tmp_path / "ban-ghi.json"
    fix.write_text("{}", encoding="utf-8")
    first, second = desk.letters().letters[:2]
    with pytest.raises(DlqError, match="--record"):
        desk.replay([str(first.address), str(second.address)], record_file=fix)
    with pytest.raises(DlqError, match="--all-pending"):
        desk.replay([str(first.address)], all_pending=True)
    with pytest.raises(DlqError, match="--all-pending"):
        desk.replay([])


def test_bad_value_in_a_correction_is_refused_with_its_path(
    desk: StewardDesk, tmp_path: Path
) -> None:
    """A corrected record whose value cannot be read (an impossible date) is refused again
    naming the field, and the new letter keeps the steward's file as its original."""
    view = letter_on_path(desk, CCCD_PATH)
    record = dict(view.stored.letter.record or {})
    record["received_at"] = "2025-02-31T08:00:00"
    fix = tmp_path / "ngay-sai.json"
    fix.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    (outcome,) = desk.replay([str(view.address)], record_file=fix).outcomes
    assert [v.path for v in outcome.violations] == ["$.received_at"]
    assert outcome.new_letter is not None
    new = desk.letter(str(outcome.new_letter)).stored.letter
    assert new.original == fix.read_bytes() and new.record is None


def test_letter_without_a_record_needs_a_correction(desk: StewardDesk) -> None:
    """A CSV row that could not be mapped has no record: replayed as it is, it is refused
    again saying a corrected file is needed; --all-pending skips it."""
    unmapped = next(v for v in desk.letters().letters if v.stored.letter.record is None)
    run = desk.replay([], all_pending=True)
    assert unmapped.address in run.skipped
    assert run.outcomes and not any(o.accepted for o in run.outcomes)
    (outcome,) = desk.replay([str(unmapped.address)]).outcomes
    assert not outcome.accepted and "--record" in outcome.violations[0].message
    assert outcome.new_letter is not None
    new = desk.letter(str(outcome.new_letter)).stored.letter
    assert new.original == unmapped.stored.letter.original


def test_json_original_is_replayed_when_there_is_no_record(
    embedded_hub: Hub, desk: StewardDesk
) -> None:
    """A letter holding only JSON bytes (as the ingest API receives) is replayed from them."""
    document = valid_record(embedded_hub)
    letter = IncomingRecord(
        source=SourceRef(kind="api", name="vp-ubnd", position=0),
        original=json.dumps(document, ensure_ascii=False).encode("utf-8"),
        record=None,
        problems=(Violation("$", "unavailable", "Tạm thời không kiểm tra được"),),
    )
    embedded_hub.writer(DATASET).write([letter])
    view = next(v for v in desk.letters().letters if v.stored.letter.source["kind"] == "api")
    assert desk.editable_record(view) == (document, False)
    (outcome,) = desk.replay([str(view.address)]).outcomes
    assert outcome.accepted


def race(desks: list[StewardDesk], address: LetterAddress, fix: Path) -> list[Any]:
    """Each desk replays the letter in its own thread, all let go at once: what each got (a
    replay outcome, or the error that refused it)."""
    start = threading.Barrier(len(desks))
    results: list[Any] = []

    def replay(steward: StewardDesk) -> None:
        start.wait()
        try:
            results.extend(steward.replay([str(address)], record_file=fix).outcomes)
        except DlqError as refused:
            results.append(refused)

    threads = [threading.Thread(target=replay, args=(d,)) for d in desks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_replays_of_one_letter_at_once_publish_it_once(
    embedded_hub: Hub, embedded_settings: KhoSettings, desk: StewardDesk, tmp_path: Path
) -> None:
    """Two stewards (two hubs on the same data, each in its own thread) replay the same corrected
    letter at the same moment, for several letters: each is published once, the other replay
    is refused, and the replay log holds one replay per letter."""
    views = [
        view
        for view in desk.letters().letters
        if view.stored.letter.record is not None
        and [v.path for v in view.stored.letter.violations] == [CCCD_PATH]
    ]
    assert len(views) >= 2
    topic = desk.entry.topic
    before = sum(embedded_hub.bus.end_offsets(topic).values())
    hubs = [build_hub(embedded_settings) for _ in range(2)]
    try:
        desks = [desk_on(hub) for hub in hubs]
        for view in views:
            fix = corrected(embedded_hub, view, tmp_path / str(view.address.offset))
            results = race(desks, view.address, fix)
            replayed = [r for r in results if isinstance(r, ReplayOutcome)]
            assert len(results) == 2 and len(replayed) == 1, results
            assert replayed[0].accepted and replayed[0].address == view.address
            (refused,) = [r for r in results if isinstance(r, DlqError)]
            assert str(view.address) in str(refused)
    finally:
        for hub in hubs:
            hub.close()

    assert sum(embedded_hub.bus.end_offsets(topic).values()) == before + len(views)
    for view in views:
        assert desk.letter(str(view.address)).status is LetterStatus.REPLAYED
    with embedded_hub.engine.connect() as conn:
        logged = conn.execute(sa.select(sa.func.count()).select_from(replays_table)).scalar_one()
    assert logged == len(views)
