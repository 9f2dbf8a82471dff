"""The consumer-group workers' guard against a second instance on the embedded bus: see
``hub.bus.instance_lock``. On Kafka the group coordinator shares the partitions out, and
more instances of a worker in the same group are how it scales."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from hub.app.wiring import Hub
from hub.bus.factory import embedded_path
from hub.bus.instance_lock import sole_group_member


@contextmanager
def sole_member_if_embedded(hub: Hub, group: str) -> Iterator[None]:
    """On the embedded bus, hold the group's lock while the block runs (a second instance is
    refused with ``GroupInstanceRunning``, which the CLI prints as one line); on Kafka, nothing."""
    url = hub.settings.bus_url
    if not url.startswith("embedded:"):
        yield
        return
    with sole_group_member(embedded_path(url), group):
        yield
