"""A Kafka ACL as a plain value: who may do what on which resource, compared and hashed as a whole.

The names are Kafka's own (``TOPIC``, ``PREFIXED``, ``READ``, ``ALLOW``), so an ACL read back
from the broker and one derived from the catalogue compare equal when they mean the same thing.
Nothing here imports ``kafka``; the admin adapter (``hub.acl.kafka_admin``) translates.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ResourceType(StrEnum):
    TOPIC = "TOPIC"
    GROUP = "GROUP"
    CLUSTER = "CLUSTER"
    TRANSACTIONAL_ID = "TRANSACTIONAL_ID"
    DELEGATION_TOKEN = "DELEGATION_TOKEN"  # noqa: S105 (a resource type, not a secret)
    USER = "USER"


class PatternType(StrEnum):
    LITERAL = "LITERAL"
    PREFIXED = "PREFIXED"


class Operation(StrEnum):
    ALL = "ALL"
    READ = "READ"
    WRITE = "WRITE"
    CREATE = "CREATE"
    DELETE = "DELETE"
    ALTER = "ALTER"
    DESCRIBE = "DESCRIBE"
    CLUSTER_ACTION = "CLUSTER_ACTION"
    DESCRIBE_CONFIGS = "DESCRIBE_CONFIGS"
    ALTER_CONFIGS = "ALTER_CONFIGS"
    IDEMPOTENT_WRITE = "IDEMPOTENT_WRITE"
    CREATE_TOKENS = "CREATE_TOKENS"
    DESCRIBE_TOKENS = "DESCRIBE_TOKENS"


class Permission(StrEnum):
    ALLOW = "ALLOW"
    DENY = "DENY"


ANY_HOST = "*"
USER_PREFIX = "User:"


def agency_principal(agency_id: str) -> str:
    """The Kafka principal an agency's clients log in as: ``User:<agency id>``."""
    return f"{USER_PREFIX}{agency_id}"


def group_prefix(agency_id: str) -> str:
    """The consumer-group names an agency may use start with ``<agency id>.``."""
    return f"{agency_id}."


@dataclass(frozen=True, order=True)
class AclBinding:
    """One ACL. Field order is the order tables are sorted in: by principal, then resource."""

    principal: str
    resource_type: ResourceType
    resource_name: str
    pattern_type: PatternType
    operation: Operation
    permission: Permission = Permission.ALLOW
    host: str = ANY_HOST

    @property
    def resource(self) -> str:
        """``TOPIC tthc.dossiers`` or ``GROUP so-yt.* (PREFIXED)``, for tables and messages."""
        suffix = "*" if self.pattern_type is PatternType.PREFIXED else ""
        return f"{self.resource_type.value} {self.resource_name}{suffix}"


def allow(
    principal: str,
    resource_type: ResourceType,
    name: str,
    operation: Operation,
    pattern_type: PatternType = PatternType.LITERAL,
) -> AclBinding:
    """An ALLOW binding from any host, the only kind the catalogue derives."""
    return AclBinding(principal, resource_type, name, pattern_type, operation)
