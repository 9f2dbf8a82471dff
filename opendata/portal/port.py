"""What the publisher asks of an open-data portal: say what it would change to make a dataset
exactly like this, make it so, or withdraw a dataset whose approval ended."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Literal, Protocol

from opendata.files import sha256_hex

Action = Literal["created", "updated", "unchanged", "withdrawn", "absent"]
WithdrawMode = Literal["private", "delete"]


@dataclass(frozen=True)
class PortalOrganisation:
    name: str  # portal slug: the catalogue's agency id
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
    extras: dict[str, str] = field(default_factory=dict)

    @cached_property
    def sha256(self) -> str:
        """Hashed once: the digest, the DCAT description, the portal's comparison and upload,
        and the audit entry all read it (a million-row history is 500 MB of files)."""
        return sha256_hex(self.content)

    def with_extras(self, extras: dict[str, str]) -> PortalResource:
        """The same file with other extras (its DCAT fields), and its hash, if already
        computed, carried over rather than computed again."""
        other = replace(self, extras=extras)
        if "sha256" in self.__dict__:  # where cached_property keeps it
            other.__dict__["sha256"] = self.__dict__["sha256"]
        return other


@dataclass(frozen=True)
class PortalDataset:
    name: str  # portal slug, derived from the publication id
    title: str
    notes: str
    organisation: PortalOrganisation
    licence_id: str
    tags: tuple[str, ...]
    extras: dict[str, str]
    resources: tuple[PortalResource, ...]
    dcat: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class PortalPlan:
    """What the portal would do: ``uploads`` names the files whose bytes it does not hold yet."""

    dataset: str
    action: Action
    uploads: tuple[str, ...] = ()
    metadata_changed: bool = False


@dataclass(frozen=True)
class PublishOutcome:
    dataset: str
    action: Action
    location: str
    uploaded: tuple[str, ...] = ()


class OpenDataPortal(Protocol):
    @property
    def description(self) -> str: ...

    @property
    def home_url(self) -> str:
        """The portal's home page (the DCAT catalogue's homepage)."""
        ...

    def dataset_url(self, name: str) -> str:
        """Where the public finds the dataset (its DCAT landing page)."""
        ...

    def resource_url(self, name: str, filename: str) -> str:
        """Where the public downloads one file, known before it is uploaded."""
        ...

    def plan(self, dataset: PortalDataset) -> PortalPlan:
        """What ``publish`` would change; changes nothing."""
        ...

    def publish(self, dataset: PortalDataset) -> PublishOutcome:
        """Create or update the dataset so it matches; change nothing if it already does."""
        ...

    def plan_withdrawal(self, name: str) -> PortalPlan:
        """``withdrawn`` if the dataset is public now, else ``absent``; changes nothing."""
        ...

    def withdraw(self, name: str, mode: WithdrawMode) -> PublishOutcome:
        """Make a public dataset private, or delete it (a private one too: nothing of it may
        stay); ``absent`` when there is nothing to withdraw in that mode."""
        ...
