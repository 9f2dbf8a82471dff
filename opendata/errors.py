"""Errors of the open-data publisher and its portals."""

from __future__ import annotations

from hub.errors import KhoError, UnreachableError


class PublishError(KhoError):
    """A dataset cannot be published; the message says which and why."""


class PortalUnavailable(UnreachableError, PublishError):
    """The open-data portal cannot be reached."""
