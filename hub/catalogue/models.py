"""Catalogue entries as pydantic models: what a YAML file may say, checked on load."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from hub.config_files import StrictModel

# A dataset or publication id: dotted lower-case words, e.g. "tthc.dossiers.monthly_by_commune".
DOTTED_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


class Classification(StrEnum):
    OPEN = "open"
    SHARED = "shared"
    RESTRICTED = "restricted"


class LocalizedText(StrictModel):
    vi: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Agency(StrictModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,60}$")
    name: str = Field(min_length=1)
    name_en: str = Field(min_length=1)


class ContractRule(StrictModel):
    """A data-contract rule: a CEL expression that must be true for every record written.

    ``expr`` and ``when`` see the record's fields as variables, ``now`` and the hub's functions
    (hub.contracts.functions). Without ``when`` the rule is skipped while ``field`` is null;
    with it, the rule runs exactly when ``when`` is true (required-if: ``expr: x != null``).
    """

    rule: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")
    field: str = Field(min_length=1)
    expr: str = Field(min_length=1)
    when: str | None = None
    message: str = Field(min_length=1)


class ConsumerGrant(StrictModel):
    """An agency the owner shares the dataset with, and whether it sees personal fields.

    Without ``personal_data`` the agency reads the masked projection: personal fields dropped,
    or replaced by a keyed pseudonym where the dataset lists them in ``pseudonymise``."""

    agency: str
    purpose: str = Field(min_length=1)
    personal_data: bool = False


_ISO_DURATION = r"^P(\d+[YMWD])+$"


class OpenProjection(StrictModel):
    """The open-data view allowed for a non-open dataset: personal fields removed."""

    drop_personal_fields: Literal[True] = True


class DatasetEntry(StrictModel):
    id: str
    title: LocalizedText
    description: LocalizedText
    owner: str
    sector: str
    classification: Classification
    topic: str = Field(pattern=r"^[a-zA-Z0-9._-]{1,200}$")
    schema_path: str = Field(alias="schema")
    contract: tuple[ContractRule, ...] = ()
    open_projection: OpenProjection | None = None
    licence: str = "CC-BY-4.0"
    update_frequency: Literal["continuous", "daily", "weekly", "monthly", "annual"] = "daily"
    keywords: tuple[str, ...] = ()
    legal_basis: str = Field(min_length=1)
    retention: str = Field(pattern=_ISO_DURATION)
    consumers: tuple[ConsumerGrant, ...] = ()
    pseudonymise: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _id_shape(self) -> DatasetEntry:
        if not DOTTED_ID.match(self.id):
            raise ValueError(f"dataset id {self.id!r} must look like 'sector.name' in lower case")
        _refuse_duplicates(f"consumer of {self.id}", [c.agency for c in self.consumers])
        if self.consumers and self.classification is Classification.RESTRICTED:
            raise ValueError(
                f"dataset {self.id} is restricted: only its owner reads it, so it has no consumers"
            )
        if self.owner in {c.agency for c in self.consumers}:
            raise ValueError(f"dataset {self.id}: the owner {self.owner!r} is not a consumer")
        return self

    @property
    def masked_topic(self) -> str:
        """The projection that consumers without the personal-data right read on Kafka."""
        return f"{self.topic}.masked"

    def grant(self, agency: str) -> ConsumerGrant | None:
        """The agency's grant on this dataset; None when it has none."""
        for grant in self.consumers:
            if grant.agency == agency:
                return grant
        return None

    @property
    def dlq_topic(self) -> str:
        return f"{self.topic}.dlq"

    @property
    def publishable(self) -> bool:
        """Whether anything of this dataset may reach the open-data portal."""
        return self.classification is Classification.OPEN or self.open_projection is not None


class Catalogue(StrictModel):
    agencies: tuple[Agency, ...]
    datasets: tuple[DatasetEntry, ...]

    @model_validator(mode="after")
    def _references_resolve(self) -> Catalogue:
        agency_ids = [a.id for a in self.agencies]
        _refuse_duplicates("agency", agency_ids)
        _refuse_duplicates("dataset", [d.id for d in self.datasets])
        _refuse_duplicates("topic", [d.topic for d in self.datasets])
        topics = {d.topic for d in self.datasets}
        for dataset in self.datasets:
            if dataset.owner not in agency_ids:
                raise ValueError(f"dataset {dataset.id}: owner {dataset.owner!r} is not an agency")
            for grant in dataset.consumers:
                if grant.agency not in agency_ids:
                    raise ValueError(
                        f"dataset {dataset.id}: consumer {grant.agency!r} is not an agency"
                    )
            if dataset.masked_topic in topics:
                raise ValueError(
                    f"dataset {dataset.id}: topic {dataset.masked_topic!r} is reserved"
                    " for its masked projection"
                )
        return self

    def dataset(self, dataset_id: str) -> DatasetEntry:
        for entry in self.datasets:
            if entry.id == dataset_id:
                return entry
        raise KeyError(dataset_id)

    def agency(self, agency_id: str) -> Agency:
        for agency in self.agencies:
            if agency.id == agency_id:
                return agency
        raise KeyError(agency_id)


def _refuse_duplicates(kind: str, values: list[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"duplicate {kind} {value!r}")
        seen.add(value)
