"""Errors of the open-data publisher and its portals."""

from __future__ import annotations

from typing import Any

from hub.errors import KhoError, UnreachableError


class PublishError(KhoError):
    """A dataset cannot be published; the message says which and why."""


class PublishBlocked(PublishError):
    """This publication must not go out as it is (a wrong spec, a failed anonymity check, a
    file over the portal's limit); the others still publish. ``groups`` holds the offending
    groups of a failed k-anonymity check."""

    def __init__(self, message: str, *, groups: list[Any] | None = None) -> None:
        super().__init__(message)
        self.groups = groups or []


class PortalUnavailable(UnreachableError, PublishError):
    """The open-data portal cannot be reached, or answers with a server error."""


class ApprovalRefused(KhoError):
    """A steward's grant or revocation that the approval rules refuse. ``code`` is stable, for
    answers and logs: ``unknown_publication``, ``unknown_dataset``, ``not_owner``,
    ``restricted_dataset``, ``no_open_projection``, ``not_approved``, ``reason_required``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
