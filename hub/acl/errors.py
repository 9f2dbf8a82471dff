"""Errors of the ACL package; the Kafka admin adapter translates its client's errors into these."""

from __future__ import annotations

from hub.errors import KhoError


class AclError(KhoError):
    """Kafka refused or failed an ACL or credential change."""


class AclUnsupported(AclError):
    """The bus cannot enforce ACLs: it is the embedded log, or the broker has no authorizer."""
