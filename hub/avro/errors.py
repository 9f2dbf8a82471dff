"""Errors of Avro encoding and decoding."""

from __future__ import annotations

from hub.errors import KhoError


class SerializationError(KhoError):
    """A record could not be encoded to, or decoded from, Avro."""
