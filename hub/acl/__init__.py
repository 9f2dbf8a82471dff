"""Enforcement on Kafka itself: one Kafka user per agency, ACLs derived from the catalogue.

- ``model``: ``AclBinding`` and Kafka's names for resources, patterns, operations;
- ``desired``: the ACLs the catalogue calls for (a pure function of the sharing policy,
  ``hub.sharing.policy``, the one HTTP reads also follow);
- ``plan``: the scope a sync manages, and what to create and delete in it;
- ``sync``: ``sync_acls`` over an ``AclAdmin``;
- ``users``: agency passwords (SCRAM-SHA-512);
- ``kafka_admin``: ``KafkaAclAdmin``, the kafka-python adapter;
- ``cli``: ``kho acl user|sync``.
"""

from hub.acl.desired import desired_acls, managed_topics
from hub.acl.errors import AclError, AclUnsupported
from hub.acl.model import (
    AclBinding,
    Operation,
    PatternType,
    Permission,
    ResourceType,
    agency_principal,
    group_prefix,
)
from hub.acl.plan import AclPlan, AclScope, catalogue_scope, plan_changes
from hub.acl.sync import AclAdmin, SyncResult, sync_acls
from hub.acl.users import new_password, set_agency_password

__all__ = [
    "AclAdmin",
    "AclBinding",
    "AclError",
    "AclPlan",
    "AclScope",
    "AclUnsupported",
    "Operation",
    "PatternType",
    "Permission",
    "ResourceType",
    "SyncResult",
    "agency_principal",
    "catalogue_scope",
    "desired_acls",
    "group_prefix",
    "managed_topics",
    "new_password",
    "plan_changes",
    "set_agency_password",
    "sync_acls",
]
