"""Stewards' approvals of open-data publications: what may reach the portal besides open data.

A dataset classified ``open`` is published as its spec declares. Anything else is published
only while a steward of the owning agency (or the province IT centre, at the ``kho`` command
line) has approved that publication, and only in the shape approved: an approval holds the
spec's digest and its JSON, so a spec edited afterwards is ``stale`` until approved again.

Rules, checked on every grant:

- a restricted dataset is never published;
- a record-level publication (snapshot, history) of a non-open dataset needs the catalogue
  entry's ``open_projection`` (personal fields dropped); an aggregation does not;
- only the owning agency approves or revokes.

At most one approval of a publication is active: a grant of a new digest supersedes the one
before, a revocation ends the active one. Every grant and revocation appends its audit entry in
the same transaction as the row, so neither exists without the other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa

from hub.audit import actions
from hub.audit.chain import canonical_json
from hub.audit.entry import CLI, Actor
from hub.audit.log import AuditLog
from hub.catalogue.models import Catalogue, Classification, DatasetEntry
from opendata.approval_records import (
    Approval,
    active_approval,
    approval_by_id,
    approval_from_row,
    approvals_table,
    latest_approval,
)
from opendata.errors import ApprovalRefused
from opendata.specs import PublicationCatalogue, PublicationSpec

_RECORD_LEVEL = frozenset({"snapshot", "history"})


class PublicationStatus(StrEnum):
    """Where a publication stands; only ``open`` and ``approved`` may be published."""

    OPEN = "open"  # the dataset is classified open: no approval needed
    APPROVED = "approved"  # an active approval of the spec's current digest
    STALE = "stale"  # the active approval is of another digest: the spec changed since
    REVOKED = "revoked"  # the latest approval was revoked
    PENDING = "pending"  # never approved
    BLOCKED = "blocked"  # the catalogue forbids it (restricted, no open projection, unknown
    # dataset), whatever any approval says

    @property
    def publishable(self) -> bool:
        return self in (PublicationStatus.OPEN, PublicationStatus.APPROVED)


@dataclass(frozen=True, slots=True)
class Grant:
    approval: Approval
    created: bool  # False: this digest was already approved, nothing was written


@dataclass(frozen=True, slots=True)
class PublicationReview:
    """A declared publication, where it stands, and its active approval if any."""

    spec: PublicationSpec
    status: PublicationStatus
    active: Approval | None


class ApprovalStore:
    """Approvals in the hub's database, checked against the catalogue and the declared
    publications it was built with. The publisher asks ``status(spec).publishable``."""

    def __init__(
        self,
        engine: sa.Engine,
        audit: AuditLog,
        catalogue: Catalogue,
        publications: PublicationCatalogue,
    ) -> None:
        self._engine = engine
        self._audit = audit
        self._catalogue = catalogue
        self._publications = publications

    def grant(self, publication_id: str, *, actor: Actor, note: str) -> Approval:
        """Approve the publication's current spec; the active approval when this digest is
        already approved (nothing written). Raises ApprovalRefused."""
        return self.grant_outcome(publication_id, actor=actor, note=note).approval

    def grant_outcome(self, publication_id: str, *, actor: Actor, note: str) -> Grant:
        """``grant``, saying whether a new approval was written."""
        spec = self._spec(publication_id)
        entry = self._entry(spec.dataset)
        _check_actor(actor, entry, "phê duyệt")
        refusal = _catalogue_refusal(spec, entry)
        if refusal is not None:
            raise refusal
        digest = spec.digest
        now = dt.datetime.now(dt.UTC)
        c = approvals_table.c
        with self._audit.transaction() as conn:
            current = active_approval(conn, publication_id)
            if current is not None and current.spec_digest == digest:
                return Grant(current, created=False)
            if current is not None:
                conn.execute(
                    sa.update(approvals_table).where(c.id == current.id).values(superseded_at=now)
                )
            approval_id: int = conn.execute(
                sa.insert(approvals_table)
                .values(
                    publication_id=publication_id,
                    dataset_id=spec.dataset,
                    spec_digest=digest,
                    spec_json=canonical_json(spec.model_dump(mode="json")),
                    approved_by=actor.principal,
                    approved_by_agency=actor.agency,
                    approved_at=now,
                    note=note,
                )
                .returning(c.id)
            ).scalar_one()
            self._audit.append_in(
                conn,
                actions.DATASET_APPROVE,
                actor=actor,
                dataset=spec.dataset,
                details={
                    "publication": publication_id,
                    "approval": approval_id,
                    "digest": digest,
                    "note": note,
                    "supersedes": current.id if current is not None else None,
                },
            )
            approval = approval_by_id(conn, approval_id)
        return Grant(approval, created=True)

    def revoke(self, publication_id: str, *, actor: Actor, reason: str) -> Approval:
        """End the publication's active approval; it leaves the portal at the next publish.
        Raises ApprovalRefused when nothing is active or the actor is not the owner."""
        if not reason.strip():
            raise ApprovalRefused("reason_required", "Cần ghi lý do thu hồi phê duyệt")
        known = self._known(publication_id)
        now = dt.datetime.now(dt.UTC)
        with self._audit.transaction() as conn:
            current = active_approval(conn, publication_id)
            latest = current or latest_approval(conn, publication_id)
            if known is not None:
                dataset_id = known.dataset
            elif latest is not None:  # no longer declared: its approval can still be revoked
                dataset_id = latest.dataset_id
            else:
                raise _unknown_publication(publication_id)
            _check_actor(actor, self._owner_entry(dataset_id), "thu hồi phê duyệt")
            if current is None:
                raise ApprovalRefused(
                    "not_approved",
                    f"Ấn phẩm {publication_id} không có phê duyệt nào đang hiệu lực để thu hồi",
                )
            conn.execute(
                sa.update(approvals_table)
                .where(approvals_table.c.id == current.id)
                .values(
                    revoked_at=now,
                    revoked_by=actor.principal,
                    revoked_by_agency=actor.agency,
                    revoke_reason=reason,
                )
            )
            self._audit.append_in(
                conn,
                actions.DATASET_REVOKE_APPROVAL,
                actor=actor,
                dataset=current.dataset_id,
                details={
                    "publication": publication_id,
                    "approval": current.id,
                    "digest": current.spec_digest,
                    "reason": reason,
                },
            )
            return approval_by_id(conn, current.id)

    def active(self, publication_id: str) -> Approval | None:
        """The approval in force: the latest one not revoked (possibly of an older digest)."""
        with self._engine.connect() as conn:
            return active_approval(conn, publication_id)

    def history(self, publication_id: str) -> list[Approval]:
        """Every approval of the publication, oldest first."""
        c = approvals_table.c
        query = sa.select(approvals_table).where(c.publication_id == publication_id)
        with self._engine.connect() as conn:
            rows = conn.execute(query.order_by(c.id)).all()
        return [approval_from_row(row._mapping) for row in rows]

    def status(self, spec: PublicationSpec) -> PublicationStatus:
        """Whether the spec, as it is now, may be published, and if not, why."""
        with self._engine.connect() as conn:
            return self._status(spec, latest_approval(conn, spec.id))

    def overview(self) -> list[PublicationReview]:
        """Every declared publication with its status and active approval, in declared order."""
        c = approvals_table.c
        newest = sa.select(sa.func.max(c.id)).group_by(c.publication_id)
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(approvals_table).where(c.id.in_(newest))).all()
        latest = {row.publication_id: approval_from_row(row._mapping) for row in rows}
        reviews = []
        for spec in self._publications.publications:
            last = latest.get(spec.id)
            active = last if last is not None and last.state == "active" else None
            reviews.append(PublicationReview(spec, self._status(spec, last), active))
        return reviews

    def spec(self, publication_id: str) -> PublicationSpec:
        """The declared publication; ApprovalRefused ``unknown_publication`` when there is none."""
        return self._spec(publication_id)

    def _status(self, spec: PublicationSpec, latest: Approval | None) -> PublicationStatus:
        try:
            entry = self._catalogue.dataset(spec.dataset)
        except KeyError:
            return PublicationStatus.BLOCKED
        if entry.classification is Classification.OPEN:
            return PublicationStatus.OPEN
        if _catalogue_refusal(spec, entry) is not None:
            return PublicationStatus.BLOCKED
        if latest is None:
            return PublicationStatus.PENDING
        if latest.revoked_at is not None:
            return PublicationStatus.REVOKED
        if latest.spec_digest == spec.digest:
            return PublicationStatus.APPROVED
        return PublicationStatus.STALE

    def _known(self, publication_id: str) -> PublicationSpec | None:
        try:
            return self._publications.spec(publication_id)
        except KeyError:
            return None

    def _spec(self, publication_id: str) -> PublicationSpec:
        spec = self._known(publication_id)
        if spec is None:
            raise _unknown_publication(publication_id)
        return spec

    def _entry(self, dataset_id: str) -> DatasetEntry:
        try:
            return self._catalogue.dataset(dataset_id)
        except KeyError:
            raise ApprovalRefused(
                "unknown_dataset", f"Bộ dữ liệu {dataset_id} không có trong danh mục"
            ) from None

    def _owner_entry(self, dataset_id: str) -> DatasetEntry | None:
        """The dataset's entry; None when it left the catalogue (only the CLI may revoke)."""
        try:
            return self._catalogue.dataset(dataset_id)
        except KeyError:
            return None


def _check_actor(actor: Actor, entry: DatasetEntry | None, what: str) -> None:
    """Only the owning agency, or the province IT centre at the command line."""
    if actor == CLI:
        return
    if entry is None or actor.agency != entry.owner:
        owner = entry.owner if entry is not None else "cơ quan chủ quản"
        dataset = entry.id if entry is not None else "bộ dữ liệu này"
        raise ApprovalRefused(
            "not_owner",
            f"Cơ quan {actor.agency or '(không rõ)'} không phải chủ quản của {dataset}; chỉ"
            f" người quản lý dữ liệu của {owner} được {what}",
        )


def _catalogue_refusal(spec: PublicationSpec, entry: DatasetEntry) -> ApprovalRefused | None:
    """Why the catalogue forbids publishing the spec at all; None when it allows it."""
    if entry.classification is Classification.RESTRICTED:
        return ApprovalRefused(
            "restricted_dataset",
            f"Bộ dữ liệu {entry.id} thuộc loại hạn chế (restricted): không bao giờ được công bố"
            " làm dữ liệu mở",
        )
    if (
        entry.classification is not Classification.OPEN
        and spec.kind in _RECORD_LEVEL
        and entry.open_projection is None
    ):
        return ApprovalRefused(
            "no_open_projection",
            f"Bộ dữ liệu {entry.id} không có bản công khai (open_projection) trong danh mục:"
            f" không thể công bố từng bản ghi ({spec.kind}); chỉ được công bố số liệu tổng hợp",
        )
    return None


def _unknown_publication(publication_id: str) -> ApprovalRefused:
    return ApprovalRefused(
        "unknown_publication",
        f"Không có ấn phẩm {publication_id!r} trong danh mục dữ liệu mở",
    )
