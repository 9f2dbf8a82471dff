"""What the publisher asks of an open-data portal: make this dataset exist exactly like this."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from opendata.files import sha256_hex

Action = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class PortalOrganisation:
    name: str  # portal slug
    title: str
    description: str = ""


@dataclass(frozen=True)
class PortalResource:
    name: str
    filename: str
    content: bytes = field(repr=False)
    format: str
    media_type: str
    description: str = ""

    @property
    def sha256(self) -> str:
        return sha256_hex(self.content)


@dataclass(frozen=True)
class PortalDataset:
    name: str  # portal slug, derived from the catalogue id
    title: str
    notes: str
    organisation: PortalOrganisation
    licence_id: str
    tags: tuple[str, ...]
    extras: dict[str, str]
    resources: tuple[PortalResource, ...]
    dcat: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class PublishOutcome:
    dataset: str
    action: Action
    location: str
    uploaded: tuple[str, ...] = ()


class OpenDataPortal(Protocol):
    @property
    def description(self) -> str: ...

    def publish(self, dataset: PortalDataset) -> PublishOutcome:
        """Create or update the dataset so it matches; change nothing if it already does."""
        ...
