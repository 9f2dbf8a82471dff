"""Publishing the open-data catalogue: for each declared publication, decide whether it may be
public, materialise it from its topic, check it, write its files, describe it in DCAT-AP, and
make the portal match — or withdraw it when its approval ended (``opendata.withdrawal``). An
unchanged publication is answered from its last publish (``opendata.unchanged``); a changed
one is materialised here and published by ``opendata.changed``, imported only then.

One publication's failure stops that publication only; the result says which and why. The
bus being down (or refusing the login) stops the run with one error: it is down for all. The
portal being down is retried with exponential backoff (re-reading the portal each time, so a
later attempt converges); when it stays down, the publications not yet tried are reported as
not attempted rather than each waiting out its own retries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from functools import cached_property, partial
from itertools import groupby
from typing import TYPE_CHECKING

from hub.audit.entry import Actor
from hub.audit.log import AuditLog
from hub.avro.decoder import RegistryDecoder
from hub.bus.port import EventBus
from hub.catalogue.loader import LoadedCatalogue
from hub.errors import KhoError, UnreachableError
from opendata.approvals import ApprovalStore, PublicationStatus
from opendata.errors import PublishBlocked
from opendata.portal.port import OpenDataPortal
from opendata.portal_name import portal_name
from opendata.publish_inputs import PublishedFrom, PublishInputs, source_digest
from opendata.publish_policy import PublishPolicy
from opendata.publish_result import PublishResult, Status, answered
from opendata.spec_check import check_spec
from opendata.specs import PublicationCatalogue, PublicationSpec
from opendata.state import PublicationStates
from opendata.unchanged import NOTHING_CHANGED, UnchangedPublication
from opendata.withdrawal import Withdrawal

if TYPE_CHECKING:
    from opendata.changed import ChangedPublication

__all__ = [
    "NOTHING_CHANGED",
    "Publisher",
    "PublishPolicy",
    "PublishResult",
    "Status",
    "portal_name",
]

_NOT_PUBLIC = {
    PublicationStatus.PENDING: "chưa được phê duyệt công bố",
    PublicationStatus.REVOKED: "phê duyệt công bố đã bị thu hồi",
    PublicationStatus.STALE: "đặc tả ấn phẩm đã đổi sau khi phê duyệt; cần phê duyệt lại",
    PublicationStatus.BLOCKED: "danh mục không cho công bố (bộ dữ liệu hạn chế, hoặc không có"
    " open_projection cho dữ liệu từng bản ghi)",
}


class Publisher:
    def __init__(
        self,
        *,
        bus: EventBus,
        decoder: RegistryDecoder,
        catalogue: LoadedCatalogue,
        publications: PublicationCatalogue,
        approvals: ApprovalStore,
        portal: OpenDataPortal,
        states: PublicationStates,
        audit: AuditLog,
        policy: PublishPolicy,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        lock: Callable[[], AbstractContextManager[object]] | None = None,
    ) -> None:
        """``lock``: held for each run, so that two publishers of one hub never write at
        once (``opendata.publish_lock``); by default none."""
        self._bus = bus
        self._decoder = decoder
        self._catalogue = catalogue
        self._publications = publications
        self._approvals = approvals
        self._portal = portal
        self._states = states
        self._audit = audit
        self._policy = policy
        self._clock = clock
        self._lock = lock or nullcontext
        self._inputs = states.inputs
        self._withdrawal = Withdrawal(portal=portal, states=states, audit=audit, policy=policy)
        self._unchanged_answer = UnchangedPublication(portal=portal, audit=audit, policy=policy)

    @property
    def portal(self) -> OpenDataPortal:
        return self._portal

    def run(
        self,
        actor: Actor,
        *,
        plan: bool = False,
        only: Sequence[str] | None = None,
        full: bool = False,
    ) -> list[PublishResult]:
        """Publish (or, with ``plan``, say what publishing would do to) every publication, or
        those named in ``only``. Nothing is appended to the audit log under ``plan``. The
        publications of one dataset share one read of its topic; a publication whose topic end
        offsets, spec and catalogue entry are those of its last publish is not read at all
        (``opendata.publish_inputs``), unless ``full``. Runs are serialised by the lock given
        to the constructor (one publisher at a time per hub database)."""
        with self._lock():
            return self._run(actor, plan=plan, only=only, full=full)

    def _run(
        self, actor: Actor, *, plan: bool, only: Sequence[str] | None, full: bool
    ) -> list[PublishResult]:
        specs = [self._spec(p) for p in only] if only else list(self._publications.publications)
        results: dict[str, PublishResult] = {}
        for group in _by_dataset(specs):
            ready = []
            for spec in group:
                result = answered(spec, partial(self._gate, spec, actor, plan=plan), results)
                if result is None:
                    ready.append(spec)
                else:
                    results[spec.id] = result
            if ready:
                self._publish_dataset(ready, actor, results, plan=plan, full=full)
        answers = [results[spec.id] for spec in specs]
        if only:
            return answers
        declared = {s.id for s in specs}
        return answers + self._withdrawal.withdraw_removed(declared, actor, results, plan=plan)

    def inputs_changed(self, spec: PublicationSpec, offsets: dict[int, int]) -> bool:
        """Whether the publication's spec, catalogue entry or topic (at these end offsets)
        differ from what its last publish was built from; reads no record."""
        entry = self._catalogue.entry(spec.dataset)
        source = source_digest(self._catalogue, entry.id, self._portal.home_url)
        return self._unchanged(spec.id, PublishInputs(spec.digest, source, offsets)) is None

    def permitted(self, spec: PublicationSpec) -> PublicationStatus:
        return self._approvals.status(spec)

    def _spec(self, publication_id: str) -> PublicationSpec:
        try:
            return self._publications.spec(publication_id)
        except KeyError:
            raise PublishBlocked(
                f"Không có ấn phẩm {publication_id!r} trong danh mục dữ liệu mở"
            ) from None

    def _gate(self, spec: PublicationSpec, actor: Actor, *, plan: bool) -> PublishResult | None:
        """None when the publication may go public; otherwise what became of it (withdrawn,
        or blocked by a catalogue defect or a spec the schema refutes)."""
        entry = self._catalogue.entry(spec.dataset)
        defect = self._catalogue.defects.get(entry.id)
        if defect is not None:
            raise PublishBlocked(defect)
        status = self.permitted(spec)
        if not status.publishable:
            return self._withdrawal.withdraw(spec, _NOT_PUBLIC[status], actor, plan=plan)
        check_spec(spec, self._catalogue.schema(entry.id))
        return None

    def _publish_dataset(
        self,
        specs: list[PublicationSpec],
        actor: Actor,
        results: dict[str, PublishResult],
        *,
        plan: bool,
        full: bool = False,
    ) -> None:
        """Compare each publication's inputs with its last publish's; read the dataset's
        topic once for those that changed, materialising every one of them on the way, then
        publish each; their results go into ``results``."""
        entry = self._catalogue.entry(specs[0].dataset)
        try:
            offsets = self._bus.end_offsets(entry.topic)
            if not any(offsets.values()):
                for spec in specs:
                    results[spec.id] = PublishResult.of(
                        spec, "waiting", reason="chủ đề chưa có bản ghi nào"
                    )
                return
            source = source_digest(self._catalogue, entry.id, self._portal.home_url)
            inputs = {s.id: PublishInputs(s.digest, source, offsets) for s in specs}
            changed = []
            for spec in specs:
                held = None if full else self._unchanged(spec.id, inputs[spec.id])
                result = None
                if held is not None:
                    as_before = self._unchanged_answer.answer_if_shown
                    answer = partial(as_before, spec, entry, held, actor, plan=plan)
                    result = answered(spec, answer, results)
                if result is None:
                    changed.append(spec)
                else:
                    results[spec.id] = result
            if not changed:
                return
            # Imported only now: an unchanged run reads no record and writes no file
            from opendata.materialise import materialise_together, topic_records

            records = topic_records(self._bus, self._decoder, entry.topic, offsets)
            made = materialise_together(changed, self._catalogue.schema(entry.id), records)
        except UnreachableError:
            raise  # the bus is down (or refuses the login) for every dataset: stop, say it once
        except KhoError as exc:
            for spec in specs:
                if spec.id not in results:
                    results[spec.id] = PublishResult.of(spec, "failed", reason=str(exc))
            return
        publish = self._changed_publication.publish
        for spec, materialised in zip(changed, made, strict=True):
            step = partial(publish, spec, entry, materialised, inputs[spec.id], actor, plan=plan)
            result = answered(spec, step, results)
            assert result is not None  # noqa: S101 (publish always answers)
            results[spec.id] = result

    @cached_property
    def _changed_publication(self) -> ChangedPublication:
        """Built when a publication first changed: its module imports the files, DCAT and
        metrics that an unchanged run has no use for."""
        from opendata.changed import ChangedPublication

        return ChangedPublication(
            catalogue=self._catalogue,
            portal=self._portal,
            states=self._states,
            audit=self._audit,
            policy=self._policy,
            clock=self._clock,
        )

    def _unchanged(self, publication_id: str, inputs: PublishInputs) -> PublishedFrom | None:
        """The last publish, when the publication is public and was built from these very
        inputs; otherwise None (it must be materialised)."""
        state = self._states.get(publication_id)
        if state is None or state.status != "published":
            return None
        held = self._inputs.get(publication_id)
        if held is None or held.inputs != inputs or held.content_digest != state.content_digest:
            return None
        return held


def _by_dataset(specs: list[PublicationSpec]) -> list[list[PublicationSpec]]:
    """The specs grouped by dataset, datasets in order of first mention."""
    order = {spec.dataset: i for i, spec in reversed(list(enumerate(specs)))}
    ordered = sorted(specs, key=lambda spec: order[spec.dataset])
    return [list(group) for _, group in groupby(ordered, key=lambda spec: spec.dataset)]
