"""Errors of the event bus port; adapters translate client errors into these."""

from __future__ import annotations

from hub.errors import KhoError, UnreachableError


class BusError(KhoError):
    """The bus refused or failed an operation."""


class BusUnavailable(UnreachableError, BusError):
    """The bus cannot be reached."""
