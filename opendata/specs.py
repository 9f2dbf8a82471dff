"""The open-data catalogue (danh mục dữ liệu mở): what may be published from each dataset, and
in which shape. A steward approves one of these specs; the approval holds the spec's digest, so
a spec edited after its approval is not published until it is approved again.

Three kinds:

- ``snapshot``: the latest record of each key (products, facilities, schools);
- ``history``: every record of an event topic (dossiers, readings), in topic order;
- ``aggregation``: counts, rates and means per group, over every record or over each key's
  latest one (dossiers per commune per month, with the online
  rate and the on-time rate). Groups smaller than ``min_count`` have their figures suppressed.

Field names are checked against the dataset's schema when the publication is materialised, so
one wrong spec stops that publication only, with a message naming the field.
"""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from hub.catalogue.models import DOTTED_ID, LocalizedText
from hub.config_files import StrictModel, load_yaml_model
from opendata.cited_values import cited_columns

_COLUMN = r"^[a-z][a-z0-9_]{0,62}$"


class Bucket(StrEnum):
    """How a timestamp dimension is truncated: to the Vietnam-time day, month or year."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"


class Dimension(StrictModel):
    field: str = Field(min_length=1)
    bucket: Bucket | None = None

    @property
    def column(self) -> str:
        return f"{self.field}_{self.bucket.value}" if self.bucket else self.field


class Condition(StrictModel):
    """True for a record when ``field`` equals ``equals``, or is at most ``at_most_field``.
    A record whose ``field`` is null is outside the rate's denominator."""

    field: str = Field(min_length=1)
    equals: str | int | bool | None = None
    at_most_field: str | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        if (self.equals is None) == (self.at_most_field is None):
            raise ValueError("a condition needs exactly one of equals or at_most_field")
        return self


class Measure(StrictModel):
    """``count``: records in the group; ``rate``: percentage of the group's records (whose
    condition field is not null) that meet the condition; ``mean``: mean of a numeric field."""

    name: str = Field(pattern=_COLUMN)
    title: LocalizedText
    kind: Literal["count", "rate", "mean"]
    condition: Condition | None = None
    field: str | None = None

    @model_validator(mode="after")
    def _inputs_match_kind(self) -> Measure:
        if self.kind == "rate" and self.condition is None:
            raise ValueError(f"measure {self.name}: a rate needs a condition")
        if self.kind == "mean" and self.field is None:
            raise ValueError(f"measure {self.name}: a mean needs a field")
        if self.kind == "count" and (self.condition or self.field):
            raise ValueError(f"measure {self.name}: a count takes no condition or field")
        return self

    @property
    def fields(self) -> tuple[str, ...]:
        named = [self.field] if self.field else []
        if self.condition is not None:
            named.append(self.condition.field)
            if self.condition.at_most_field:
                named.append(self.condition.at_most_field)
        return tuple(named)


class Aggregation(StrictModel):
    """``over: latest`` aggregates each key's latest record (a dossier re-sent as it moves from
    received to finished is counted once, in its current state); ``all`` every record."""

    over: Literal["latest", "all"] = "all"
    group_by: tuple[Dimension, ...] = Field(min_length=1)
    measures: tuple[Measure, ...] = Field(min_length=1)
    count_column: str = Field(default="records", pattern=_COLUMN)
    min_count: int = Field(default=5, ge=1)

    @property
    def fields(self) -> tuple[str, ...]:
        named = [d.field for d in self.group_by]
        for measure in self.measures:
            named.extend(measure.fields)
        return tuple(dict.fromkeys(named))


class PublicationSpec(StrictModel):
    id: str
    dataset: str
    kind: Literal["snapshot", "history", "aggregation"]
    title: LocalizedText | None = None
    description: LocalizedText | None = None
    # Projection for snapshot and history: the columns published, in order. Empty: every field
    # of the schema that is not marked personal. A personal field is never published.
    columns: tuple[str, ...] = ()
    quasi_identifiers: tuple[str, ...] = ()
    k: int = Field(default=5, ge=2)
    aggregation: Aggregation | None = None
    # The timestamp field whose range is the temporal coverage; the commune field for spatial.
    time_field: str | None = None
    commune_field: str | None = None
    # EU data-theme codes (GOVE, AGRI, ENVI, HEAL, EDUC, ECON, ...).
    themes: tuple[str, ...] = Field(default=(), min_length=0)

    @model_validator(mode="after")
    def _shape(self) -> PublicationSpec:
        if not DOTTED_ID.match(self.id):
            raise ValueError(f"publication id {self.id!r} must look like 'sector.name[.view]'")
        if not (self.id == self.dataset or self.id.startswith(self.dataset + ".")):
            raise ValueError(
                f"publication id {self.id!r} must be its dataset id {self.dataset!r}"
                " or start with it"
            )
        if (self.kind == "aggregation") != (self.aggregation is not None):
            raise ValueError(f"publication {self.id}: an aggregation needs its `aggregation`")
        if self.kind == "aggregation" and (self.columns or self.quasi_identifiers):
            raise ValueError(
                f"publication {self.id}: an aggregation has no columns or quasi_identifiers"
                " (small groups are suppressed by min_count)"
            )
        return self

    @property
    def fields(self) -> tuple[str, ...]:
        """Every schema field the spec names, to be checked against the schema."""
        named = [*self.columns, *self.quasi_identifiers]
        if self.aggregation is not None:
            named.extend(self.aggregation.fields)
        named.extend(f for f in (self.time_field, self.commune_field) if f)
        named.extend(cited_columns(self.description))  # `{column}` in the description
        return tuple(dict.fromkeys(named))

    @property
    def digest(self) -> str:
        """SHA-256 of the spec's canonical JSON: what an approval is an approval of."""
        canonical = json.dumps(
            self.model_dump(mode="json"), ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class PublicationCatalogue(StrictModel):
    publications: tuple[PublicationSpec, ...]

    @model_validator(mode="after")
    def _unique(self) -> PublicationCatalogue:
        seen: set[str] = set()
        for spec in self.publications:
            if spec.id in seen:
                raise ValueError(f"duplicate publication {spec.id!r}")
            seen.add(spec.id)
        return self

    def spec(self, publication_id: str) -> PublicationSpec:
        for spec in self.publications:
            if spec.id == publication_id:
                return spec
        raise KeyError(publication_id)


def load_publications(path: Path) -> PublicationCatalogue:
    return load_yaml_model(path, PublicationCatalogue, what="tệp danh mục dữ liệu mở")
