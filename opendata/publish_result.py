"""What became of one publication in a publish run (``PublishResult``), and the rule that one
publication's failure stops that publication only, while a portal that stayed down through
every retry stops the rest of the run (``answered``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from hub.errors import KhoError
from opendata.anonymity import SmallGroup
from opendata.errors import PortalUnavailable, PublishBlocked
from opendata.portal.port import Action

Status = Literal["published", "planned", "withdrawn", "waiting", "blocked", "failed"]


class Publication(Protocol):
    """What a result or a withdrawal needs of a publication."""

    @property
    def id(self) -> str: ...

    @property
    def dataset(self) -> str: ...


@dataclass(frozen=True)
class PublishResult:
    """What became of one publication. ``action`` is the portal's (created, updated,
    unchanged, withdrawn, absent), or what it would be under ``--plan``."""

    publication_id: str
    dataset_id: str
    status: Status
    action: Action | None = None
    rows: int = 0
    location: str = ""
    uploads: tuple[str, ...] = ()
    reason: str | None = None
    groups: list[SmallGroup] = field(default_factory=list, repr=False)

    @property
    def failed(self) -> bool:
        return self.status in ("blocked", "failed")

    @classmethod
    def of(
        cls,
        publication: Publication,
        status: Status,
        *,
        action: Action | None = None,
        rows: int = 0,
        location: str = "",
        uploads: tuple[str, ...] = (),
        reason: str | None = None,
        groups: list[SmallGroup] | None = None,
    ) -> PublishResult:
        return cls(
            publication.id,
            publication.dataset,
            status,
            action,
            rows,
            location,
            uploads,
            reason,
            groups or [],
        )


def answered(
    publication: Publication,
    step: Callable[[], PublishResult | None],
    results: dict[str, PublishResult],
) -> PublishResult | None:
    """The step's answer, or the publication's failure: one publication's trouble stops that
    publication only. Once the portal stayed down through every retry (a result in
    ``results`` says so), the step is not run and the publication is reported as not tried."""
    down = next((r.reason for r in results.values() if isinstance(r.reason, _PortalDown)), None)
    if down is not None:
        return PublishResult.of(publication, "failed", reason=f"không thử: {down}")
    try:
        return step()
    except PublishBlocked as exc:
        return PublishResult.of(publication, "blocked", reason=str(exc), groups=exc.groups)
    except PortalUnavailable as exc:
        return PublishResult.of(publication, "failed", reason=_PortalDown(str(exc)))
    except KhoError as exc:
        return PublishResult.of(publication, "failed", reason=str(exc))


class _PortalDown(str):
    """A failure reason meaning the portal stayed unreachable through every retry."""
