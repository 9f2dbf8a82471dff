"""``/quan-ly/danh-muc``: the shared-database catalogue for staff. A restricted dataset is listed
for its owner and administrators only (a 404 page for anyone else), a citizen is refused, and
what the page says each grantee reads is what the API answers that agency's consumer token."""

from __future__ import annotations

import re

from hub.app.web.staff.catalogue_grants import PROJECTIONS
from hub.auth.policy import read_access
from hub.auth.tokens import Role
from hub.catalogue.models import Classification
from hub.sharing import Projection
from hub.sharing.policy import ReadAccess
from tests.unit.web.staff.staff_visit import ADMIN, StaffVisit, citizen, steward, words

LIST = "/quan-ly/danh-muc"
RESTRICTED = "evidence.citizen_evidence"  # owned by vp-ubnd


def _listed(html: str) -> set[str]:
    return set(re.findall(r'href="/quan-ly/danh-muc/([a-z0-9_.]+)"', html))


def _rows(html: str) -> dict[str, list[str]]:
    """The readers' table of a dataset's page: each row's header → its cells' words."""
    table = html.split('id="ai-doc"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.DOTALL):
        header = re.search(r'<th scope="row">(.*?)</th>', row, flags=re.DOTALL)
        if header is not None:
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.DOTALL)
            rows[words(header.group(1))] = [words(cell) for cell in cells]
    return rows


def _card(html: str, dataset_id: str) -> str:
    """The words of the list's card of one dataset."""
    cards = html.split('<li class="panel dataset-card">')[1:]
    found = [c for c in cards if f'href="/quan-ly/danh-muc/{dataset_id}"' in c]
    assert len(found) == 1, dataset_id
    text = words(found[0].split("</li>\n</ul>")[0])
    return re.sub(r" ([,:.])", r"\1", text)  # a tag's end before punctuation left a space


def test_a_citizen_is_refused(visit: StaffVisit) -> None:
    """A citizen signed in gets the 403 page on the list and on a dataset's page."""
    visit.sign_in(citizen())
    for path in (LIST, f"{LIST}/tthc.dossiers"):
        answer = visit.get(path)
        assert answer.status_code == 403, path
        assert "dành cho cán bộ" in words(answer.text)


def test_a_steward_of_another_agency_sees_every_dataset_but_the_restricted_one(
    visit: StaffVisit,
) -> None:
    """A steward of so-nnmt is listed every non-restricted dataset, and the restricted one of
    vp-ubnd is neither listed nor opened (404, as the API answers an unknown dataset)."""
    visit.sign_in(steward("so-nnmt"))
    answer = visit.get(LIST)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    datasets = visit.hub.catalogue.catalogue.datasets
    expected = {d.id for d in datasets if d.classification is not Classification.RESTRICTED}
    assert _listed(answer.text) == expected
    hidden = visit.get(f"{LIST}/{RESTRICTED}")
    assert hidden.status_code == 404
    assert hidden.text == visit.get(f"{LIST}/no.such_dataset").text.replace(
        "no.such_dataset", RESTRICTED
    )


def test_the_owner_and_an_administrator_see_the_restricted_dataset(visit: StaffVisit) -> None:
    """The restricted dataset is listed and opens for a steward of its owner and for an
    administrator, saying only the owner reads it."""
    every = {d.id for d in visit.hub.catalogue.catalogue.datasets}
    for person in (steward("vp-ubnd"), ADMIN):
        visit.sign_in(person)
        assert _listed(visit.get(LIST).text) == every, person
        page = visit.get(f"{LIST}/{RESTRICTED}")
        assert page.status_code == 200
        rows = _rows(page.text)
        assert [cells[1] for cells in rows.values()] == [
            PROJECTIONS[Projection.FULL],
            "Không được đọc",
        ]


def test_what_each_grantee_reads_is_what_the_api_answers_its_token(visit: StaffVisit) -> None:
    """For every dataset with grants, each grantee's row names the projection the API's
    ``your_access`` gives a consumer token of that agency, lists as pseudonyms exactly the
    fields the API marks pseudonymised (for a masked reader) and the personal fields in clear
    for a full one; the row of everybody else is the API's answer to no token."""
    hub = visit.hub
    visit.sign_in(ADMIN)
    agencies = {a.id: a.name for a in hub.catalogue.catalogue.agencies}
    checked = 0
    for entry in hub.catalogue.catalogue.datasets:
        if not entry.consumers:
            continue
        rows = _rows(visit.get(f"{LIST}/{entry.id}").text)
        for grant in entry.consumers:
            token = hub.tokens.create(grant.agency, frozenset({Role.CONSUMER})).plaintext
            described = visit.client.get(
                f"/api/v1/datasets/{entry.id}", headers={"Authorization": f"Bearer {token}"}
            ).json()
            projection = Projection(described["your_access"]["projection"])
            personal = [f["name"] for f in described["fields"] if f["personal"]]
            pseudonymised = [f["name"] for f in described["fields"] if f["pseudonymised"]]
            _, reads, clear, pseudonyms, _ = rows[agencies[grant.agency]]
            assert reads == PROJECTIONS[projection], (entry.id, grant.agency)
            if projection is Projection.FULL:
                assert clear == (", ".join(personal) or "Không")
                assert pseudonyms == "Không"
            else:
                assert clear == "Không"
                assert pseudonyms == (", ".join(pseudonymised) or "Không")
            checked += 1
        public = read_access(None, entry)
        others = rows["Người dân và cơ quan không được cấp quyền"][1]
        assert others == (
            PROJECTIONS[public.projection] if isinstance(public, ReadAccess) else "Không được đọc"
        )
    assert checked >= 10


def test_the_list_gives_owner_legal_basis_retention_and_personal_fields(
    visit: StaffVisit,
) -> None:
    """Each card of the list carries the dataset's owner, legal basis, retention in words,
    personal fields and, per grantee, whether it sees personal data; and says changes go
    through a reviewed change of the YAML file."""
    visit.sign_in(steward("so-nnmt"))
    page = visit.get(LIST).text
    shown = words(page)
    assert "Trang chỉ để xem" in shown and "YAML" in shown
    card = _card(page, "tthc.dossiers")
    entry = visit.hub.catalogue.entry("tthc.dossiers")
    assert "Chủ quản Văn phòng Ủy ban nhân dân tỉnh Đồng Tháp" in card
    assert f"Căn cứ pháp lý {entry.legal_basis}" in card
    assert "Thời hạn lưu 10 năm" in card
    assert "Trường cá nhân applicant_id_number, applicant_name" in card
    assert "Sở Khoa học và Công nghệ tỉnh Đồng Tháp: thấy dữ liệu cá nhân" in card
    assert "Sở Công Thương tỉnh Đồng Tháp: không thấy dữ liệu cá nhân" in card


def test_an_unknown_dataset_is_the_404_page(visit: StaffVisit) -> None:
    """A dataset id not in the catalogue is the Vietnamese 404 page naming it."""
    visit.sign_in(steward("so-nnmt"))
    answer = visit.get(f"{LIST}/no.such_dataset")
    assert answer.status_code == 404
    assert "Không có bộ dữ liệu “no.such_dataset” trong danh mục" in words(answer.text)
