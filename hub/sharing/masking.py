"""Projections of a dataset's records, one per kind of reader:

- FULL: every field (the owner, and consumers granted personal data);
- MASKED: personal fields dropped, except those the catalogue lists in ``pseudonymise``, which
  are replaced by a keyed pseudonym (consumers without the personal-data right, on HTTP and on
  ``<topic>.masked``);
- PUBLIC: every personal field dropped (the open projection, anyone).

The masked projection has its own Avro schema, derived from the dataset's, so that
``<topic>.masked`` is a normal Avro topic with a registered subject.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from hub.avro.schema import DatasetSchema
from hub.catalogue.models import DatasetEntry
from hub.sharing.pseudonym import Pseudonymiser


class Projection(StrEnum):
    FULL = "full"
    MASKED = "masked"
    PUBLIC = "public"


class Projector:
    """Turns a dataset's records into one projection. Built once per dataset and reused."""

    def __init__(
        self, entry: DatasetEntry, schema: DatasetSchema, pseudonymiser: Pseudonymiser
    ) -> None:
        self.entry = entry
        self.schema = schema
        self._pseudonymiser = pseudonymiser
        personal = schema.personal_fields
        self._pseudonymised = frozenset(entry.pseudonymise)
        self._masked_drop = personal - self._pseudonymised
        self._public_drop = personal

    def project(self, record: Mapping[str, Any], projection: Projection) -> dict[str, Any]:
        if projection is Projection.FULL:
            return dict(record)
        if projection is Projection.PUBLIC:
            return {k: v for k, v in record.items() if k not in self._public_drop}
        masked: dict[str, Any] = {}
        for name, value in record.items():
            if name in self._masked_drop:
                continue
            if name in self._pseudonymised and value is not None:
                value = self._pseudonymiser.pseudonym(str(value))
            masked[name] = value
        return masked

    def masked_schema(self) -> dict[str, Any]:
        """The Avro schema of the masked projection (``masked_schema``)."""
        return masked_schema(self.entry, self.schema)


def masked_schema(entry: DatasetEntry, schema: DatasetSchema) -> dict[str, Any]:
    """The Avro schema of a dataset's masked projection: the dataset's, less its dropped
    fields, with pseudonymised fields documented as such. It needs no pseudonym key, so the
    hub can register it at start-up, before any record is masked."""
    pseudonymised = frozenset(entry.pseudonymise)
    dropped = schema.personal_fields - pseudonymised
    definition = copy.deepcopy(schema.definition)
    definition["name"] = f"{definition['name']}Masked"
    definition["doc"] = (
        f"{definition.get('doc', '')} [Bản che dữ liệu cá nhân | personal data masked]"
    ).strip()
    fields = []
    for field in definition["fields"]:
        if field["name"] in dropped:
            continue
        if field["name"] in pseudonymised:
            field["personal"] = False
            field["kho.pseudonym"] = True
            field["doc"] = f"Bí danh (HMAC) của: {field.get('doc', '')}"
        fields.append(field)
    definition["fields"] = fields
    key = definition.get("kho.key")
    if key is not None and key in dropped:
        del definition["kho.key"]
    return definition


def masked_schema_text(definition: dict[str, Any]) -> str:
    """The masked schema's text as it is registered: compact JSON, so that the masking worker
    and the start-up registration (catalogue_subjects) register the very same text."""
    return json.dumps(definition, ensure_ascii=False, separators=(",", ":"))
