"""When the audit log signs its head, and reading the signed heads back for ``verify``.

After appends, the log anchors its head (``anchor``) once ``every`` entries were appended by
this process since its last anchor, or on the first append ``interval_s`` after it; and
whenever ``kho audit anchor`` runs (a timer can run it, so an idle tail gets anchored too).
Publishing an anchor never fails an append that has committed: a store that does not answer
is logged, and the next append tries again.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from hub.audit.anchor import (
    RECENT,
    Anchor,
    AnchorStore,
    FileAnchors,
    ReadAnchor,
    checked,
    load_private_key,
    parse_public_key,
    sign,
)
from hub.audit.verify import AuditError, ChainHead
from hub.errors import ConfigurationError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnchorReading:
    """The anchors read back: those whose signature checks, and those reported as forged."""

    valid: list[Anchor] = field(default_factory=list)
    forged: list[ReadAnchor] = field(default_factory=list)

    @property
    def heads(self) -> list[ChainHead]:
        return [anchor.head for anchor in self.valid]

    @property
    def latest(self) -> Anchor | None:
        return max(self.valid, key=lambda a: a.seq, default=None)


class Anchoring:
    """Signs heads into ``store`` with the key in ``key_file``; checks them with
    ``public_key`` (hex) when given, else with the key file's own public key."""

    def __init__(
        self,
        store: AnchorStore,
        key_file: Path,
        *,
        public_key: str | None = None,
        every: int = 100,
        interval_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self._key_file = key_file
        self._public_key = public_key
        self._every = every
        self._interval_s = interval_s
        self._clock = clock
        self._lock = threading.Lock()
        self._since_anchor = 0
        self._anchored_at = clock()
        self._private: Ed25519PrivateKey | None = None

    def note_appended(self, count: int) -> bool:
        """Count ``count`` appended entries; whether an anchor is due now (the caller then
        anchors, and the count starts again)."""
        with self._lock:
            self._since_anchor += count
            due = (
                self._since_anchor >= self._every
                or self._clock() - self._anchored_at >= self._interval_s
            )
            if due:
                self._since_anchor = 0
                self._anchored_at = self._clock()
            return due

    def publish(self, head: ChainHead) -> Anchor:
        """Sign ``head`` (the log holds ``head.seq`` entries) and append it to the store."""
        anchor = Anchor(head.seq, head.hash, head.seq, dt.datetime.now(dt.UTC))
        self.store.append(sign(anchor, self._signing_key()))
        return anchor

    def read(self) -> AnchorReading:
        """The newest anchors in the store, checked."""
        records = self.store.recent(RECENT)
        if not records:
            return AnchorReading()
        public = self._verifying_key()
        if public is None:
            raise AuditError(
                f"Có {len(records)} mốc đã ký ở {self.store.description} nhưng không có khoá để"
                f" kiểm chữ ký: đặt KHO_AUDIT_ANCHOR_PUBLIC_KEY hoặc KHO_AUDIT_ANCHOR_KEY_FILE"
                f" (không thấy {self._key_file})"
            )
        reading = AnchorReading()
        for found in checked(records, public):
            if found.anchor is not None:
                reading.valid.append(found.anchor)
            else:
                reading.forged.append(found)
        return reading

    def close(self) -> None:
        self.store.close()

    def _signing_key(self) -> Ed25519PrivateKey:
        if self._private is None:
            self._private = load_private_key(self._key_file)
        return self._private

    def _verifying_key(self) -> Ed25519PublicKey | None:
        if self._public_key:
            return parse_public_key(self._public_key)
        if not self._key_file.exists():
            return None  # never created here: a new key would call every anchor forged
        return self._signing_key().public_key()


def open_store(url: str, *, default_file: Path, topic: str, client_id: str) -> AnchorStore:
    """The anchors' store a URL names (``KHO_AUDIT_ANCHORS_URL``): empty, ``default_file``;
    ``file:<path>``; or ``kafka://`` / ``kafka+ssl://`` for ``topic`` on those brokers."""
    if not url:
        return FileAnchors(default_file)
    if url.startswith("file:"):
        return FileAnchors(Path(url.removeprefix("file:")))
    if url.startswith(("kafka://", "kafka+ssl://")):
        from hub.audit.anchor_topic import TopicAnchors
        from hub.bus.kafka import KafkaBus
        from hub.bus.kafka_url import parse_kafka_url

        return TopicAnchors(KafkaBus(parse_kafka_url(url), client_id=client_id), topic)
    shown = url.split("://", 1)[0] + "://..." if "@" in url else url
    raise ConfigurationError(
        f"KHO_AUDIT_ANCHORS_URL không hợp lệ: {shown!r}; dùng file:<tệp> hoặc"
        " kafka+ssl://user:password@host:port"
    )
