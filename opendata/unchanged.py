"""An unchanged publication (its topic, spec and catalogue entry as at its last publish,
``opendata.publish_inputs``) is answered from what its last publish produced, without reading
its topic, as long as the portal still shows it."""

from __future__ import annotations

import logging

from hub.audit.entry import Actor
from hub.audit.log import AuditLog
from hub.catalogue.models import DatasetEntry
from opendata.portal.port import OpenDataPortal
from opendata.portal_name import portal_name
from opendata.publish_audit import audit_publish
from opendata.publish_inputs import PublishedFrom
from opendata.publish_policy import PublishPolicy
from opendata.publish_result import PublishResult
from opendata.specs import PublicationSpec

log = logging.getLogger(__name__)

NOTHING_CHANGED = (
    "không có gì thay đổi: chủ đề, đặc tả và danh mục như lần công bố trước (không đọc chủ đề)"
)


class UnchangedPublication:
    def __init__(self, *, portal: OpenDataPortal, audit: AuditLog, policy: PublishPolicy) -> None:
        self._portal = portal
        self._audit = audit
        self._policy = policy

    def answer_if_shown(
        self,
        spec: PublicationSpec,
        entry: DatasetEntry,
        held: PublishedFrom,
        actor: Actor,
        *,
        plan: bool,
    ) -> PublishResult | None:
        """What the publication's last publish produced, with nothing read but the portal (one
        read, no record of the topic), while the portal still shows it; None when it does not
        (deleted or made private by hand there): the publication is then materialised and
        published again."""
        name = portal_name(spec.id)
        shown = self._policy.retrying(lambda: self._portal.plan_withdrawal(name))
        if shown.action != "withdrawn":
            log.warning("%s: the portal no longer shows it; publishing it again", spec.id)
            return None
        if plan:
            return PublishResult.of(spec, "planned", action="unchanged", rows=held.rows)
        audit_publish(
            self._audit,
            actor,
            spec,
            entry.id,
            outcome="unchanged",
            rows=held.rows,
            content_digest=held.content_digest,
            files=held.files,
            uploaded=[],
            location=held.location,
            topic_read=False,
        )
        return PublishResult.of(
            spec,
            "published",
            action="unchanged",
            rows=held.rows,
            location=held.location,
            reason=NOTHING_CHANGED,
        )
