"""Replaying a dead letter: its record goes through the dataset writer again, so Avro types and
the data contract are checked again. A record still invalid becomes a new dead letter whose
source is ``dlq-replay``, pointing back at the letter it came from.

The record replayed is, in order of preference: the steward's corrected file, the record stored
in the letter, or the letter's original bytes read as JSON (what the ingest API received).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hub.avro.json_codec import JsonRecordError
from hub.dlq.address import LetterAddress
from hub.dlq.correction import Correction
from hub.dlq.queue import StoredLetter
from hub.dlq.status import ReplayOutcome
from hub.ingest.dead_letter import DeadLetter
from hub.ingest.validation import Violation
from hub.ingest.writer import DatasetWriter, IncomingRecord, SourceRef

REPLAY_SOURCE_KIND = "dlq-replay"
JSON_RULE = "json"


def replay_source(dlq_topic: str, address: LetterAddress) -> SourceRef:
    """The source of a replayed record: the DLQ topic and partition, and the letter's offset."""
    return SourceRef(
        kind=REPLAY_SOURCE_KIND, name=f"{dlq_topic}:{address.partition}", position=address.offset
    )


class Replayer:
    """Writes dead letters of one dataset again, each validated as if it had just arrived."""

    def __init__(self, writer: DatasetWriter) -> None:
        self._writer = writer

    def replay(self, stored: StoredLetter, correction: Correction | None = None) -> ReplayOutcome:
        incoming = self.incoming(stored, correction)
        problems = self._problems(incoming)
        if incoming.record is not None and not problems:
            (published,) = self._writer.publish([self._writer.message(incoming.record)])
            return ReplayOutcome(stored.address, dt.datetime.now(dt.UTC), published=published)
        letter = self._writer.dead_letter(incoming, problems)
        (kept,) = self._writer.send_to_dlq([letter])
        return ReplayOutcome(
            stored.address,
            dt.datetime.now(dt.UTC),
            new_letter=LetterAddress(kept.partition, kept.offset),
            violations=letter.violations,
        )

    def check(self, stored: StoredLetter, correction: Correction | None = None) -> list[Violation]:
        """The rules the replayed record would break, as ``replay`` judges them; nothing is
        written."""
        return self._problems(self.incoming(stored, correction))

    def _problems(self, incoming: IncomingRecord) -> list[Violation]:
        problems = list(incoming.problems)
        if incoming.record is not None and not problems:
            problems = self._writer.violations(incoming.record)
        return problems

    def incoming(self, stored: StoredLetter, correction: Correction | None) -> IncomingRecord:
        """The record to write for the letter, or the reason it cannot be read."""
        source = replay_source(stored.topic, stored.address)
        letter = stored.letter
        document: Any
        if correction is not None:
            original, document = correction.original, correction.document
        else:
            document = stored_document(letter)
            if document is None:
                problem = Violation(
                    "$",
                    JSON_RULE,
                    "Thư không có bản ghi để phát lại và nội dung gốc không phải JSON;"
                    " hãy sửa bản ghi rồi phát lại với --record TỆP",
                )
                return IncomingRecord(source, letter.original, None, (problem,))
            original = letter.original
            if letter.record is not None:
                original = json.dumps(letter.record, ensure_ascii=False).encode("utf-8")
        try:
            record = self._writer.json_reader.read(document)
        except JsonRecordError as exc:
            problem = Violation(exc.path, JSON_RULE, exc.message)
            return IncomingRecord(source, original, None, (problem,))
        return IncomingRecord(source, original, record)


def stored_document(letter: DeadLetter) -> Any:
    """The record a letter holds: the one its source mapped, else its original bytes read as
    JSON (what the ingest API received); None when it holds neither."""
    if letter.record is not None:
        return letter.record
    try:
        return json.loads(letter.original.decode("utf-8-sig"))
    except ValueError:
        return None
