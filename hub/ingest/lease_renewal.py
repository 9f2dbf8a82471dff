"""Keeping an idempotency claim's lease alive while its request runs (``kept_alive``).

A thread beside the request renews the claim's heartbeat every ``renew_interval`` (a third of
the lease, ``hub.ingest.idempotency``). It stops when the block ends, or at the first renewal
that finds another attempt holding the claim (the holding is then marked lost, and the request
sends nothing more). A renewal that fails on the database is logged and tried again at the next
interval: the lease outlives two missed renewals.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

import sqlalchemy as sa

if TYPE_CHECKING:
    from hub.ingest.idempotency import Holding

log = logging.getLogger(__name__)


class LeaseRenewer(Protocol):
    """Renews a holding's lease (``IdempotencyStore``)."""

    @property
    def renew_interval(self) -> dt.timedelta: ...

    def renew(self, holding: Holding) -> bool: ...


@contextmanager
def kept_alive(store: LeaseRenewer, holding: Holding) -> Iterator[None]:
    """Renew the lease every ``store.renew_interval`` in a thread while the block runs."""
    stop = threading.Event()

    def renew_until_stopped() -> None:
        while not stop.wait(store.renew_interval.total_seconds()):
            try:
                if not store.renew(holding):
                    log.warning("idempotency claim %r taken over", holding.claim.key)
                    return
            except sa.exc.SQLAlchemyError:
                log.exception("renewing an idempotency claim failed; retrying")

    renewer = threading.Thread(target=renew_until_stopped, name="kho-lease", daemon=True)
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join()
