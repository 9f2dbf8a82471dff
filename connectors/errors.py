"""Errors of the connectors."""

from __future__ import annotations

from hub.errors import KhoError


class ConnectorError(KhoError):
    """A source cannot be read as configured; the message names the file, column or setting."""


class ConversionError(ValueError):
    """One cell could not be converted; the message says why, in Vietnamese."""


class SourceUnavailable(ConnectorError):
    """The source cannot be read right now (database gone, API answering 5xx or garbage after
    its retries). The checkpoint is where the bus last acknowledged; a later run resumes there."""
