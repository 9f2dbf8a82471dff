"""``/quan-ly/phe-duyet`` on the embedded defaults: what each role lists, a grant and a revocation
through the forms (the approval store's status and the audit log's entry under the person's
actor), the reason a revocation needs, the refusals (another agency, a restricted dataset, the
store's own rules, a form without its CSRF token), and the ``kho publish --plan`` preview, which
shows the plan and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from connectors.config import load_connector_config
from connectors.runner import run_connector
from connectors.samples.dossiers import write_dossier_export
from hub.app.web.templating import vn_number
from hub.app.wiring import Hub
from hub.audit import AuditFilter, actions
from hub.audit.entry import CLI
from opendata.approvals import PublicationStatus
from opendata.publish_lock import publish_lock
from opendata.publisher import portal_name
from opendata.specs import PublicationCatalogue, PublicationSpec
from opendata.state import PublicationStates
from tests.paths import DOSSIER_CONNECTOR
from tests.unit.web.staff.staff_visit import (
    ADMIN,
    StaffVisit,
    citizen,
    staff_visit,
    steward,
    words,
)

LIST = "/quan-ly/phe-duyet"
FIGURES = "tthc.dossiers.monthly_by_commune"  # shared, owned by vp-ubnd, an aggregation
OCOP = "ocop.products"  # shared, owned by so-nnmt, with an open projection
SALINITY = "salinity.readings"  # open, owned by so-nnmt
RESTRICTED = PublicationSpec(
    id="evidence.citizen_evidence", dataset="evidence.citizen_evidence", kind="snapshot"
)  # restricted, owned by vp-ubnd: the catalogue forbids publishing it


def page(publication_id: str, action: str = "") -> str:
    return f"{LIST}/{publication_id}" + (f"/{action}" if action else "")


@pytest.fixture
def visit(embedded_hub: Hub) -> Iterator[StaffVisit]:
    """The staff visit, with a restricted dataset's publication declared besides the shipped
    ones (as the API's tests declare it), to see who it exists for."""
    embedded_hub.publications = PublicationCatalogue(
        publications=(*embedded_hub.publications.publications, RESTRICTED)
    )
    yield from staff_visit(embedded_hub)


def _audited(hub: Hub, action: str) -> list[tuple[str, str | None, dict[str, object]]]:
    entries = hub.audit.query(AuditFilter(action=action), limit=100)
    return [(e.actor.principal, e.actor.agency, e.details) for e in entries]


def _ingest_dossiers(hub: Hub, tmp_path: Path, rows: int = 300) -> None:
    export = write_dossier_export(tmp_path / "hs.csv", rows=rows, seed=5)
    config = load_connector_config(DOSSIER_CONNECTOR)
    run_connector(config, export.path, hub.writer(config.dataset))


def test_a_visitor_goes_to_sign_in_and_a_citizen_is_refused(visit: StaffVisit) -> None:
    """No session: the sign-in, then back; a citizen: the 403 page in Vietnamese."""
    answer = visit.get(LIST)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/dang-nhap?next=%2Fquan-ly%2Fphe-duyet"
    visit.sign_in(citizen())
    refused = visit.get(page(FIGURES))
    assert refused.status_code == 403
    assert "dành cho cán bộ" in words(refused.text)


def test_a_steward_lists_their_agencys_publications_and_an_admin_all(visit: StaffVisit) -> None:
    """so-nnmt's steward: its own publications with their status in words, none of vp-ubnd's,
    not the restricted one; vp-ubnd's steward: the restricted one of its own dataset, as
    blocked; the administrator: every publication."""
    visit.sign_in(steward("so-nnmt"))
    answer = visit.get(LIST)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    shown = words(answer.text)
    assert OCOP in shown and SALINITY in shown
    assert FIGURES not in shown and RESTRICTED.id not in shown
    assert "Chờ phê duyệt" in shown
    assert "Dữ liệu mở — không cần phê duyệt" in shown

    visit.sign_in(steward("vp-ubnd"))
    own = words(visit.get(LIST).text)
    assert FIGURES in own and RESTRICTED.id in own and OCOP not in own
    assert "Danh mục không cho công bố" in own

    visit.sign_in(ADMIN)
    everything = words(visit.get(LIST).text)
    declared = [spec.id for spec in visit.hub.publications.publications]
    assert all(publication_id in everything for publication_id in declared)


def test_a_grant_in_the_form_approves_and_is_audited_under_the_person(
    visit: StaffVisit,
) -> None:
    """The owner's steward approves with a note: 303 back with a notice, the store's status is
    approved, the history shows the note, and the audit log has the API's entry naming
    ``token:sso:<person>`` of vp-ubnd."""
    hub = visit.hub
    visit.sign_in(steward("vp-ubnd"))
    before = words(visit.get(page(FIGURES)).text)
    assert "Chờ phê duyệt" in before and "chưa từng được phê duyệt" in before

    answer = visit.post_form(
        page(FIGURES, "duyet"), {"note": "Đã rà soát nhóm nhỏ"}, form_page=page(FIGURES)
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == page(FIGURES) + "?xong=duyet"
    assert hub.approvals.status(hub.publications.spec(FIGURES)) is PublicationStatus.APPROVED
    after = words(visit.get(answer.headers["location"]).text)
    assert "Đã ghi phê duyệt" in after
    assert "Đã rà soát nhóm nhỏ" in after and "token:sso:quan-ly-vp-ubnd" in after

    ((principal, agency, details),) = _audited(hub, actions.DATASET_APPROVE)
    assert (principal, agency) == ("token:sso:quan-ly-vp-ubnd", "vp-ubnd")
    assert details["publication"] == FIGURES and details["note"] == "Đã rà soát nhóm nhỏ"

    again = visit.post_form(page(FIGURES, "duyet"), {"note": "lần nữa"}, form_page=page(FIGURES))
    assert again.headers["location"] == page(FIGURES) + "?xong=da-duyet"
    assert len(_audited(hub, actions.DATASET_APPROVE)) == 1


def test_a_revocation_needs_a_reason_next_to_its_field_then_is_audited(
    visit: StaffVisit,
) -> None:
    """Blank reason: 422, the message by the reason field, the approval still holds; with a
    reason: revoked, and the audit entry carries the reason and the person."""
    hub = visit.hub
    visit.sign_in(steward("vp-ubnd"))
    visit.post_form(page(FIGURES, "duyet"), {"note": ""}, form_page=page(FIGURES))

    blank = visit.post_form(page(FIGURES, "thu-hoi"), {"reason": "   "}, form_page=page(FIGURES))
    assert blank.status_code == 422
    assert 'id="reason-error"' in blank.text and 'aria-describedby="reason-error"' in blank.text
    assert "Hãy ghi lý do thu hồi" in words(blank.text)
    assert hub.approvals.status(hub.publications.spec(FIGURES)) is PublicationStatus.APPROVED

    done = visit.post_form(
        page(FIGURES, "thu-hoi"), {"reason": "Số liệu cần rà soát lại"}, form_page=page(FIGURES)
    )
    assert done.status_code == 303
    assert done.headers["location"] == page(FIGURES) + "?xong=thu-hoi"
    assert hub.approvals.status(hub.publications.spec(FIGURES)) is PublicationStatus.REVOKED
    ((principal, agency, details),) = _audited(hub, actions.DATASET_REVOKE_APPROVAL)
    assert (principal, agency) == ("token:sso:quan-ly-vp-ubnd", "vp-ubnd")
    assert details["reason"] == "Số liệu cần rà soát lại"
    shown = words(visit.get(page(FIGURES)).text)
    assert "Đã thu hồi" in shown and "Lý do: Số liệu cần rà soát lại" in shown


def test_the_stores_refusals_are_a_vietnamese_message_with_their_status(
    visit: StaffVisit,
) -> None:
    """Revoking with nothing active: 409 and the store's message on the page; the
    administrator (vp-ubnd) sees so-nnmt's publication without a form, and a forged grant is
    refused by the store as not the owner: 403 with its message, nothing approved."""
    hub = visit.hub
    visit.sign_in(steward("vp-ubnd"))
    nothing = visit.post_form(page(FIGURES, "thu-hoi"), {"reason": "thử"}, form_page=page(FIGURES))
    assert nothing.status_code == 409
    assert "không có phê duyệt nào đang hiệu lực" in words(nothing.text)

    visit.sign_in(ADMIN)
    seen = visit.get(page(OCOP))
    assert seen.status_code == 200
    assert f'action="{page(OCOP, "duyet")}"' not in seen.text
    assert "Chỉ người quản lý dữ liệu của" in words(seen.text)
    forged = visit.post_form(page(OCOP, "duyet"), {"note": "thay"}, form_page=page(FIGURES))
    assert forged.status_code == 403
    assert "không phải chủ quản" in words(forged.text)
    assert hub.approvals.active(OCOP) is None


def test_another_agencys_steward_is_refused_and_a_restricted_one_is_not_found(
    visit: StaffVisit,
) -> None:
    """so-nnmt's steward: vp-ubnd's publication is 403 to read and to approve (nothing
    written), vp-ubnd's restricted dataset's publication and an unknown id are 404."""
    hub = visit.hub
    visit.sign_in(steward("so-nnmt"))
    assert visit.get(page(FIGURES)).status_code == 403
    posted = visit.post_form(
        page(FIGURES, "duyet"), {"note": "không phải của tôi"}, form_page=page(OCOP)
    )
    assert posted.status_code == 403
    assert "chỉ người quản lý dữ liệu của cơ quan đó" in words(posted.text)
    assert hub.approvals.active(FIGURES) is None
    assert _audited(hub, actions.DATASET_APPROVE) == []
    assert visit.get(page(RESTRICTED.id)).status_code == 404
    assert (
        visit.post_form(page(RESTRICTED.id, "duyet"), {}, form_page=page(OCOP)).status_code == 404
    )
    unknown = visit.get(page("tthc.khong-co"))
    assert unknown.status_code == 404 and "Không có ấn phẩm tthc.khong-co" in words(unknown.text)


def test_a_form_without_its_csrf_token_is_403_and_changes_nothing(visit: StaffVisit) -> None:
    """The grant posted without the token, or with another: 403, no approval, no entry."""
    hub = visit.hub
    visit.sign_in(steward("vp-ubnd"))
    visit.get(page(FIGURES))
    missing = visit.client.post(page(FIGURES, "duyet"), data={"note": "x"})
    wrong = visit.client.post(page(FIGURES, "duyet"), data={"note": "x", "csrf_token": "giả"})
    assert (missing.status_code, wrong.status_code) == (403, 403)
    assert hub.approvals.active(FIGURES) is None
    assert _audited(hub, actions.DATASET_APPROVE) == []


def test_the_preview_is_the_plan_and_viewing_it_changes_nothing(
    visit: StaffVisit, tmp_path: Path
) -> None:
    """Before approval the preview says the publication stays off the portal and why; once
    approved it says what ``kho publish --plan --only`` says (created, its rows and files),
    and opening the page writes nothing: no audit entry, no publication state, no portal
    file."""
    hub = visit.hub
    _ingest_dossiers(hub, tmp_path)
    visit.sign_in(steward("vp-ubnd"))
    pending = words(visit.get(page(FIGURES)).text)
    assert "Không có trên cổng, và sẽ không được đưa lên" in pending
    assert "chưa được phê duyệt công bố" in pending

    visit.post_form(page(FIGURES, "duyet"), {"note": "xem trước"}, form_page=page(FIGURES))
    entries = hub.audit.query(AuditFilter(), limit=1000)
    (planned,) = hub.publisher().run(CLI, plan=True, only=[FIGURES])
    assert (planned.status, planned.action) == ("planned", "created")

    shown = words(visit.get(page(FIGURES)).text)
    visit.get(page(FIGURES))

    assert "Sẽ tạo mới trên cổng dữ liệu mở" in shown
    assert f"Số dòng {vn_number(planned.rows)}" in shown
    name = portal_name(FIGURES)
    assert all(upload in shown for upload in planned.uploads) and name in shown
    assert hub.audit.query(AuditFilter(), limit=1000) == entries
    assert PublicationStates(hub.engine).get(FIGURES) is None
    portal = hub.settings.data_dir / "opendata"
    assert not portal.exists() or not any(p.is_file() for p in portal.rglob("*"))
    with hub.engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from publication_approvals")).scalar() == 1


def test_the_preview_does_not_wait_for_another_publisher(visit: StaffVisit) -> None:
    """While another publisher of the hub holds the publish lock, the page answers at once and
    says a publish is running, instead of waiting for it."""
    hub = visit.hub
    visit.sign_in(steward("vp-ubnd"))
    with publish_lock(hub.engine, hub.settings.data_dir)():
        answer = visit.get(page(FIGURES))
    assert answer.status_code == 200
    assert "Một lần công bố khác đang chạy" in words(answer.text)


def test_a_note_over_the_apis_limit_is_422_next_to_its_field(visit: StaffVisit) -> None:
    """The note is held to the API's length limit: 422, the message by the note field, the
    note kept in the form, nothing approved."""
    visit.sign_in(steward("vp-ubnd"))
    long_note = "ghi chú " * 300
    answer = visit.post_form(page(FIGURES, "duyet"), {"note": long_note}, form_page=page(FIGURES))
    assert answer.status_code == 422
    assert 'id="note-error"' in answer.text
    assert "Ghi chú dài quá 2.000 ký tự" in words(answer.text)
    assert long_note.strip() in answer.text
    assert visit.hub.approvals.active(FIGURES) is None
