"""What a sync changes: the ACLs to create and the stale ones to delete, within a scope.

A sync does not own the whole cluster. Its scope is

- every ACL of the principals of the catalogue's agencies (``User:<agency id>``), and
- the ACLs any other ``User:`` principal holds on the catalogue's resources: each dataset's
  topic, ``.masked`` and ``.dlq`` topics (LITERAL) and each agency's group prefix (PREFIXED),

never those of a super user. An ACL in scope that the catalogue does not call for is stale: a
grant removed from the catalogue, a dataset given to another owner, or a hand-made ACL on a
catalogue topic. ACLs of other principals on other resources are left alone, so two catalogues
with distinct agencies and topics (two test runs, say) can be synced on one cluster.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hub.acl.desired import managed_topics
from hub.acl.model import (
    USER_PREFIX,
    AclBinding,
    PatternType,
    ResourceType,
    agency_principal,
    group_prefix,
)
from hub.catalogue.loader import LoadedCatalogue

Resource = tuple[ResourceType, str, PatternType]


@dataclass(frozen=True)
class AclScope:
    """Which ACLs on the cluster a sync may delete."""

    principals: frozenset[str]
    resources: frozenset[Resource]
    super_users: frozenset[str] = frozenset()

    def covers(self, acl: AclBinding) -> bool:
        if acl.principal in self.super_users:
            return False
        if acl.principal in self.principals:
            return True
        resource = (acl.resource_type, acl.resource_name, acl.pattern_type)
        return acl.principal.startswith(USER_PREFIX) and resource in self.resources


@dataclass(frozen=True)
class AclPlan:
    create: tuple[AclBinding, ...]
    delete: tuple[AclBinding, ...]

    @property
    def empty(self) -> bool:
        return not self.create and not self.delete


def catalogue_scope(loaded: LoadedCatalogue, super_users: Iterable[str] = ()) -> AclScope:
    """The scope of a sync of this catalogue (see the module's docstring)."""
    agencies = [a.id for a in loaded.catalogue.agencies]
    topics = {(ResourceType.TOPIC, t, PatternType.LITERAL) for t in managed_topics(loaded)}
    groups = {(ResourceType.GROUP, group_prefix(a), PatternType.PREFIXED) for a in agencies}
    return AclScope(
        principals=frozenset(agency_principal(a) for a in agencies),
        resources=frozenset(topics | groups),
        super_users=frozenset(super_users),
    )


def plan_changes(
    desired: Iterable[AclBinding], current: Iterable[AclBinding], scope: AclScope
) -> AclPlan:
    """Create what is desired and missing; delete what is in scope and not desired."""
    wanted = set(desired)
    found = set(current)
    return AclPlan(
        create=tuple(sorted(wanted - found)),
        delete=tuple(sorted(acl for acl in found - wanted if scope.covers(acl))),
    )
