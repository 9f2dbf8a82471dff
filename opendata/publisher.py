"""Publishing the open-data catalogue: for each declared publication, decide whether it may be
public, materialise it from its topic, check it, write its files, describe it in DCAT-AP, and
make the portal match — or withdraw it when its approval ended (``opendata.withdrawal``). An
unchanged publication is answered from its last publish (``opendata.unchanged``).

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
from functools import partial
from itertools import groupby

from hub.audit.entry import Actor
from hub.audit.log import AuditLog
from hub.avro.decoder import RegistryDecoder
from hub.bus.port import EventBus
from hub.catalogue.loader import LoadedCatalogue
from hub.catalogue.models import DatasetEntry
from hub.errors import KhoError, UnreachableError
from hub.metrics import RECORDS_OUT, timed_publication
from opendata.anonymity import require_k_anonymity
from opendata.approvals import ApprovalStore, PublicationStatus
from opendata.errors import PublishBlocked
from opendata.files import sha256_hex
from opendata.materialise import Materialised, check_spec, materialise_together, topic_records
from opendata.portal.port import OpenDataPortal, PortalPlan, PublishOutcome
from opendata.portal_dataset import (
    build_portal_dataset,
    content_digest,
    portal_name,
    publication_files,
)
from opendata.publish_audit import audit_publish
from opendata.publish_inputs import PublishedFrom, PublishInputs, source_digest
from opendata.publish_policy import PublishPolicy
from opendata.publish_result import PublishResult, Status, answered
from opendata.specs import PublicationCatalogue, PublicationSpec
from opendata.state import PublicationStates
from opendata.table import Table
from opendata.unchanged import NOTHING_CHANGED, UnchangedPublication
from opendata.withdrawal import Withdrawal

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
            records = topic_records(self._bus, self._decoder, entry.topic, offsets)
            made = materialise_together(changed, self._catalogue.schema(entry.id), records)
        except UnreachableError:
            raise  # the bus is down (or refuses the login) for every dataset: stop, say it once
        except KhoError as exc:
            for spec in specs:
                if spec.id not in results:
                    results[spec.id] = PublishResult.of(spec, "failed", reason=str(exc))
            return
        for spec, materialised in zip(changed, made, strict=True):
            step = partial(
                self._publish, spec, entry, materialised, inputs[spec.id], actor, plan=plan
            )
            result = answered(spec, step, results)
            assert result is not None  # noqa: S101 (_publish always answers)
            results[spec.id] = result

    def _publish(
        self,
        spec: PublicationSpec,
        entry: DatasetEntry,
        materialised: Materialised,
        inputs: PublishInputs,
        actor: Actor,
        *,
        plan: bool,
    ) -> PublishResult:
        table = materialised.table
        if spec.quasi_identifiers:
            require_k_anonymity(table, spec.quasi_identifiers, spec.k)
        name = portal_name(spec.id)
        files = publication_files(name, table)
        digest = content_digest(files)
        previous = self._states.get(spec.id)
        now = self._clock()
        unchanged = previous is not None and previous.content_digest == digest
        modified = previous.modified_at if unchanged and previous else now
        dataset, description = build_portal_dataset(
            spec,
            self._catalogue.catalogue,
            self._portal,
            name,
            files,
            materialised.coverage,
            modified,
            table,
        )
        if plan:
            planned = self._policy.retrying(lambda: self._portal.plan(dataset))
            return self._planned(spec, planned, table)
        with timed_publication(entry.id) as outcomes:
            outcome = self._policy.retrying(lambda: self._portal.publish(dataset))
            outcomes.append(outcome.action)
        RECORDS_OUT.labels(dataset=entry.id, sink="portal").inc(len(table.rows))
        self._states.record_published(description, digest, inputs.topic_offsets, now)
        hashes = {f.filename: sha256_hex(f.content) for f in files}
        self._inputs.record(
            spec.id,
            inputs,
            content_digest=digest,
            rows=len(table.rows),
            location=outcome.location,
            files=hashes,
        )
        audit_publish(
            self._audit,
            actor,
            spec,
            entry.id,
            outcome=outcome.action,
            rows=len(table.rows),
            content_digest=digest,
            files=hashes,
            uploaded=outcome.uploaded,
            location=outcome.location,
            suppressed_groups=table.suppressed_groups,
        )
        return self._done(spec, outcome, len(table.rows))

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

    def _planned(self, spec: PublicationSpec, planned: PortalPlan, table: Table) -> PublishResult:
        return PublishResult.of(
            spec, "planned", action=planned.action, rows=len(table.rows), uploads=planned.uploads
        )

    def _done(self, spec: PublicationSpec, outcome: PublishOutcome, rows: int) -> PublishResult:
        return PublishResult.of(
            spec,
            "published",
            action=outcome.action,
            rows=rows,
            location=outcome.location,
            uploads=outcome.uploaded,
        )


def _by_dataset(specs: list[PublicationSpec]) -> list[list[PublicationSpec]]:
    """The specs grouped by dataset, datasets in order of first mention."""
    order = {spec.dataset: i for i, spec in reversed(list(enumerate(specs)))}
    ordered = sorted(specs, key=lambda spec: order[spec.dataset])
    return [list(group) for _, group in groupby(ordered, key=lambda spec: spec.dataset)]
