"""A record too large for one Kafka message is refused by the rule ``record_too_large`` on every
write path that goes through the dataset's writer (a connector here, on the embedded bus, which
would take it), and its dead letter fits the dead-letter topic: the head of the original, with
the whole original's size and SHA-256, kept when the letter is read back and written again."""

from __future__ import annotations

import hashlib
import json

from connectors.samples.dossiers import dossier_documents
from hub.app.wiring import Hub
from hub.bus import read_all
from hub.ingest import IncomingRecord, SourceRef
from hub.ingest.dead_letter import LETTER_MAX_BYTES, ORIGINAL_KEPT_BYTES, DeadLetter
from hub.ingest.writer import MAX_RECORD_BYTES

DATASET = "tthc.dossiers"


def _incoming(hub: Hub, document: dict[str, object], row: int) -> IncomingRecord:
    writer = hub.writer(DATASET)
    original = json.dumps(document, ensure_ascii=False).encode("utf-8")
    return IncomingRecord(
        SourceRef("csv", "ho-so.csv", row), original, writer.json_reader.read(document)
    )


def test_a_record_over_a_message_is_a_dead_letter_that_fits(embedded_hub: Hub) -> None:
    good, large = dossier_documents(2, seed=5)
    large["procedure_name"] = "Đ" * (MAX_RECORD_BYTES // 2 + 1)  # two bytes a letter in UTF-8
    writer = embedded_hub.writer(DATASET)
    report = writer.write([_incoming(embedded_hub, good, 1), _incoming(embedded_hub, large, 2)])
    assert (report.accepted, report.rejected) == (1, 1)
    assert dict(report.rejected_by_rule) == {"record_too_large": 1}
    entry = embedded_hub.catalogue.entry(DATASET)
    (stored,) = read_all(embedded_hub.bus, entry.dlq_topic)
    assert len(stored.value) <= LETTER_MAX_BYTES
    letter = DeadLetter.from_bytes(stored.value)
    whole = json.dumps(large, ensure_ascii=False).encode("utf-8")
    assert letter.original == whole[:ORIGINAL_KEPT_BYTES] and letter.record is None
    assert (letter.original_size, letter.original_sha256) == (
        len(whole),
        hashlib.sha256(whole).hexdigest(),
    )
    again = DeadLetter.from_bytes(letter.to_bytes())
    assert (again.original_size, again.original_sha256) == (
        letter.original_size,
        letter.original_sha256,
    )


def test_a_record_at_the_limit_is_published(embedded_hub: Hub) -> None:
    (document,) = dossier_documents(1, seed=6)
    writer = embedded_hub.writer(DATASET)
    document["procedure_name"] = "a" * (MAX_RECORD_BYTES - 2_000)
    report = writer.write([_incoming(embedded_hub, document, 1)])
    assert (report.accepted, report.rejected) == (1, 0)
