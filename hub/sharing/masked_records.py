"""One dataset's records turned into its masked projection for ``<topic>.masked``.

Each input message becomes exactly one output: the masked record, encoded in the Confluent wire
format under the masked schema (registered as ``<topic>.masked-value``), with the same key and
for the same partition number as the input; or, when the message cannot be decoded or masked,
a dead letter for ``<topic>.dlq`` (source ``masker``) holding the reason and the original bytes.

The key stays the input's, unless the key field is itself personal: then it is pseudonymised
like the field, or dropped (null) with it, so that no personal value leaves in clear.
"""

from __future__ import annotations

from dataclasses import dataclass

import fastavro

from hub.avro.decoder import RegistryDecoder
from hub.avro.errors import SerializationError
from hub.avro.wire import encode
from hub.bus.port import BusRecord
from hub.bus.relay import RoutedMessage
from hub.catalogue.loader import LoadedCatalogue
from hub.catalogue.models import Classification, DatasetEntry
from hub.contracts.violation import Violation
from hub.errors import ConfigurationError, UnreachableError
from hub.ingest.dead_letter import DeadLetter
from hub.registry.port import RegistryError, SchemaRegistry, subject_for_topic
from hub.sharing.masking import Projection, Projector, masked_schema_text
from hub.sharing.pseudonym import Pseudonymiser

MASKER_GROUP = "kho.masker"
"""The consumer group of the masking worker; its committed offsets measure the lag."""
MASKER_SOURCE = "masker"
UNDECODABLE_RULE = "masker_undecodable"
UNMASKABLE_RULE = "masker_unmaskable"


def maskable(catalogue: LoadedCatalogue, entry: DatasetEntry) -> bool:
    """Whether the dataset gets a masked topic: it has personal fields and is not restricted
    (a restricted dataset is read by its owner only, so nobody reads a masked copy)."""
    if entry.classification is Classification.RESTRICTED:
        return False
    return bool(catalogue.schema(entry.id).personal_fields)


def maskable_datasets(
    catalogue: LoadedCatalogue, dataset_ids: list[str] | None = None
) -> list[DatasetEntry]:
    """Every maskable dataset, or the ones named (each must be maskable)."""
    if not dataset_ids:
        return [e for e in catalogue.catalogue.datasets if maskable(catalogue, e)]
    entries = []
    for dataset_id in dict.fromkeys(dataset_ids):
        entry = catalogue.entry(dataset_id)
        if not maskable(catalogue, entry):
            why = (
                "thuộc loại hạn chế (chỉ chủ sở hữu đọc)"
                if entry.classification is Classification.RESTRICTED
                else "không có trường cá nhân"
            )
            raise ConfigurationError(f"Bộ dữ liệu {entry.id} {why}: không có bản che .masked")
        entries.append(entry)
    return entries


@dataclass(frozen=True, slots=True)
class MaskOutcome:
    """The one output of one input message: the masked message, or a dead letter's."""

    message: RoutedMessage
    letter: DeadLetter | None = None


class DatasetMasker:
    """Masks one dataset's messages. Registers the masked schema when built."""

    def __init__(
        self,
        entry: DatasetEntry,
        projector: Projector,
        decoder: RegistryDecoder,
        registry: SchemaRegistry,
        pseudonymiser: Pseudonymiser,
    ) -> None:
        self.entry = entry
        self._projector = projector
        self._decoder = decoder
        self._pseudonymiser = pseudonymiser
        definition = projector.masked_schema()
        text = masked_schema_text(definition)
        self.schema_id = registry.register(subject_for_topic(entry.masked_topic), text)
        self._parsed = fastavro.parse_schema(definition)
        key_field = projector.schema.key_field
        personal = projector.schema.personal_fields
        self._key_rule = "keep"
        if key_field is not None and key_field in personal:
            self._key_rule = "pseudonym" if key_field in entry.pseudonymise else "drop"

    def mask(self, record: BusRecord) -> MaskOutcome:
        try:
            datum = self._decoder.decode(record.value)
        except (SerializationError, RegistryError) as exc:
            if isinstance(exc, UnreachableError):
                raise  # the registry is down: not the message's fault, do not dead-letter
            return self._letter(record, UNDECODABLE_RULE, f"Không giải mã được bản ghi: {exc}")
        try:
            masked = self._projector.project(datum, Projection.MASKED)
            value = encode(self.schema_id, self._parsed, masked)
            key = self._key(record.key)
        except (SerializationError, ValueError, TypeError, KeyError) as exc:
            return self._letter(record, UNMASKABLE_RULE, f"Không tạo được bản che: {exc}")
        return MaskOutcome(RoutedMessage(self.entry.masked_topic, record.partition, key, value))

    def _key(self, key: bytes | None) -> bytes | None:
        if key is None or self._key_rule == "keep":
            return key
        if self._key_rule == "drop":
            return None
        return self._pseudonymiser.pseudonym(key.decode("utf-8")).encode("ascii")

    def _letter(self, record: BusRecord, rule: str, message: str) -> MaskOutcome:
        letter = DeadLetter(
            dataset=self.entry.id,
            source={
                "kind": MASKER_SOURCE,
                "name": f"{record.topic}:{record.partition}",
                "position": record.offset,
            },
            violations=(Violation("$", rule, message),),
            original=record.value,
        )
        dlq = RoutedMessage(self.entry.dlq_topic, None, None, letter.to_bytes())
        return MaskOutcome(dlq, letter)
