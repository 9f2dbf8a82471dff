"""Withdrawing a publication from the portal: when its approval ended (``withdraw``), and when
its spec left the catalogue while the portal still shows it (``withdraw_removed``). The portal
makes it private or deletes it (``PublishPolicy.withdraw_mode``); the hub then forgets its last
publish and records the withdrawal in the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from hub.audit.actions import DATASET_WITHDRAW
from hub.audit.entry import Actor
from hub.audit.log import AuditLog
from opendata.portal.port import OpenDataPortal
from opendata.portal_name import portal_name
from opendata.publish_policy import PublishPolicy
from opendata.publish_result import Publication, PublishResult, Status, answered
from opendata.state import PublicationStates

REMOVED_REASON = "ấn phẩm không còn trong danh mục dữ liệu mở"


@dataclass(frozen=True)
class Removed:
    """A publication the portal still shows whose spec is no longer in the catalogue."""

    id: str
    dataset: str = ""


class Withdrawal:
    def __init__(
        self,
        *,
        portal: OpenDataPortal,
        states: PublicationStates,
        audit: AuditLog,
        policy: PublishPolicy,
    ) -> None:
        self._portal = portal
        self._states = states
        self._inputs = states.inputs
        self._audit = audit
        self._policy = policy

    def withdraw(
        self, publication: Publication, why: str, actor: Actor, *, plan: bool
    ) -> PublishResult:
        """Take the publication off the portal (under ``plan``, say whether there is anything
        to take off); ``waiting`` when the portal does not show it."""
        name = portal_name(publication.id)
        if plan:
            planned = self._policy.retrying(lambda: self._portal.plan_withdrawal(name))
            status: Status = "planned" if planned.action == "withdrawn" else "waiting"
            return PublishResult.of(publication, status, action=planned.action, reason=why)
        mode = self._policy.withdraw_mode
        outcome = self._policy.retrying(lambda: self._portal.withdraw(name, mode))
        if outcome.action == "absent":
            return PublishResult.of(publication, "waiting", action="absent", reason=why)
        self._states.record_withdrawn(publication.id)
        self._inputs.forget(publication.id)
        self._audit.append(
            DATASET_WITHDRAW,
            actor=actor,
            dataset=publication.dataset or None,
            details={
                "publication": publication.id,
                "mode": mode,
                "reason": why,
                "location": outcome.location,
            },
        )
        return PublishResult.of(
            publication, "withdrawn", action="withdrawn", location=outcome.location, reason=why
        )

    def withdraw_removed(
        self,
        declared: set[str],
        actor: Actor,
        results: dict[str, PublishResult],
        *,
        plan: bool,
    ) -> list[PublishResult]:
        """Publications still public whose spec left the catalogue are withdrawn: a removed
        spec must not leave its data on the portal."""
        removed: list[PublishResult] = []
        for state in self._states.published():
            if state.publication_id in declared:
                continue
            gone = Removed(state.publication_id)
            withdrawn = partial(self.withdraw, gone, REMOVED_REASON, actor, plan=plan)
            result = answered(gone, withdrawn, results)
            assert result is not None  # noqa: S101 (withdraw always answers)
            results[gone.id] = result
            removed.append(result)
        return removed
