"""The audit log, assembled with its anchoring: where the signed heads go, the signing key,
and how often the head is anchored (hub.audit.anchoring), all from the settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hub.app.wiring import Hub
    from hub.audit.anchoring import Anchoring
    from hub.audit.log import AuditLog
    from hub.settings import KhoSettings


def open_anchoring(settings: KhoSettings) -> Anchoring:
    """The anchor store (``KHO_AUDIT_ANCHORS_URL``, by default a file in the data directory)
    and the key that signs the heads put there."""
    from hub.audit.anchoring import Anchoring, open_store

    store = open_store(
        settings.audit_anchors_url,
        default_file=settings.data_dir / "audit-anchors.jsonl",
        topic=settings.audit_anchor_topic,
        client_id=f"{settings.client_id}-audit-anchor",
    )
    return Anchoring(
        store,
        settings.audit_anchor_key_file or settings.data_dir / "audit-anchor.key",
        public_key=settings.audit_anchor_public_key,
        every=settings.audit_anchor_every,
        interval_s=settings.audit_anchor_interval_s,
    )


def open_audit_log(hub: Hub) -> AuditLog:
    """The hub's audit log, anchoring its head as the settings say."""
    from hub.audit.log import AuditLog

    return AuditLog(hub.engine, hub.async_postgres, open_anchoring(hub.settings))
