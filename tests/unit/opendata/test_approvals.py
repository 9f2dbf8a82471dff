"""Stewards' approvals on a real SQLite database: who may approve what, how an approval follows
the spec's digest, and that every grant and revocation is audited in the same transaction."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from hub.app.wiring import Hub
from hub.audit import Actor, AuditFilter, actions
from hub.audit.entry import CLI
from hub.errors import KhoError
from opendata.approval_records import approvals_table
from opendata.approvals import ApprovalStore, PublicationStatus
from opendata.errors import ApprovalRefused
from opendata.specs import PublicationCatalogue, PublicationSpec

DOSSIERS = "tthc.dossiers"  # shared, owned by vp-ubnd, with an open projection
MONTHLY = "tthc.dossiers.monthly_by_commune"
FEEDBACK_MONTHLY = "feedback.citizen_feedback.monthly_by_category"  # shared, no projection
STEWARD = Actor("token:steward0001", "vp-ubnd")
OTHER_STEWARD = Actor("token:steward0002", "so-yt")


def _store(hub: Hub, publications: PublicationCatalogue | None = None) -> ApprovalStore:
    return ApprovalStore(
        hub.engine, hub.audit, hub.catalogue.catalogue, publications or hub.publications
    )


def _edited(hub: Hub, publication_id: str, **changes: object) -> PublicationCatalogue:
    """The declared publications with one spec changed, as if its YAML had been edited."""
    specs = [
        spec.model_copy(update=changes) if spec.id == publication_id else spec
        for spec in hub.publications.publications
    ]
    return PublicationCatalogue(publications=tuple(specs))


def _with(hub: Hub, *extra: PublicationSpec) -> PublicationCatalogue:
    return PublicationCatalogue(publications=(*hub.publications.publications, *extra))


def _audited(hub: Hub, action: str) -> list[dict[str, object]]:
    return [e.details for e in hub.audit.query(AuditFilter(action=action), limit=1000)]


def _rows(hub: Hub) -> int:
    with hub.engine.connect() as conn:
        count: int = conn.execute(
            sa.select(sa.func.count()).select_from(approvals_table)
        ).scalar_one()
    return count


def test_create_tables_creates_the_approvals_table(embedded_hub: Hub) -> None:
    """build_hub creates the table; a database without it gains it when the store is opened."""
    assert sa.inspect(embedded_hub.engine).has_table("publication_approvals")
    with embedded_hub.engine.begin() as conn:
        approvals_table.drop(conn)
    embedded_hub.approvals.grant(DOSSIERS, actor=STEWARD, note="")
    assert sa.inspect(embedded_hub.engine).has_table("publication_approvals")


def test_an_open_dataset_needs_no_approval(embedded_hub: Hub) -> None:
    """salinity.readings is classified open: its publication is open and publishable."""
    store = embedded_hub.approvals
    status = store.status(embedded_hub.publications.spec("salinity.readings"))
    assert status is PublicationStatus.OPEN and status.publishable


def test_a_steward_of_the_owner_approves_exactly_the_current_spec(embedded_hub: Hub) -> None:
    """Pending until approved; the approval keeps the digest, the spec JSON it hashes to, who,
    when and the note."""
    store = embedded_hub.approvals
    spec = embedded_hub.publications.spec(DOSSIERS)
    assert store.status(spec) is PublicationStatus.PENDING
    assert not store.status(spec).publishable
    approval = store.grant(DOSSIERS, actor=STEWARD, note="Đã rà soát trường cá nhân")
    assert store.status(spec) is PublicationStatus.APPROVED
    assert approval.spec_digest == spec.digest
    assert hashlib.sha256(approval.spec_json.encode("utf-8")).hexdigest() == spec.digest
    assert approval.spec == spec.model_dump(mode="json")
    assert (approval.approved_by, approval.approved_by_agency) == ("token:steward0001", "vp-ubnd")
    assert approval.note == "Đã rà soát trường cá nhân"
    assert approval.approved_at.tzinfo is not None and approval.state == "active"
    assert store.active(DOSSIERS) == approval
    assert approval.as_dict()["approved_at"].endswith("+00:00")


def test_granting_the_same_digest_again_writes_nothing(embedded_hub: Hub) -> None:
    """A second grant of an approved digest returns the approval: no row, no audit entry."""
    store = embedded_hub.approvals
    first = store.grant_outcome(DOSSIERS, actor=STEWARD, note="lần đầu")
    again = store.grant_outcome(DOSSIERS, actor=STEWARD, note="lần hai")
    assert first.created and not again.created
    assert again.approval == first.approval
    assert _rows(embedded_hub) == 1
    assert len(_audited(embedded_hub, actions.DATASET_APPROVE)) == 1


def test_an_edited_spec_is_stale_until_approved_again(embedded_hub: Hub) -> None:
    """Editing the spec after its approval withdraws it (stale, not publishable); approving
    the new spec supersedes the old approval, and the old spec is then the stale one."""
    original = embedded_hub.approvals
    old = original.grant(DOSSIERS, actor=STEWARD, note="")
    edited = _store(embedded_hub, _edited(embedded_hub, DOSSIERS, k=10))
    new_spec = edited.spec(DOSSIERS)
    assert new_spec.digest != old.spec_digest
    assert edited.status(new_spec) is PublicationStatus.STALE
    assert not PublicationStatus.STALE.publishable
    assert edited.active(DOSSIERS) == old
    new = edited.grant(DOSSIERS, actor=STEWARD, note="k = 10")
    assert edited.status(new_spec) is PublicationStatus.APPROVED
    assert original.status(original.spec(DOSSIERS)) is PublicationStatus.STALE
    history = edited.history(DOSSIERS)
    assert [(a.id, a.state) for a in history] == [(old.id, "superseded"), (new.id, "active")]
    assert history[0].superseded_at is not None and history[0].revoked_at is None
    approved = _audited(embedded_hub, actions.DATASET_APPROVE)
    assert approved[-1]["supersedes"] == old.id and approved[-1]["digest"] == new_spec.digest


def test_revoking_ends_the_approval_until_granted_again(embedded_hub: Hub) -> None:
    """Revoked, not publishable, nothing left to revoke; a new grant approves it again."""
    store = embedded_hub.approvals
    spec = store.spec(DOSSIERS)
    granted = store.grant(DOSSIERS, actor=STEWARD, note="")
    revoked = store.revoke(DOSSIERS, actor=STEWARD, reason="Phát hiện lộ mã xã hiếm")
    assert (revoked.id, revoked.state) == (granted.id, "revoked")
    assert revoked.revoked_at is not None and revoked.revoke_reason == "Phát hiện lộ mã xã hiếm"
    assert (revoked.revoked_by, revoked.revoked_by_agency) == ("token:steward0001", "vp-ubnd")
    assert store.active(DOSSIERS) is None
    assert store.status(spec) is PublicationStatus.REVOKED
    with pytest.raises(ApprovalRefused) as refused:
        store.revoke(DOSSIERS, actor=STEWARD, reason="lần nữa")
    assert refused.value.code == "not_approved"
    again = store.grant(DOSSIERS, actor=STEWARD, note="đã sửa")
    assert again.id != granted.id and store.status(spec) is PublicationStatus.APPROVED
    assert [a.state for a in store.history(DOSSIERS)] == ["revoked", "active"]


def test_grants_and_revocations_are_audited_and_the_chain_verifies(embedded_hub: Hub) -> None:
    """dataset.approve and dataset.revoke_approval, by the steward, on the catalogue dataset."""
    store = embedded_hub.approvals
    granted = store.grant(DOSSIERS, actor=STEWARD, note="ghi chú")
    store.revoke(DOSSIERS, actor=STEWARD, reason="lý do")
    entries = embedded_hub.audit.query(AuditFilter(dataset=DOSSIERS), limit=100)
    assert [e.action for e in entries] == [actions.DATASET_APPROVE, actions.DATASET_REVOKE_APPROVAL]
    assert all(e.actor == STEWARD for e in entries)
    assert entries[0].details == {
        "publication": DOSSIERS,
        "approval": granted.id,
        "digest": granted.spec_digest,
        "note": "ghi chú",
        "supersedes": None,
    }
    assert entries[1].details == {
        "publication": DOSSIERS,
        "approval": granted.id,
        "digest": granted.spec_digest,
        "reason": "lý do",
    }
    assert actions.DATASET_REVOKE_APPROVAL in actions.KNOWN_ACTIONS
    assert embedded_hub.audit.verify().ok


def test_the_row_and_its_audit_entry_commit_together(embedded_hub: Hub) -> None:
    """When the audit entry cannot be written, the approval is not stored either."""
    store = embedded_hub.approvals
    with embedded_hub.engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE audit_log RENAME TO audit_log_away"))
    with pytest.raises(KhoError):
        store.grant(DOSSIERS, actor=STEWARD, note="")
    with embedded_hub.engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE audit_log_away RENAME TO audit_log"))
    assert _rows(embedded_hub) == 0
    assert store.status(store.spec(DOSSIERS)) is PublicationStatus.PENDING


def test_the_cli_operator_approves_for_any_agency(embedded_hub: Hub) -> None:
    """The province IT centre at the command line (agency None) may approve so-nnmt's data."""
    approval = embedded_hub.approvals.grant("ocop.products", actor=CLI, note="")
    assert (approval.approved_by, approval.approved_by_agency) == ("cli", None)
    assert embedded_hub.approvals.revoke("ocop.products", actor=CLI, reason="thử").revoked_at


@pytest.mark.parametrize(
    "actor",
    [OTHER_STEWARD, Actor("system:publisher"), Actor("token:x", None)],
    ids=["another-agency", "system-component", "no-agency"],
)
def test_only_the_owning_agency_approves_or_revokes(embedded_hub: Hub, actor: Actor) -> None:
    """Another agency's steward, or an actor acting for no agency, is refused both ways."""
    store = embedded_hub.approvals
    with pytest.raises(ApprovalRefused) as refused:
        store.grant(DOSSIERS, actor=actor, note="")
    assert refused.value.code == "not_owner" and "vp-ubnd" in str(refused.value)
    store.grant(DOSSIERS, actor=STEWARD, note="")
    with pytest.raises(ApprovalRefused) as refused:
        store.revoke(DOSSIERS, actor=actor, reason="không phải của tôi")
    assert refused.value.code == "not_owner"
    assert store.active(DOSSIERS) is not None


def test_refusals_name_their_reason_and_write_nothing(embedded_hub: Hub) -> None:
    """Unknown publication; a restricted dataset; record-level data of a shared dataset with no
    open projection. Its aggregation may still be approved."""
    restricted = PublicationSpec(
        id="evidence.citizen_evidence", dataset="evidence.citizen_evidence", kind="snapshot"
    )
    feedback = PublicationSpec(
        id="feedback.citizen_feedback", dataset="feedback.citizen_feedback", kind="history"
    )
    store = _store(embedded_hub, _with(embedded_hub, restricted, feedback))
    cases = [
        ("khong.co", STEWARD, "unknown_publication", "khong.co"),
        (restricted.id, STEWARD, "restricted_dataset", "hạn chế"),
        (feedback.id, STEWARD, "no_open_projection", "open_projection"),
    ]
    for publication_id, actor, code, named in cases:
        with pytest.raises(ApprovalRefused) as refused:
            store.grant(publication_id, actor=actor, note="")
        assert (refused.value.code, named in str(refused.value)) == (code, True), publication_id
    assert _rows(embedded_hub) == 0
    assert _audited(embedded_hub, actions.DATASET_APPROVE) == []
    assert store.status(restricted) is PublicationStatus.BLOCKED
    assert store.status(feedback) is PublicationStatus.BLOCKED
    store.grant(FEEDBACK_MONTHLY, actor=STEWARD, note="chỉ số liệu tổng hợp")
    assert store.status(store.spec(FEEDBACK_MONTHLY)) is PublicationStatus.APPROVED


def test_revocation_needs_a_reason_and_a_known_publication(embedded_hub: Hub) -> None:
    """A blank reason and an unknown publication are refused; the approval stays."""
    store = embedded_hub.approvals
    store.grant(DOSSIERS, actor=STEWARD, note="")
    with pytest.raises(ApprovalRefused) as refused:
        store.revoke(DOSSIERS, actor=STEWARD, reason="  ")
    assert refused.value.code == "reason_required"
    with pytest.raises(ApprovalRefused) as refused:
        store.revoke("khong.co", actor=STEWARD, reason="x")
    assert refused.value.code == "unknown_publication"
    assert store.active(DOSSIERS) is not None


def test_an_approval_of_a_publication_no_longer_declared_can_be_revoked(
    embedded_hub: Hub,
) -> None:
    """Taking a spec out of the catalogue does not strand its approval: the owner revokes it."""
    embedded_hub.approvals.grant(MONTHLY, actor=STEWARD, note="")
    remaining = tuple(s for s in embedded_hub.publications.publications if s.id != MONTHLY)
    store = _store(embedded_hub, PublicationCatalogue(publications=remaining))
    with pytest.raises(ApprovalRefused):
        store.revoke(MONTHLY, actor=OTHER_STEWARD, reason="x")
    assert store.revoke(MONTHLY, actor=STEWARD, reason="bỏ khỏi danh mục").state == "revoked"


def test_overview_lists_every_publication_in_declared_order(embedded_hub: Hub) -> None:
    """One read for all: the same statuses as status(), and the active approvals."""
    store = embedded_hub.approvals
    granted = store.grant(DOSSIERS, actor=STEWARD, note="")
    store.grant(MONTHLY, actor=STEWARD, note="")
    store.revoke(MONTHLY, actor=STEWARD, reason="tạm dừng")
    reviews = {r.spec.id: r for r in store.overview()}
    assert list(reviews) == [s.id for s in embedded_hub.publications.publications]
    assert (reviews[DOSSIERS].status, reviews[DOSSIERS].active) == (
        PublicationStatus.APPROVED,
        granted,
    )
    assert (reviews[MONTHLY].status, reviews[MONTHLY].active) == (PublicationStatus.REVOKED, None)
    assert reviews["salinity.readings"].status is PublicationStatus.OPEN
    assert reviews["health.facilities"].status is PublicationStatus.PENDING
    for review in reviews.values():
        assert review.status is store.status(review.spec)


def test_the_database_keeps_one_active_approval_per_publication(embedded_hub: Hub) -> None:
    """The partial unique index refuses a second active row written around the store."""
    granted = embedded_hub.approvals.grant(DOSSIERS, actor=STEWARD, note="")
    row = {
        k: v
        for k, v in granted.as_dict(with_spec=False).items()
        if k in approvals_table.c and k != "id"
    }
    row.update(approved_at=granted.approved_at, spec_json=granted.spec_json)
    with pytest.raises(sa.exc.IntegrityError), embedded_hub.engine.begin() as conn:
        conn.execute(sa.insert(approvals_table).values(**row))
