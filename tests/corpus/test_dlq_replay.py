"""The corpus through DLQ replay (``kho dlq replay ADDRESS --record FILE``, through the steward
desk the command uses): a corrected record with a bad value is refused again into a new letter
naming the field, or published; a bad correction file is refused with one clear error naming
the file, and the letter stays pending."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.samples.dossiers import dossier_documents
from hub.app.wiring import Hub
from hub.bus.reading import read_all
from hub.dlq import DeskPorts, DlqError, LetterStatus, ReplayLog, StewardDesk
from hub.ingest.batch import IngestMode, ingest_batch
from hub.ingest.dead_letter import DeadLetter
from tests.corpus.inputs import bad_bodies, bad_values, splice
from tests.corpus.tally import Tally

DATASET = "tthc.dossiers"
FIELDS = {
    "text": "procedure_name",
    "key": "dossier_id",
    "number": "fee_vnd",
    "code": "commune_code",
}
ACCEPTED_HERE = {"utf8-bom", "over-size-limit"}
"""Bodies a correction file may be: Notepad's BOM, and a large file (no size limit applies to a
steward's own file)."""


def _desk(hub: Hub) -> StewardDesk:
    ports = DeskPorts(
        bus=hub.bus,
        replays=ReplayLog(hub.engine),
        audit=hub.audit,
        writer=lambda: hub.writer(DATASET),
    )
    entry = hub.catalogue.entry(DATASET)
    return StewardDesk(entry, hub.catalogue.schema(DATASET).field_names, ports)


def _letters_for(hub: Hub, count: int) -> list[str]:
    """``count`` dead letters (dossiers with a CCCD of 5 digits), by address."""
    documents = dossier_documents(count, seed=31)
    for i, document in enumerate(documents):
        document["dossier_id"] = f"DLQ-{i:04d}"
        document["applicant_id_number"] = "12345"
    result = ingest_batch(
        hub.writer(DATASET), documents, mode=IngestMode.PARTIAL, source_name="vp-ubnd"
    )
    assert len(result.rejected) == count
    return [str(v.address) for v in _desk(hub).letters().letters]


@pytest.mark.usefixtures("no_tracebacks")
def test_corrections_with_bad_values(embedded_hub: Hub, tmp_path: Path, tally: Tally) -> None:
    """Each bad value in a steward's corrected record: published when the corpus accepts it,
    else a new letter naming the field, keeping the steward's file as its original."""
    values = bad_values()
    addresses = _letters_for(embedded_hub, len(values))
    desk = _desk(embedded_hub)
    counts = tally.path("DLQ replay: corrected values")
    topic_before = sum(1 for _ in read_all(embedded_hub.bus, DATASET))
    for i, (value, address) in enumerate(zip(values, addresses, strict=True)):
        document = dossier_documents(1, seed=300 + i)[0]
        document["dossier_id"] = f"FIX-{i:04d}"
        field = FIELDS[value.target]
        fix = tmp_path / f"ban-ghi-{i}.json"
        fix.write_bytes(splice(document, field, value))
        (outcome,) = desk.replay([address], record_file=fix).outcomes
        if value.expect == "accepted":
            assert outcome.accepted, (value.name, outcome.violations)
            counts.sent_one("accepted")
            continue
        assert not outcome.accepted and outcome.new_letter is not None, value.name
        assert f"$.{field}" in {v.path for v in outcome.violations}, (value.name, outcome)
        new = desk.letter(str(outcome.new_letter)).stored.letter
        assert new.original == fix.read_bytes()
        counts.sent_one("dead_lettered")
    assert counts.adds_up()
    published = sum(1 for _ in read_all(embedded_hub.bus, DATASET)) - topic_before
    assert published == counts.outcomes["accepted"]
    letters = [DeadLetter.from_bytes(r.value) for r in read_all(embedded_hub.bus, f"{DATASET}.dlq")]
    replayed = [letter for letter in letters if letter.source["kind"] == "dlq-replay"]
    assert len(replayed) == counts.outcomes["dead_lettered"]


@pytest.mark.usefixtures("no_tracebacks")
def test_bad_correction_files(embedded_hub: Hub, tmp_path: Path, tally: Tally) -> None:
    """Malformed, truncated, mis-encoded, too deep or too long: one clear error naming the file
    (what the command prints), nothing written, the letter still pending."""
    (address, spare, other) = _letters_for(embedded_hub, 3)
    spares = [spare, other]
    desk = _desk(embedded_hub)
    counts = tally.path("DLQ replay: correction files")
    document = dossier_documents(1, seed=41)[0]
    valid = json.dumps(document, ensure_ascii=False).encode("utf-8")
    for i, body in enumerate(bad_bodies()):
        fix = tmp_path / f"sua-{i}.json"
        fix.write_bytes(body.content(valid, 64 * 1024))
        if body.name in ACCEPTED_HERE:
            (outcome,) = desk.replay([spares.pop()], record_file=fix).outcomes
            assert outcome.accepted, (body.name, outcome.violations)
            counts.sent_one("accepted")
            continue
        with pytest.raises(DlqError) as refused:
            desk.replay([address], record_file=fix)
        message = str(refused.value)
        assert fix.name in message and "Traceback" not in message, (body.name, message)
        counts.sent_one("refused")
    assert counts.adds_up()
    assert desk.letter(address).status is LetterStatus.PENDING
