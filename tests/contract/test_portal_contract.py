"""One contract for both open-data portal adapters: the folder portal and the real CKAN
(``scripts/services.sh start ckan``). It covers what the publisher relies on: a dataset created
with its files, each served at the URL known before upload; a run that changes nothing when
nothing changed; a metadata change or one replaced file changing only that; a withdrawal
(private or deleted) and a new publication after it; a missing dataset; the organisation; and
the size limit on a file.

Where the adapters legitimately differ, ``DIFFERENCES`` says so and the test asserts each
adapter's own behaviour.
"""

from __future__ import annotations

import dataclasses
import json
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from opendata.errors import PublishBlocked
from opendata.portal.ckan import CkanPortal
from opendata.portal.folder import FolderPortal
from opendata.portal.port import (
    OpenDataPortal,
    PortalDataset,
    PortalOrganisation,
    PortalResource,
)
from tests.conftest import SERVICES_DIR, service_port

CKAN_URL = f"http://127.0.0.1:{service_port('CKAN', 15000)}"
MAX_BYTES = 64 * 1024
"""The portal's limit on one file in these tests (the hub's KHO_PORTAL_MAX_RESOURCE_MB)."""

DIFFERENCES = {
    "revives_deleted": {
        "folder": False,  # a deleted folder is gone: publishing again creates it anew
        "ckan": True,  # package_delete keeps the package in CKAN's trash: publishing again
        # brings the same package (and its files) back, an update
    },
}
"""How the adapters legitimately differ. Also: the folder portal has no organisations of its
own and keeps metadata as the DCAT document the publisher built (which names the publisher), so
a change shows there only as a change of that document; the publisher's documents always carry
the title, description, keywords and publisher, as these tests' do."""


@dataclass
class Bench:
    """One adapter, and how a test sees what the public sees on it."""

    kind: str
    portal: OpenDataPortal
    root: Path | None = None
    made: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)

    def served(self, name: str, filename: str) -> bytes:
        """The bytes the public downloads at the file's URL."""
        url = self.portal.resource_url(name, filename)
        if url.startswith("file:"):
            return Path(urllib.parse.unquote(urllib.parse.urlparse(url).path)).read_bytes()
        answer = httpx.get(url, follow_redirects=True, timeout=30)
        answer.raise_for_status()
        return answer.content

    def public(self, name: str) -> bool:
        """Whether an anonymous visitor finds the dataset."""
        if self.root is not None:
            return (self.root / name / "dataset.jsonld").is_file()
        answer = httpx.get(f"{CKAN_URL}/api/3/action/package_show", params={"id": name})
        if answer.status_code != 200:
            return False
        package = answer.json()["result"]
        return package["state"] == "active" and not package["private"]

    def organisation(self, name: str) -> str:
        """The organisation the public sees as the dataset's publisher."""
        if self.root is not None:
            document = json.loads((self.root / name / "dataset.jsonld").read_text("utf-8"))
            return str(document["dct:publisher"])
        return str(self._ckan("package_show", id=name)["organization"]["name"])

    def _ckan(self, action: str, **data: Any) -> Any:
        answer = httpx.post(
            f"{CKAN_URL}/api/3/action/{action}",
            json=data,
            headers={"Authorization": _ckan_token()},
            timeout=30,
        )
        answer.raise_for_status()
        return answer.json()["result"]

    def purge(self) -> None:
        """Remove what the test made from CKAN (the folder goes with tmp_path)."""
        if self.root is not None:
            return
        for name in self.made:
            try:
                self._ckan("dataset_purge", id=name)
            except httpx.HTTPStatusError:
                pass  # never created
        for organisation in self.organisations:
            try:
                self._ckan("organization_purge", id=organisation)
            except httpx.HTTPStatusError:
                pass


def _ckan_token() -> str:
    token_file = SERVICES_DIR / "ckan" / "sysadmin.token"
    if not token_file.exists():
        pytest.fail(f"no CKAN token at {token_file}: run scripts/services.sh start first")
    return token_file.read_text().strip()


@pytest.fixture(params=["folder", pytest.param("ckan", marks=pytest.mark.integration)])
def bench(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Bench]:
    if request.param == "folder":
        root = tmp_path / "opendata"
        yield Bench("folder", FolderPortal(root, max_resource_bytes=MAX_BYTES), root)
        return
    portal = CkanPortal(CKAN_URL, _ckan_token(), max_resource_bytes=MAX_BYTES)
    made = Bench("ckan", portal)
    yield made
    made.purge()


@pytest.fixture
def run() -> str:
    """A suffix of the test's own, so runs never share a CKAN dataset or organisation."""
    return uuid.uuid4().hex[:8]


def organisation(bench: Bench, run: str, letter: str = "a") -> PortalOrganisation:
    name = f"kho-ct-{letter}{run}"
    bench.organisations.append(name)
    return PortalOrganisation(name, f"Sở thử nghiệm {letter.upper()}", "Tổ chức của bộ thử")


def dataset(bench: Bench, run: str, **changes: Any) -> PortalDataset:
    """Two files under an organisation; the DCAT document names what the publisher's does."""
    name = f"kho-ct-{run}"
    if name not in bench.made:
        bench.made.append(name)
    base = PortalDataset(
        name=name,
        title="Hồ sơ thủ tục hành chính theo xã",
        notes="Số hồ sơ tiếp nhận mỗi tháng ở mỗi xã, phường.",
        organisation=organisation(bench, run),
        licence_id="cc-by",
        tags=("hanh-chinh", "ho-so"),
        extras={"kho_publication": f"tthc.dossiers.ct{run}"},
        resources=(
            _resource("Số liệu CSV", "du-lieu.csv", "xa,thang,so_ho_so\nMỹ Tho,2025-07,12\n"),
            _resource("Số liệu JSON", "du-lieu.json", '[{"xa": "Mỹ Tho", "so_ho_so": 12}]'),
        ),
    )
    chosen = dataclasses.replace(base, **changes)
    return dataclasses.replace(chosen, dcat=_dcat(chosen))


def _resource(title: str, filename: str, text: str) -> PortalResource:
    media = "text/csv" if filename.endswith(".csv") else "application/json"
    return PortalResource(
        title, filename, text.encode("utf-8"), filename.rsplit(".", 1)[1].upper(), media
    )


def _dcat(dataset: PortalDataset) -> dict[str, Any]:
    return {
        "@type": "dcat:Dataset",
        "dct:title": dataset.title,
        "dct:description": dataset.notes,
        "dct:publisher": dataset.organisation.name,
        "dcat:keyword": list(dataset.tags),
        "dct:license": dataset.licence_id,
        "distribution": [r.filename for r in dataset.resources],
    }


def _replaced(first: PortalDataset, filename: str, text: str) -> PortalDataset:
    resources = tuple(
        dataclasses.replace(r, content=text.encode("utf-8")) if r.filename == filename else r
        for r in first.resources
    )
    return dataclasses.replace(first, resources=resources)


# --- publishing --------------------------------------------------------------------------


def test_a_new_dataset_is_created_with_every_file_served(bench: Bench, run: str) -> None:
    """Plan says created with every file to upload; publish creates it, public, and each file's
    URL (known before the upload) serves its bytes."""
    wanted = dataset(bench, run)
    planned = bench.portal.plan(wanted)
    assert (planned.action, planned.uploads) == ("created", ("Số liệu CSV", "Số liệu JSON"))
    assert not bench.public(wanted.name)  # a plan changes nothing
    outcome = bench.portal.publish(wanted)
    assert outcome.action == "created"
    assert outcome.uploaded == ("Số liệu CSV", "Số liệu JSON")
    assert bench.public(wanted.name)
    for resource in wanted.resources:
        assert bench.served(wanted.name, resource.filename) == resource.content


def test_publishing_the_same_dataset_again_changes_nothing(bench: Bench, run: str) -> None:
    """A second publish of an identical dataset is unchanged, uploads nothing, and its plan
    says so."""
    wanted = dataset(bench, run)
    bench.portal.publish(wanted)
    planned = bench.portal.plan(wanted)
    assert (planned.action, planned.uploads, planned.metadata_changed) == ("unchanged", (), False)
    again = bench.portal.publish(wanted)
    assert (again.action, again.uploaded) == ("unchanged", ())


def test_a_metadata_change_updates_without_uploading(bench: Bench, run: str) -> None:
    """A new title is an update of the metadata only; after it, a run is unchanged again."""
    bench.portal.publish(dataset(bench, run))
    retitled = dataset(bench, run, title="Hồ sơ TTHC theo xã, phường (cập nhật)")
    planned = bench.portal.plan(retitled)
    assert (planned.action, planned.uploads, planned.metadata_changed) == ("updated", (), True)
    outcome = bench.portal.publish(retitled)
    assert (outcome.action, outcome.uploaded) == ("updated", ())
    assert bench.portal.publish(retitled).action == "unchanged"


def test_a_replaced_file_is_uploaded_alone_at_the_same_url(bench: Bench, run: str) -> None:
    """A file whose bytes changed is the only upload; its URL serves the new bytes, the other
    file is untouched."""
    first = dataset(bench, run)
    bench.portal.publish(first)
    url = bench.portal.resource_url(first.name, "du-lieu.csv")
    second = _replaced(first, "du-lieu.csv", "xa,thang,so_ho_so\nMỹ Tho,2025-07,13\n")
    planned = bench.portal.plan(second)
    assert (planned.action, planned.uploads) == ("updated", ("Số liệu CSV",))
    outcome = bench.portal.publish(second)
    assert (outcome.action, outcome.uploaded) == ("updated", ("Số liệu CSV",))
    assert bench.portal.resource_url(first.name, "du-lieu.csv") == url
    assert bench.served(first.name, "du-lieu.csv") == second.resources[0].content
    assert bench.served(first.name, "du-lieu.json") == first.resources[1].content


# --- withdrawing -------------------------------------------------------------------------


def test_a_private_withdrawal_hides_it_and_a_new_publication_brings_it_back(
    bench: Bench, run: str
) -> None:
    """Withdrawn as private: not public, a second withdrawal finds nothing public; publishing
    again is an update that re-uploads nothing."""
    wanted = dataset(bench, run)
    bench.portal.publish(wanted)
    assert bench.portal.plan_withdrawal(wanted.name).action == "withdrawn"
    assert bench.portal.withdraw(wanted.name, "private").action == "withdrawn"
    assert not bench.public(wanted.name)
    assert bench.portal.plan_withdrawal(wanted.name).action == "absent"
    assert bench.portal.withdraw(wanted.name, "private").action == "absent"
    planned = bench.portal.plan(wanted)
    assert (planned.action, planned.uploads) == ("updated", ())
    back = bench.portal.publish(wanted)
    assert (back.action, back.uploaded) == ("updated", ())
    assert bench.public(wanted.name)
    assert bench.served(wanted.name, "du-lieu.csv") == wanted.resources[0].content


def test_a_deleted_dataset_is_gone_and_a_new_publication_restores_it(
    bench: Bench, run: str
) -> None:
    """Withdrawn by deletion: not public, nothing left to withdraw; publishing again serves the
    files again (a new dataset on the folder, the same package revived on CKAN)."""
    wanted = dataset(bench, run)
    bench.portal.publish(wanted)
    assert bench.portal.withdraw(wanted.name, "delete").action == "withdrawn"
    assert not bench.public(wanted.name)
    assert bench.portal.plan_withdrawal(wanted.name).action == "absent"
    assert bench.portal.withdraw(wanted.name, "delete").action == "absent"
    back = bench.portal.publish(wanted)
    revives = DIFFERENCES["revives_deleted"][bench.kind]
    assert back.action == ("updated" if revives else "created")
    assert bench.public(wanted.name)
    assert bench.served(wanted.name, "du-lieu.json") == wanted.resources[1].content


def test_deleting_a_private_dataset_removes_it(bench: Bench, run: str) -> None:
    """A dataset first made private, then withdrawn by deletion, is deleted (not left hidden):
    publishing it again on the folder starts from nothing."""
    wanted = dataset(bench, run)
    bench.portal.publish(wanted)
    bench.portal.withdraw(wanted.name, "private")
    assert bench.portal.withdraw(wanted.name, "delete").action == "withdrawn"
    assert not bench.public(wanted.name)
    assert bench.portal.withdraw(wanted.name, "delete").action == "absent"
    revives = DIFFERENCES["revives_deleted"][bench.kind]
    assert bench.portal.plan(wanted).action == ("updated" if revives else "created")


def test_a_missing_dataset_is_absent_not_an_error(bench: Bench, run: str) -> None:
    """Withdrawing a dataset the portal never had answers the named outcome ``absent`` in
    either mode, and changes nothing."""
    name = f"kho-ct-missing-{run}"
    assert bench.portal.plan_withdrawal(name).action == "absent"
    for mode in ("private", "delete"):
        outcome = bench.portal.withdraw(name, mode)
        assert (outcome.dataset, outcome.action) == (name, "absent")
    assert not bench.public(name)


# --- organisation and limits ---------------------------------------------------------------


def test_the_dataset_is_published_under_its_organisation(bench: Bench, run: str) -> None:
    """A new organisation is made as needed; moving the dataset to another is a metadata
    update, and the public sees the new publisher."""
    first = dataset(bench, run)
    bench.portal.publish(first)
    assert bench.organisation(first.name) == first.organisation.name
    moved = dataset(bench, run, organisation=organisation(bench, run, "b"))
    planned = bench.portal.plan(moved)
    assert (planned.action, planned.metadata_changed, planned.uploads) == ("updated", True, ())
    assert bench.portal.publish(moved).action == "updated"
    assert bench.organisation(first.name) == moved.organisation.name


def test_a_file_over_the_size_limit_blocks_the_dataset(bench: Bench, run: str) -> None:
    """A file one byte over max_resource_bytes blocks plan and publish with PublishBlocked
    naming the file; nothing is published. A file exactly at the limit goes out."""
    at_limit = _resource("Tệp lớn", "lon.csv", "x" * MAX_BYTES)
    over = dataclasses.replace(at_limit, content=b"x" * (MAX_BYTES + 1))
    base = dataset(bench, run)
    too_big = dataclasses.replace(base, resources=(*base.resources, over))
    with pytest.raises(PublishBlocked, match=r"lon\.csv"):
        bench.portal.plan(too_big)
    with pytest.raises(PublishBlocked, match=r"lon\.csv"):
        bench.portal.publish(too_big)
    assert not bench.public(base.name)
    fits = dataclasses.replace(base, resources=(*base.resources, at_limit))
    assert bench.portal.publish(fits).uploaded[-1] == "Tệp lớn"
    assert bench.served(base.name, "lon.csv") == at_limit.content
