"""What the provide-once store refuses, each with a stable ``code`` for answers and the audit
log, and a message for people."""

from __future__ import annotations

from typing import Any

from hub.errors import KhoError


class ProvideOnceError(KhoError):
    """A refusal of the provide-once store. ``status`` is the HTTP status it answers with."""

    status = 400

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.details = details


class InvalidIdentifier(ProvideOnceError):
    """A CCCD or MST that breaks a rule; ``code`` names the rule."""

    status = 422


class InvalidEvidence(ProvideOnceError):
    """Evidence or a consent whose content breaks a rule; ``details['field']`` names it."""

    status = 422


class UnknownSubject(ProvideOnceError):
    status = 404


class NotFound(ProvideOnceError):
    status = 404


class Forbidden(ProvideOnceError):
    """The caller may not do this: not the issuer, no consent, not the subject."""

    status = 403
