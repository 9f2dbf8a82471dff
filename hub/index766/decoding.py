"""A dossier or feedback record from the bus turned into its latest state, or into a dead letter.

Each record is decoded with its writer's schema (``Decoder``) and becomes a ``DossierState`` or a
``FeedbackState`` (``hub.index766.records``). One that cannot (undecodable, not a dossier, counts
that contradict each other) becomes a dead letter for its dataset's ``<topic>.dlq`` (source
``index766``) holding the reason and the original bytes; ``send_letters`` sends them. A registry
that does not answer is not the record's fault: it is raised, never dead-lettered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from hub.avro.errors import SerializationError
from hub.avro.json_codec import record_to_json
from hub.bus.port import BusRecord, Position
from hub.catalogue.models import DatasetEntry
from hub.errors import UnreachableError
from hub.index766.records import Refusal, dossier_state, feedback_state
from hub.index766.states import DossierState, FeedbackState
from hub.ingest.dead_letter import DeadLetter
from hub.ingest.validation import Violation
from hub.logs import letter_context
from hub.registry.port import RegistryError

log = logging.getLogger(__name__)

INDEX_SOURCE = "index766"
"""The ``source.kind`` of the worker's dead letters."""
UNDECODABLE_RULE = "index766_undecodable"


class Decoder(Protocol):
    """Decodes Confluent wire-format bytes with the writer's schema (``RegistryDecoder``)."""

    def decode(self, payload: bytes) -> dict[str, Any]: ...


class DeadLetterWriter(Protocol):
    """Sends a dataset's dead letters to its ``<topic>.dlq`` (``DatasetWriter``)."""

    def send_to_dlq(self, letters: list[DeadLetter]) -> list[Position]: ...


@dataclass
class Decoded:
    """A record and what it became: a dossier's state, a feedback's state, or a dead letter."""

    record: BusRecord
    dossier: DossierState | None = None
    feedback: FeedbackState | None = None
    letter: DeadLetter | None = None


class RecordDecoder:
    """Turns the records of the dossier topic and the feedback topic into states."""

    def __init__(
        self, decoder: Decoder, entries: dict[str, DatasetEntry], dossier_topic: str
    ) -> None:
        self._decoder = decoder
        self._entries = entries
        """The datasets by topic."""
        self._dossier_topic = dossier_topic

    def decode(self, record: BusRecord) -> Decoded:
        try:
            datum = self._decoder.decode(record.value)
        except (SerializationError, RegistryError) as exc:
            if isinstance(exc, UnreachableError):
                raise  # the registry is down: not the record's fault, do not dead-letter
            return Decoded(
                record,
                letter=self._letter(
                    record, UNDECODABLE_RULE, "$", f"Không giải mã được bản ghi: {exc}"
                ),
            )
        try:
            if record.topic == self._dossier_topic:
                return Decoded(record, dossier=dossier_state(datum))
            return Decoded(record, feedback=feedback_state(datum))
        except Refusal as refusal:
            return Decoded(
                record,
                letter=self._letter(record, refusal.rule, refusal.path, refusal.message, datum),
            )

    def _letter(
        self,
        record: BusRecord,
        rule: str,
        path: str,
        message: str,
        datum: dict[str, Any] | None = None,
    ) -> DeadLetter:
        return DeadLetter(
            dataset=self._entries[record.topic].id,
            source={
                "kind": INDEX_SOURCE,
                "name": f"{record.topic}:{record.partition}",
                "position": record.offset,
            },
            violations=(Violation(path, rule, message),),
            original=record.value,
            record=record_to_json(datum) if datum is not None else None,
        )


def send_letters(letters: list[DeadLetter], dlq_writer: Callable[[str], DeadLetterWriter]) -> None:
    """Log each dead letter and send them, by dataset, through the dataset's writer."""
    by_dataset: dict[str, list[DeadLetter]] = {}
    for letter in letters:
        with letter_context(letter.dataset, letter.source):
            log.warning(
                "%s@%s dead-lettered: %s",
                letter.source.get("name"),
                letter.source.get("position"),
                letter.reason,
            )
        by_dataset.setdefault(letter.dataset, []).append(letter)
    for dataset, batch in by_dataset.items():
        dlq_writer(dataset).send_to_dlq(batch)
