"""The audit entry of a publish (``dataset.publish``), whether the portal changed or the
publication was unchanged: which publication, from which spec, what the portal did, and what
the publication holds (rows, files with their SHA-256, where it is)."""

from __future__ import annotations

from collections.abc import Sequence

from hub.audit.actions import DATASET_PUBLISH
from hub.audit.entry import Actor
from hub.audit.log import AuditLog
from opendata.portal.port import Action
from opendata.specs import PublicationSpec


def audit_publish(
    audit: AuditLog,
    actor: Actor,
    spec: PublicationSpec,
    dataset: str,
    *,
    outcome: Action,
    rows: int,
    content_digest: str,
    files: dict[str, str],
    uploaded: Sequence[str],
    location: str,
    **more: object,
) -> None:
    """``more``: details of this kind of publish only (``suppressed_groups``, ``topic_read``)."""
    audit.append(
        DATASET_PUBLISH,
        actor=actor,
        dataset=dataset,
        details={
            "publication": spec.id,
            "spec_digest": spec.digest,
            "outcome": outcome,
            "rows": rows,
            "content_digest": content_digest,
            "files": files,
            "uploaded": list(uploaded),
            "location": location,
            **more,
        },
    )
