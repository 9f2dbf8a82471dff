"""Publishing the open-data catalogue: for each declared publication, decide whether it may be
public, materialise it from its topic, check it, write its files, describe it in DCAT-AP, and
make the portal match — or withdraw it when its approval ended.

One publication's failure stops that publication only; the result says which and why. The
bus being down (or refusing the login) stops the run with one error: it is down for all. The
portal being down is retried with exponential backoff (re-reading the portal each time, so a
later attempt converges); when it stays down, the publications not yet tried are reported as
not attempted rather than each waiting out its own retries.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from functools import partial
from itertools import groupby
from typing import Literal, Protocol, TypeVar

import tenacity

from hub.audit.actions import DATASET_PUBLISH, DATASET_WITHDRAW
from hub.audit.entry import Actor
from hub.audit.log import AuditLog
from hub.avro.decoder import RegistryDecoder
from hub.bus.port import EventBus
from hub.catalogue.loader import LoadedCatalogue
from hub.catalogue.models import DatasetEntry
from hub.errors import KhoError, UnreachableError
from hub.metrics import RECORDS_OUT, timed_publication
from opendata.anonymity import SmallGroup, require_k_anonymity
from opendata.approvals import ApprovalStore, PublicationStatus
from opendata.errors import PortalUnavailable, PublishBlocked
from opendata.files import sha256_hex
from opendata.materialise import Materialised, check_spec, materialise_together, topic_records
from opendata.portal.port import Action, OpenDataPortal, PortalPlan, PublishOutcome, WithdrawMode
from opendata.portal_dataset import build_portal_dataset, content_digest, publication_files
from opendata.publish_inputs import PublishedFrom, PublishInputs, source_digest
from opendata.specs import PublicationCatalogue, PublicationSpec
from opendata.state import PublicationStates
from opendata.table import Table

log = logging.getLogger(__name__)
_T = TypeVar("_T")

Status = Literal["published", "planned", "withdrawn", "waiting", "blocked", "failed"]
_NOT_PUBLIC = {
    PublicationStatus.PENDING: "chưa được phê duyệt công bố",
    PublicationStatus.REVOKED: "phê duyệt công bố đã bị thu hồi",
    PublicationStatus.STALE: "đặc tả ấn phẩm đã đổi sau khi phê duyệt; cần phê duyệt lại",
    PublicationStatus.BLOCKED: "danh mục không cho công bố (bộ dữ liệu hạn chế, hoặc không có"
    " open_projection cho dữ liệu từng bản ghi)",
}


@dataclass(frozen=True)
class PublishResult:
    """What became of one publication. ``action`` is the portal's (created, updated,
    unchanged, withdrawn, absent), or what it would be under ``--plan``."""

    publication_id: str
    dataset_id: str
    status: Status
    action: Action | None = None
    rows: int = 0
    location: str = ""
    uploads: tuple[str, ...] = ()
    reason: str | None = None
    groups: list[SmallGroup] = field(default_factory=list, repr=False)

    @property
    def failed(self) -> bool:
        return self.status in ("blocked", "failed")


@dataclass(frozen=True)
class PublishPolicy:
    withdraw_mode: WithdrawMode = "private"
    retries: int = 5
    backoff_s: float = 1.0


def portal_name(publication_id: str) -> str:
    """A CKAN-safe name from a publication id: 'tthc.dossiers' -> 'tthc-dossiers'."""
    ascii_only = unicodedata.normalize("NFKD", publication_id).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9-]+", "-", ascii_only.lower()).strip("-")[:100]


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
                result = self._not_tried(spec, results) or self._guarded(
                    spec, partial(self._gate, spec, actor, plan=plan)
                )
                if result is None:
                    ready.append(spec)
                else:
                    results[spec.id] = result
            if ready:
                self._publish_dataset(ready, actor, results, plan=plan, full=full)
        answered = [results[spec.id] for spec in specs]
        if only:
            return answered
        return answered + self._withdraw_removed({s.id for s in specs}, actor, results, plan=plan)

    def _withdraw_removed(
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
            gone = _Removed(state.publication_id)
            result = self._not_tried(gone, results) or self._guarded(
                gone, partial(self._withdraw, gone, _REMOVED_REASON, actor, plan=plan)
            )
            assert result is not None  # noqa: S101 (_withdraw always answers)
            results[gone.id] = result
            removed.append(result)
        return removed

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
            return self._withdraw(spec, _NOT_PUBLIC[status], actor, plan=plan)
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
                    results[spec.id] = self._result(
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
                    answer = partial(self._held_if_public, spec, entry, held, actor, plan=plan)
                    result = self._not_tried(spec, results) or self._guarded(spec, answer)
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
                    results[spec.id] = self._result(spec, "failed", reason=str(exc))
            return
        for spec, materialised in zip(changed, made, strict=True):
            step = partial(
                self._publish, spec, entry, materialised, inputs[spec.id], actor, plan=plan
            )
            result = self._not_tried(spec, results) or self._guarded(spec, step)
            assert result is not None  # noqa: S101 (_publish always answers)
            results[spec.id] = result

    def _guarded(
        self, spec: _Publication, step: Callable[[], PublishResult | None]
    ) -> PublishResult | None:
        """The step's answer, or the publication's failure: one publication's trouble stops
        that publication only."""
        try:
            return step()
        except PublishBlocked as exc:
            return self._result(spec, "blocked", reason=str(exc), groups=exc.groups)
        except PortalUnavailable as exc:
            return self._result(spec, "failed", reason=_PortalDown(str(exc)))
        except KhoError as exc:
            return self._result(spec, "failed", reason=str(exc))

    def _not_tried(
        self, spec: _Publication, results: dict[str, PublishResult]
    ) -> PublishResult | None:
        """Once the portal stayed down through every retry, the rest are not tried."""
        down = next((r.reason for r in results.values() if isinstance(r.reason, _PortalDown)), None)
        if down is None:
            return None
        return self._result(spec, "failed", reason=f"không thử: {down}")

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
            planned = self._retrying(lambda: self._portal.plan(dataset))
            return self._planned(spec, planned, table)
        with timed_publication(entry.id) as outcomes:
            outcome = self._retrying(lambda: self._portal.publish(dataset))
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
        self._audit.append(
            DATASET_PUBLISH,
            actor=actor,
            dataset=entry.id,
            details={
                "publication": spec.id,
                "spec_digest": spec.digest,
                "outcome": outcome.action,
                "rows": len(table.rows),
                "suppressed_groups": table.suppressed_groups,
                "content_digest": digest,
                "files": hashes,
                "uploaded": list(outcome.uploaded),
                "location": outcome.location,
            },
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

    def _held_if_public(
        self,
        spec: PublicationSpec,
        entry: DatasetEntry,
        held: PublishedFrom,
        actor: Actor,
        *,
        plan: bool,
    ) -> PublishResult | None:
        """``_held``, when the portal still shows the publication (one read of the portal, no
        record of the topic); None when it does not (deleted or made private by hand there):
        the publication is then materialised and published again."""
        shown = self._retrying(lambda: self._portal.plan_withdrawal(portal_name(spec.id)))
        if shown.action != "withdrawn":
            log.warning("%s: the portal no longer shows it; publishing it again", spec.id)
            return None
        return self._held(spec, entry, held, actor, plan=plan)

    def _held(
        self,
        spec: PublicationSpec,
        entry: DatasetEntry,
        held: PublishedFrom,
        actor: Actor,
        *,
        plan: bool,
    ) -> PublishResult:
        """An unchanged publication: what its last publish produced, with nothing read."""
        if plan:
            return self._result(spec, "planned", action="unchanged", rows=held.rows)
        self._audit.append(
            DATASET_PUBLISH,
            actor=actor,
            dataset=entry.id,
            details={
                "publication": spec.id,
                "spec_digest": spec.digest,
                "outcome": "unchanged",
                "rows": held.rows,
                "content_digest": held.content_digest,
                "files": held.files,
                "uploaded": [],
                "location": held.location,
                "topic_read": False,
            },
        )
        return self._result(
            spec,
            "published",
            action="unchanged",
            rows=held.rows,
            location=held.location,
            reason=NOTHING_CHANGED,
        )

    def _withdraw(self, spec: _Publication, why: str, actor: Actor, *, plan: bool) -> PublishResult:
        name = portal_name(spec.id)
        if plan:
            planned = self._retrying(lambda: self._portal.plan_withdrawal(name))
            status: Status = "planned" if planned.action == "withdrawn" else "waiting"
            return self._result(spec, status, action=planned.action, reason=why)
        outcome = self._retrying(lambda: self._portal.withdraw(name, self._policy.withdraw_mode))
        if outcome.action == "absent":
            return self._result(spec, "waiting", action="absent", reason=why)
        self._states.record_withdrawn(spec.id)
        self._inputs.forget(spec.id)
        self._audit.append(
            DATASET_WITHDRAW,
            actor=actor,
            dataset=spec.dataset or None,
            details={
                "publication": spec.id,
                "mode": self._policy.withdraw_mode,
                "reason": why,
                "location": outcome.location,
            },
        )
        return self._result(
            spec, "withdrawn", action="withdrawn", location=outcome.location, reason=why
        )

    def _retrying(self, call: Callable[[], _T]) -> _T:
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(PortalUnavailable),
            stop=tenacity.stop_after_attempt(self._policy.retries + 1),
            wait=tenacity.wait_exponential(multiplier=self._policy.backoff_s, max=60),
            before_sleep=lambda state: log.warning(
                "portal unavailable (attempt %d), retrying: %s",
                state.attempt_number,
                state.outcome.exception() if state.outcome else "",
            ),
            reraise=True,
        )
        return retrying(call)

    def _planned(self, spec: PublicationSpec, planned: PortalPlan, table: Table) -> PublishResult:
        return self._result(
            spec, "planned", action=planned.action, rows=len(table.rows), uploads=planned.uploads
        )

    def _done(self, spec: PublicationSpec, outcome: PublishOutcome, rows: int) -> PublishResult:
        return self._result(
            spec,
            "published",
            action=outcome.action,
            rows=rows,
            location=outcome.location,
            uploads=outcome.uploaded,
        )

    @staticmethod
    def _result(
        spec: _Publication,
        status: Status,
        *,
        action: Action | None = None,
        rows: int = 0,
        location: str = "",
        uploads: tuple[str, ...] = (),
        reason: str | None = None,
        groups: list[SmallGroup] | None = None,
    ) -> PublishResult:
        return PublishResult(
            spec.id, spec.dataset, status, action, rows, location, uploads, reason, groups or []
        )


class _Publication(Protocol):
    """What a result or a withdrawal needs of a publication."""

    @property
    def id(self) -> str: ...

    @property
    def dataset(self) -> str: ...


@dataclass(frozen=True)
class _Removed:
    """A publication the portal still shows whose spec is no longer in the catalogue."""

    id: str
    dataset: str = ""


_REMOVED_REASON = "ấn phẩm không còn trong danh mục dữ liệu mở"
NOTHING_CHANGED = (
    "không có gì thay đổi: chủ đề, đặc tả và danh mục như lần công bố trước (không đọc chủ đề)"
)


def _by_dataset(specs: list[PublicationSpec]) -> list[list[PublicationSpec]]:
    """The specs grouped by dataset, datasets in order of first mention."""
    order = {spec.dataset: i for i, spec in reversed(list(enumerate(specs)))}
    ordered = sorted(specs, key=lambda spec: order[spec.dataset])
    return [list(group) for _, group in groupby(ordered, key=lambda spec: spec.dataset)]


class _PortalDown(str):
    """A failure reason meaning the portal stayed unreachable through every retry."""
