"""``kho publish --watch``: republish a publication when its topic changed, but no more often
than its dataset's update frequency; withdraw at once when its approval ends.

A poll compares the topics' end offsets first and reads no record when none moved; a spec or
catalogue entry that changed since the last publish makes its publication due at once.

A publication that could not be published (blocked, failed) is tried again only when its topic
changes again, so a spec that fails its anonymity check is not re-read every cycle.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

from hub.audit.entry import Actor
from hub.bus.port import EventBus
from hub.catalogue.models import Catalogue
from opendata.publisher import Publisher, PublishResult
from opendata.specs import PublicationCatalogue, PublicationSpec
from opendata.state import PublicationStates

_DAY = 86_400.0
_FREQUENCY_S = {"daily": _DAY, "weekly": 7 * _DAY, "monthly": 30 * _DAY, "annual": 365 * _DAY}


class PublishWatch:
    def __init__(
        self,
        publisher: Publisher,
        states: PublicationStates,
        catalogue: Catalogue,
        publications: PublicationCatalogue,
        bus: EventBus,
        *,
        continuous_interval_s: float,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._publisher = publisher
        self._states = states
        self._catalogue = catalogue
        self._publications = publications
        self._bus = bus
        self._continuous_s = continuous_interval_s
        self._clock = clock
        self._failed_at: dict[str, dict[int, int]] = {}  # offsets a failed attempt read

    def interval_s(self, spec: PublicationSpec) -> float:
        frequency = self._catalogue.dataset(spec.dataset).update_frequency
        return _FREQUENCY_S.get(frequency, self._continuous_s)

    def due(self) -> list[str]:
        """The publications to publish or withdraw now."""
        now = self._clock()
        due = []
        for spec in self._publications.publications:
            state = self._states.get(spec.id)
            published = state is not None and state.status == "published"
            if not self._publisher.permitted(spec).publishable:
                if published:
                    due.append(spec.id)
                continue
            offsets = self._bus.end_offsets(self._catalogue.dataset(spec.dataset).topic)
            if self._failed_at.get(spec.id) == offsets:
                continue
            if state is None or not published:
                due.append(spec.id)
            elif offsets != state.topic_offsets:
                waited = (now - state.published_at).total_seconds()
                if waited >= self.interval_s(spec):
                    due.append(spec.id)
            elif self._publisher.inputs_changed(spec, offsets):
                due.append(spec.id)  # a new spec or catalogue entry, on the same records
        return due

    def cycle(self, actor: Actor) -> list[PublishResult]:
        due = self.due()
        if not due:
            return []
        results = self._publisher.run(actor, only=due)
        for result in results:
            if result.failed:
                topic = self._catalogue.dataset(result.dataset_id).topic
                self._failed_at[result.publication_id] = self._bus.end_offsets(topic)
            else:
                self._failed_at.pop(result.publication_id, None)
        return results

    def run(
        self,
        actor: Actor,
        stop: threading.Event,
        report: Callable[[list[PublishResult]], None],
        *,
        poll_s: float,
    ) -> None:
        """Cycle every ``poll_s`` seconds until ``stop`` is set, reporting each cycle that did
        something."""
        while not stop.is_set():
            results = self.cycle(actor)
            if results:
                report(results)
            stop.wait(poll_s)
