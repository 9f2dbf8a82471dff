"""``kho acl sync``: bring the cluster's ACLs in line with the catalogue, idempotently.

Describe the cluster's ACLs, compute what the catalogue calls for (``hub.acl.desired``), create
what is missing and delete what is stale within the catalogue's scope (``hub.acl.plan``). A
second run finds nothing to change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from hub.acl.desired import desired_acls
from hub.acl.model import AclBinding
from hub.acl.plan import AclPlan, catalogue_scope, plan_changes
from hub.catalogue.loader import LoadedCatalogue


class AclAdmin(Protocol):
    """What a sync needs from the cluster (``hub.acl.kafka_admin.KafkaAclAdmin`` on Kafka)."""

    def acls(self) -> set[AclBinding]:
        """Every ACL on the cluster; AclUnsupported when the broker has no authorizer."""
        ...

    def create(self, bindings: Sequence[AclBinding]) -> None: ...

    def delete(self, bindings: Sequence[AclBinding]) -> None: ...


@dataclass(frozen=True)
class SyncResult:
    plan: AclPlan
    desired: int
    dry_run: bool

    @property
    def created(self) -> tuple[AclBinding, ...]:
        return self.plan.create

    @property
    def deleted(self) -> tuple[AclBinding, ...]:
        return self.plan.delete


def sync_acls(
    admin: AclAdmin,
    loaded: LoadedCatalogue,
    *,
    super_users: Iterable[str] = (),
    dry_run: bool = False,
) -> SyncResult:
    """Plan the changes and, unless ``dry_run``, apply them: deletions first, so that at no
    moment does an agency hold more than the old or the new catalogue grants it."""
    desired = desired_acls(loaded)
    plan = plan_changes(desired, admin.acls(), catalogue_scope(loaded, super_users))
    if not dry_run:
        if plan.delete:
            admin.delete(plan.delete)
        if plan.create:
            admin.create(plan.create)
    return SyncResult(plan=plan, desired=len(desired), dry_run=dry_run)
