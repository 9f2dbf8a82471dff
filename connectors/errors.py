"""Errors of the connectors."""

from __future__ import annotations

from hub.errors import KhoError


class ConnectorError(KhoError):
    """The root of the connectors' errors. Raised as it is: a source cannot be read as
    configured; the message names the file, column or setting."""


class ConversionError(ConnectorError):
    """One cell could not be converted; the message says why, in Vietnamese, on one line. The
    mapping (connectors.mapping) catches it and reports the field, so the row is dead-lettered
    with the reason and the run goes on."""


class SourceUnavailable(ConnectorError):
    """The source cannot be read right now (database gone, API answering 5xx or garbage after
    its retries). The checkpoint is where the bus last acknowledged; a later run resumes there."""
