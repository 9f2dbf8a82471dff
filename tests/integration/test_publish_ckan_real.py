"""The publisher against the real CKAN (``scripts/services.sh start ckan``): what a publication
becomes on the portal, that a second run changes nothing and a plan changes nothing, that a
revocation withdraws it and a new approval brings the same package back, that a token without
rights or a file over the size limit stops that publication only, and that two publishers at
once, a CKAN answering 503, or a publisher killed at its first upload all end with one package
of four resources whose hashes are the files CKAN serves.

Each test names its own publications (``tthc.dossiers.<letter><run id>``) in a temporary
publications.yaml, so runs never share a CKAN dataset, and purges what it made. Bus and
database are the embedded ones: Kafka is not needed. The faults CKAN cannot produce on cue (a
503, a request stalled while its client is killed) come from ``tests/fault_proxy.py``, in front
of the real CKAN.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ckanapi
import httpx
import pytest
import yaml
from pydantic import SecretStr

from connectors.config import load_connector_config
from connectors.runner import run_connector
from connectors.samples.dossiers import write_dossier_export
from hub.app.wiring import Hub, build_hub
from hub.audit.actions import DATASET_PUBLISH
from hub.audit.entry import CLI, Actor, AuditFilter
from hub.settings import KhoSettings
from opendata.portal.ckan import resource_id
from opendata.publisher import PublishResult, portal_name
from tests.fault_proxy import (
    Fault,
    FaultProxy,
    Rule,
    Seen,
    forward_all,
    from_first,
    is_upload,
    nth_to_mth,
)
from tests.integration.conftest import CKAN_URL
from tests.paths import CATALOGUE_DIR, DOSSIER_CONNECTOR

AGENCY = "vp-ubnd"
STEWARD = Actor("token:steward-vp", agency=AGENCY)
NOT_APPROVED = "chưa được phê duyệt công bố"
# Dossiers whose history CSV passes 1 MiB (≈ 180 bytes a row; about 6% of the sample's rows
# are invalid on purpose and rejected by the connector).
ROWS_OVER_1_MIB = 6500
# An unchanged file uploaded again: CkanPortal._stale_resources found a field of what CKAN holds
# unlike what Kho sends (before 1b33fb1: ``size``, a number in CKAN, a string from Kho).
REUPLOADED = "a file CKAN already held with the same hash was uploaded again"


_PUBLICATIONS = yaml.safe_load((CATALOGUE_DIR / "publications.yaml").read_text(encoding="utf-8"))[
    "publications"
]
_DATASETS_YAML = (CATALOGUE_DIR / "datasets.yaml").read_text(encoding="utf-8")


def figures(publication_id: str) -> dict[str, Any]:
    """The dossiers per commune per month (an aggregation), under another id."""
    spec = next(p for p in _PUBLICATIONS if p["id"] == "tthc.dossiers.monthly_by_commune")
    return {**copy.deepcopy(spec), "id": publication_id}


def history(publication_id: str) -> dict[str, Any]:
    """Every dossier record without its personal fields, no quasi-identifiers: only the size
    of its files can stop it."""
    return {
        "id": publication_id,
        "dataset": "tthc.dossiers",
        "kind": "history",
        "time_field": "received_at",
        "commune_field": "commune_code",
        "themes": ["GOVE"],
    }


def files_of(name: str) -> list[str]:
    return sorted([f"{name}.csv", f"{name}.json", f"{name}.parquet", f"{name}-tu-dien-du-lieu.csv"])


@dataclass
class Bench:
    """Hubs on the embedded adapters publishing to CKAN, and what to purge afterwards."""

    tmp_path: Path
    run_id: str
    token: str
    ckan: ckanapi.RemoteCKAN
    hubs: list[Hub] = field(default_factory=list)
    packages: set[str] = field(default_factory=set)
    organisations: set[str] = field(default_factory=set)
    users: set[str] = field(default_factory=set)

    def publication(self, letter: str) -> tuple[str, str]:
        """A publication id of the dossier dataset for this run, and its CKAN package name."""
        publication_id = f"tthc.dossiers.{letter}{self.run_id}"
        name = portal_name(publication_id)
        self.packages.add(name)
        return publication_id, name

    def hub(
        self,
        publications: list[dict[str, Any]],
        *,
        folder: str = "kho",
        agency: str = AGENCY,
        portal: str = CKAN_URL,
        token: str | None = None,
        **overrides: Any,
    ) -> Hub:
        root = self.tmp_path / folder
        root.mkdir(parents=True, exist_ok=True)
        specs = root / "publications.yaml"
        specs.write_text(
            yaml.safe_dump({"publications": publications}, allow_unicode=True), encoding="utf-8"
        )
        if agency != AGENCY:  # the dossiers owned by a fresh agency: a fresh CKAN organisation
            catalogue = root / "datasets.yaml"
            catalogue.write_text(_DATASETS_YAML.replace(AGENCY, agency), encoding="utf-8")
            overrides["catalogue_path"] = catalogue
            self.organisations.add(agency)
        data = root / "data"
        fields: dict[str, Any] = {"publish_backoff_s": 0.05, "publish_retries": 3, **overrides}
        settings = KhoSettings(
            data_dir=data,
            bus_url=f"embedded:{data / 'bus.sqlite3'}",
            database_url=f"sqlite:///{data / 'kho.sqlite3'}",
            portal_url=f"ckan+{portal}",
            ckan_api_token=SecretStr(token or self.token),
            publications_path=specs,
            **fields,
        )
        hub = build_hub(settings)
        self.hubs.append(hub)
        return hub

    def purge(self) -> None:
        for name in self.packages:
            _quietly(self.ckan.action.dataset_purge, id=name)
        for org in self.organisations:
            _quietly(self.ckan.action.organization_purge, id=org)
        for user in self.users:
            _quietly(self.ckan.action.user_delete, id=user)


def _quietly(action: Any, **data: Any) -> None:
    try:
        action(**data)
    except ckanapi.NotFound:
        pass


@pytest.fixture
def bench(tmp_path: Path, run_id: str, ckan_token: str) -> Iterator[Bench]:
    with ckanapi.RemoteCKAN(CKAN_URL, apikey=ckan_token) as ckan:
        bench = Bench(tmp_path, run_id, ckan_token, ckan)
        try:
            yield bench
        finally:
            for hub in bench.hubs:
                hub.close()
            bench.purge()


def ingest(hub: Hub, rows: int, *, seed: int = 5) -> int:
    """Sample dossiers through the iGate connector onto the hub's bus; the valid count."""
    export = write_dossier_export(
        hub.settings.data_dir.parent / f"hs-{seed}-{rows}.csv", rows=rows, seed=seed
    )
    config = load_connector_config(DOSSIER_CONNECTOR)
    run_connector(config, export.path, hub.writer(config.dataset))
    return export.valid_rows


def publish(hub: Hub, *, plan: bool = False) -> dict[str, PublishResult]:
    return {r.publication_id: r for r in hub.publisher().run(CLI, plan=plan)}


def served(ckan: ckanapi.RemoteCKAN, name: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The package, and its resources' hashes by name, checked: exactly Kho's four files, each
    an upload under Kho's stable id, each ``hash`` the SHA-256 of the file CKAN serves."""
    package: dict[str, Any] = ckan.action.package_show(id=name)
    resources = package["resources"]
    assert sorted(r["name"] for r in resources) == files_of(name)
    hashes = {}
    for resource in resources:
        assert resource["id"] == resource_id(name, resource["name"])
        assert resource["url_type"] == "upload"
        download = httpx.get(resource["url"], timeout=30)
        assert download.status_code == 200, resource["url"]
        assert hashlib.sha256(download.content).hexdigest() == resource["hash"], resource["name"]
        hashes[resource["name"]] = resource["hash"]
    return package, hashes


def audited_files(hub: Hub, publication_id: str) -> dict[str, str]:
    """SHA-256 by file name of what the hub last published, from its audit log."""
    entries = [
        e
        for e in hub.audit.query(AuditFilter(action=DATASET_PUBLISH))
        if e.details["publication"] == publication_id
    ]
    assert entries, f"no {DATASET_PUBLISH} entry for {publication_id}"
    files: dict[str, str] = entries[-1].details["files"]
    return files


def packages_of(ckan: ckanapi.RemoteCKAN, publication_id: str) -> list[str]:
    """Every package, public or private, carrying this publication id."""
    found = ckan.action.package_search(
        fq=f'extras_kho_publication_id:"{publication_id}"',
        include_private=True,
        include_drafts=True,
        rows=10,
    )
    return [p["name"] for p in found["results"]]


def public_view(name: str) -> dict[str, Any] | None:
    """The package as an anonymous visitor sees it, or None when hidden from them."""
    with ckanapi.RemoteCKAN(CKAN_URL) as anonymous:
        try:
            package: dict[str, Any] = anonymous.action.package_show(id=name)
        except (ckanapi.NotFound, ckanapi.NotAuthorized):
            return None
    return package


def test_a_first_run_creates_four_resources_whose_hash_is_the_served_file(bench: Bench) -> None:
    """Created under the publication's name in the agency's organisation, public: CSV, JSON,
    Parquet and the dictionary, uploaded under Kho's stable ids, each ``hash`` the SHA-256 of
    the file CKAN serves and of the file the publisher audited."""
    publication_id, name = bench.publication("a")
    hub = bench.hub([figures(publication_id)])
    ingest(hub, 600)
    hub.approvals.grant(publication_id, actor=STEWARD, note="số liệu tổng hợp")

    result = publish(hub)[publication_id]

    assert (result.status, result.action) == ("published", "created"), result.reason
    assert name == f"tthc-dossiers-a{bench.run_id}"
    assert sorted(result.uploads) == files_of(name)
    assert result.location == f"{CKAN_URL}/dataset/{name}"
    package, hashes = served(bench.ckan, name)
    assert package["organization"]["name"] == AGENCY
    assert (package["private"], package["state"]) == (False, "active")
    assert {e["key"]: e["value"] for e in package["extras"]}["kho_publication_id"] == publication_id
    formats = {r["name"]: r["format"].rsplit("/", 1)[-1] for r in package["resources"]}
    assert formats == {
        f"{name}.csv": "CSV",
        f"{name}.json": "JSON",
        f"{name}.parquet": "PARQUET",
        f"{name}-tu-dien-du-lieu.csv": "CSV",
    }
    assert hashes == audited_files(hub, publication_id)
    assert public_view(name) is not None
    assert packages_of(bench.ckan, publication_id) == [name]


def test_a_first_run_uploads_its_four_files_in_one_request(bench: Bench) -> None:
    """CKAN validates and indexes a dataset on every change, so the four files go up in one
    ``package_revise`` (the dataset created just before it), each under Kho's stable id."""
    publication_id, name = bench.publication("o")
    with FaultProxy(CKAN_URL, forward_all) as proxy:
        hub = bench.hub([figures(publication_id)], portal=proxy.url)
        ingest(hub, 600)
        hub.approvals.grant(publication_id, actor=STEWARD, note="số liệu tổng hợp")

        result = publish(hub)[publication_id]

    assert (result.status, result.action) == ("published", "created"), result.reason
    writes = [s.action for s in proxy.seen if s.action in ("package_create", "package_revise")]
    assert writes == ["package_create", "package_revise"]
    assert sum(is_upload(s) for s in proxy.seen) == 1
    package, hashes = served(bench.ckan, name)
    assert {r["name"]: r["id"] for r in package["resources"]} == {
        file: resource_id(name, file) for file in files_of(name)
    }
    assert hashes == audited_files(hub, publication_id)


def test_a_second_run_changes_nothing_on_ckan(bench: Bench) -> None:
    """The same data again: ``unchanged``, nothing uploaded, the same resource ids, and CKAN's
    ``metadata_modified`` as it was."""
    publication_id, name = bench.publication("b")
    hub = bench.hub([figures(publication_id)])
    ingest(hub, 600)
    hub.approvals.grant(publication_id, actor=STEWARD, note="số liệu tổng hợp")
    assert publish(hub)[publication_id].action == "created"
    before = bench.ckan.action.package_show(id=name)

    second = publish(hub)[publication_id]

    after, _ = served(bench.ckan, name)
    assert {r["name"]: r["id"] for r in after["resources"]} == {
        r["name"]: r["id"] for r in before["resources"]
    }
    held_sizes = {r["name"]: r["size"] for r in before["resources"]}
    assert (second.status, second.action, second.uploads) == ("published", "unchanged", ()), (
        f"{REUPLOADED}: {second.uploads}; sizes CKAN holds: {held_sizes}"
    )
    assert after["metadata_modified"] == before["metadata_modified"]


def test_plan_after_new_records_names_the_changed_files_and_changes_nothing(bench: Bench) -> None:
    """New dossiers, then ``plan``: ``updated``, naming exactly the files whose bytes the real
    run then changes on CKAN; the plan itself leaves CKAN and the audit log as they were."""
    publication_id, name = bench.publication("p")
    hub = bench.hub([figures(publication_id)])
    ingest(hub, 600)
    hub.approvals.grant(publication_id, actor=STEWARD, note="số liệu tổng hợp")
    assert publish(hub)[publication_id].action == "created"
    before, before_hashes = served(bench.ckan, name)
    ingest(hub, 150, seed=6)

    planned = publish(hub, plan=True)[publication_id]

    assert (planned.status, planned.action) == ("planned", "updated"), planned.reason
    untouched = bench.ckan.action.package_show(id=name)
    assert untouched["metadata_modified"] == before["metadata_modified"]
    assert {r["name"]: r["hash"] for r in untouched["resources"]} == before_hashes
    assert len(hub.audit.query(AuditFilter(action=DATASET_PUBLISH))) == 1

    run = publish(hub)[publication_id]

    assert (run.status, run.action) == ("published", "updated"), run.reason
    _, hashes = served(bench.ckan, name)
    assert hashes == audited_files(hub, publication_id)
    changed = sorted(n for n in hashes if hashes[n] != before_hashes[n])
    assert changed == sorted([f"{name}.csv", f"{name}.json", f"{name}.parquet"])
    assert sorted(planned.uploads) == changed, f"{REUPLOADED}; planned: {planned.uploads}"
    assert sorted(run.uploads) == changed, f"{REUPLOADED}; uploaded: {run.uploads}"


def test_revocation_hides_or_deletes_and_a_new_approval_restores_the_same_package(
    bench: Bench,
) -> None:
    """Revoked with ``private``: the package stays, hidden from visitors. Revoked with
    ``delete``: its state is ``deleted``. Each time a new approval brings back the same
    package (same id), public, with the same four resource ids and no second package."""
    publication_id, name = bench.publication("r")
    hub = bench.hub([figures(publication_id)])
    ingest(hub, 600)
    hub.approvals.grant(publication_id, actor=STEWARD, note="số liệu tổng hợp")
    assert publish(hub)[publication_id].action == "created"
    original, _ = served(bench.ckan, name)
    ids = {r["name"]: r["id"] for r in original["resources"]}

    hub.approvals.revoke(publication_id, actor=STEWARD, reason="rà soát lại")
    hidden = publish(hub)[publication_id]
    assert (hidden.status, hidden.action) == ("withdrawn", "withdrawn"), hidden.reason
    shown = bench.ckan.action.package_show(id=name)
    assert (shown["private"], shown["state"], len(shown["resources"])) == (True, "active", 4)
    assert public_view(name) is None
    still = publish(hub)[publication_id]  # already private: nothing more to do
    assert (still.status, still.action) == ("waiting", "absent")

    hub.approvals.grant(publication_id, actor=STEWARD, note="đã rà soát")
    back = publish(hub)[publication_id]
    assert (back.status, back.action) == ("published", "updated"), back.reason
    restored, _ = served(bench.ckan, name)
    assert restored["id"] == original["id"] and not restored["private"]
    assert {r["name"]: r["id"] for r in restored["resources"]} == ids
    assert public_view(name) is not None

    deleting = dataclasses.replace(
        hub, settings=hub.settings.model_copy(update={"publish_withdraw": "delete"})
    )
    hub.approvals.revoke(publication_id, actor=STEWARD, reason="sai số liệu")
    deleted = publish(deleting)[publication_id]
    assert (deleted.status, deleted.action) == ("withdrawn", "withdrawn"), deleted.reason
    assert bench.ckan.action.package_show(id=name)["state"] == "deleted"
    assert public_view(name) is None
    again = publish(deleting)[publication_id]
    assert (again.status, again.action) == ("waiting", "absent")

    deleting.approvals.grant(publication_id, actor=STEWARD, note="đã sửa")
    revived = publish(deleting)[publication_id]
    assert (revived.status, revived.action) == ("published", "updated"), revived.reason
    package, hashes = served(bench.ckan, name)
    assert package["id"] == original["id"]
    assert (package["state"], package["private"]) == ("active", False)
    assert {r["name"]: r["id"] for r in package["resources"]} == ids
    assert hashes == audited_files(deleting, publication_id)
    assert public_view(name) is not None
    assert packages_of(bench.ckan, publication_id) == [name]


def test_a_token_without_rights_blocks_its_publication_and_the_run_goes_on(bench: Bench) -> None:
    """A CKAN user who is no member of the agency's organisation: the approved publication is
    ``blocked`` with the reason naming the token, nothing reaches CKAN, and the next
    publication is still reported on its own (waiting for its approval)."""
    if not _exists(bench.ckan.action.organization_show, id=AGENCY):
        bench.ckan.action.organization_create(name=AGENCY, title="Văn phòng UBND tỉnh")
    user = f"kho-no-rights-{bench.run_id}"
    bench.ckan.action.user_create(
        name=user, email=f"{user}@example.invalid", password=f"Kho-{bench.run_id}-matkhau"
    )
    bench.users.add(user)
    token = bench.ckan.action.api_token_create(user=user, name="kho-test")["token"]
    approved, approved_name = bench.publication("u")
    pending, pending_name = bench.publication("v")
    hub = bench.hub([figures(approved), figures(pending)], token=token)
    ingest(hub, 600)
    hub.approvals.grant(approved, actor=STEWARD, note="số liệu tổng hợp")

    results = hub.publisher().run(CLI)

    assert [r.publication_id for r in results] == [approved, pending]
    blocked, waiting = results
    assert blocked.status == "blocked" and blocked.failed
    assert "từ chối quyền cho thao tác package_create" in (blocked.reason or "")
    assert "KHO_CKAN_API_TOKEN" in (blocked.reason or "")
    assert blocked.uploads == ()
    assert (waiting.status, waiting.action, waiting.reason) == ("waiting", "absent", NOT_APPROVED)
    assert not _exists(bench.ckan.action.package_show, id=approved_name)
    assert not _exists(bench.ckan.action.package_show, id=pending_name)


def _exists(action: Any, **data: Any) -> bool:
    try:
        action(**data)
    except ckanapi.NotFound:
        return False
    return True


def test_a_file_over_the_size_limit_blocks_its_publication_before_any_request(
    bench: Bench,
) -> None:
    """With a 1 MB limit the dossier history's CSV is too large: blocked with the size reason,
    not one request about it reaches CKAN; the small figures in the same run are published."""
    big, big_name = bench.publication("h")
    small, small_name = bench.publication("f")
    with FaultProxy(CKAN_URL) as proxy:
        hub = bench.hub([history(big), figures(small)], portal=proxy.url, portal_max_resource_mb=1)
        ingest(hub, ROWS_OVER_1_MIB)
        hub.approvals.grant(big, actor=STEWARD, note="hồ sơ không có người nộp")
        hub.approvals.grant(small, actor=STEWARD, note="số liệu tổng hợp")

        results = publish(hub)

    blocked = results[big]
    assert blocked.status == "blocked", blocked.reason
    reason = blocked.reason or ""
    weight = re.search(rf"tệp {big_name}\.csv nặng ([0-9.]+) MB, quá giới hạn 1 MB", reason)
    assert weight is not None, reason
    assert float(weight.group(1)) > 1.0
    assert blocked.uploads == ()
    assert not [s.path for s in proxy.seen if s.mentions(big_name)]
    assert not _exists(bench.ckan.action.package_show, id=big_name)
    assert (results[small].status, results[small].action) == ("published", "created")
    served(bench.ckan, small_name)


def meet_once(*actions: str) -> tuple[Rule, list[str]]:
    """A proxy rule that holds the first request of each action until a second one arrives,
    then lets both go to CKAN at once; later requests pass. The list names the actions whose
    pair met (a request waiting alone more than 15 s goes on by itself)."""
    barriers = {a: threading.Barrier(2) for a in actions}
    arrivals = dict.fromkeys(actions, 0)
    met: list[str] = []
    lock = threading.Lock()

    def rule(seen: Seen) -> Fault:
        if seen.action not in barriers:
            return Fault.FORWARD
        with lock:
            arrivals[seen.action] += 1
            first_pair = arrivals[seen.action] <= 2
        if first_pair:
            try:
                if barriers[seen.action].wait(timeout=15) == 0:
                    met.append(seen.action)
            except threading.BrokenBarrierError:
                pass
        return Fault.FORWARD

    return rule, met


@pytest.mark.parametrize("creates", ["together", "one-after-the-other"])
def test_two_publishers_at_once_make_one_package_of_four_resources(
    bench: Bench, creates: str
) -> None:
    """Two ``kho publish`` processes of one hub publish the same approved publication to a
    fresh organisation. The proxy makes their first organization_show and organization_create
    reach CKAN together, and their package_create either together too (CKAN mostly refuses
    one with a 500 from its unique index) or one after the other (CKAN refuses the second as
    a name already taken, 409). Either way both runs succeed, at most one says it created,
    and CKAN ends with one package of four distinct resources whose hashes are the served
    files."""
    agency = f"vp-ubnd-c{bench.run_id}"
    steward = Actor("token:steward", agency=agency)
    publication_id, name = bench.publication("c")
    together = creates == "together"
    meet_actions = ["organization_show", "organization_create"]
    meet_actions += ["package_create"] if together else []
    meet, met = meet_once(*meet_actions)
    proxy = FaultProxy(CKAN_URL)

    def rule(seen: Seen) -> Fault:
        creations = [s for s in proxy.seen if s.action == "package_create"]
        if not together and seen.action == "package_create" and creations[0] is not seen:
            proxy.wait_answered(lambda s: s.action == "package_create")
        return meet(seen)

    proxy.rule = rule
    with proxy:
        hub = bench.hub([figures(publication_id)], agency=agency, portal=proxy.url)
        ingest(hub, 600)
        hub.approvals.grant(publication_id, actor=steward, note="số liệu tổng hợp")
        logs = [hub.settings.data_dir.parent / f"kho-publish-{n}.log" for n in (1, 2)]
        processes = [_kho_publish(hub.settings, publication_id, log) for log in logs]
        try:
            codes = [p.wait(timeout=120) for p in processes]
        finally:
            for process in processes:
                process.kill()
                process.wait(timeout=30)

    outputs = "\n".join(log.read_text(encoding="utf-8") for log in logs)
    assert sorted(met) == sorted(meet_actions), met
    creations = [status for seen, status in proxy.answered if seen.action == "package_create"]
    # Together: CKAN's name check passes for both and its unique index refuses one (a 500), or
    # the check already sees the other's (409).
    # One after the other, the second may also read the first's package before trying to
    # create it, and then never sends a package_create.
    allowed = [[200, 409], [200, 500]] if together else [[200], [200, 409]]
    assert sorted(creations) in allowed, creations
    # CKAN's refusals of a write based on a stale read (409: name taken, metadata_modified moved)
    refused = [seen.action for seen, status in proxy.answered if status == 409]
    assert codes == [0, 0], f"CKAN refused {refused}\n{outputs}"  # 1: a publication failed
    outcomes = [
        e.details["outcome"]
        for e in hub.audit.query(AuditFilter(action=DATASET_PUBLISH))
        if e.details["publication"] == publication_id
    ]
    assert len(outcomes) == 2 and set(outcomes) <= {"created", "updated", "unchanged"}, outcomes
    assert outcomes.count("created") <= 1, outcomes
    package, hashes = served(bench.ckan, name)
    assert package["organization"]["name"] == agency
    assert packages_of(bench.ckan, publication_id) == [name]
    assert hashes == audited_files(hub, publication_id)


@pytest.mark.parametrize(
    "fault", [Fault.UNAVAILABLE, Fault.UNAVAILABLE_AFTER], ids=["not-applied", "applied"]
)
def test_ckan_answering_503_mid_publication_is_retried_to_the_right_state(
    bench: Bench, fault: Fault
) -> None:
    """The first two uploads are answered 503 — without reaching CKAN, or after CKAN applied
    them: the publication is retried with backoff, re-reading CKAN each time, and ends
    published with exactly the four right files. One upload carries all four files, so once
    CKAN has applied one, the retry finds nothing left to upload."""
    publication_id, name = bench.publication("s")
    with FaultProxy(CKAN_URL, nth_to_mth(is_upload, 1, 2, fault)) as proxy:
        hub = bench.hub([figures(publication_id)], portal=proxy.url, publish_retries=3)
        ingest(hub, 600)
        hub.approvals.grant(publication_id, actor=STEWARD, note="số liệu tổng hợp")

        result = publish(hub)[publication_id]

    refused = 2 if fault is Fault.UNAVAILABLE else 1
    assert [(s.action, f) for s, f in proxy.faults] == [("package_revise", fault)] * refused
    assert result.status == "published", result.reason
    # created by the first attempt; its files stored by the third, or already by the first
    assert result.action == ("updated" if fault is Fault.UNAVAILABLE else "unchanged")
    assert set(result.uploads) <= set(files_of(name))
    _, hashes = served(bench.ckan, name)
    assert hashes == audited_files(hub, publication_id)
    assert packages_of(bench.ckan, publication_id) == [name]


def test_ckan_down_fails_the_publication_skips_the_rest_and_a_later_run_converges(
    bench: Bench,
) -> None:
    """From the first upload on CKAN answers only 503: with 2 retries the publication fails
    with the portal's reason after three attempts, the next one is reported not attempted
    (and no request names it), and a run once CKAN answers again publishes both, the half-made
    package completed rather than duplicated."""
    first, first_name = bench.publication("d")
    second, second_name = bench.publication("e")
    with FaultProxy(CKAN_URL, from_first(is_upload)) as proxy:
        hub = bench.hub([figures(first), figures(second)], portal=proxy.url, publish_retries=2)
        ingest(hub, 600)
        hub.approvals.grant(first, actor=STEWARD, note="số liệu tổng hợp")
        hub.approvals.grant(second, actor=STEWARD, note="số liệu tổng hợp")

        down = hub.publisher().run(CLI)

        assert [r.publication_id for r in down] == [first, second]
        failed, skipped = down
        assert failed.status == "failed"
        assert "Không kết nối được tới cổng dữ liệu mở CKAN" in (failed.reason or "")
        assert "503" in (failed.reason or "")
        assert skipped.status == "failed"
        assert (skipped.reason or "").startswith("không thử: Không kết nối được")
        assert len(proxy.faults) == 3  # the upload, then one request per retry
        assert not [s.path for s in proxy.seen if s.mentions(second_name)]
        half = bench.ckan.action.package_show(id=first_name)
        assert half["resources"] == []  # created before the fault, nothing uploaded

        proxy.rule = forward_all
        again = publish(hub)

    assert (again[first].status, again[first].action) == ("published", "updated")
    assert (again[second].status, again[second].action) == ("published", "created")
    for publication_id, name in ((first, first_name), (second, second_name)):
        _, hashes = served(bench.ckan, name)
        assert hashes == audited_files(hub, publication_id)
        assert packages_of(bench.ckan, publication_id) == [name]
    print(
        f"\nCKAN down mid-publish: package created, then {len(proxy.faults)} requests refused"
        f" 503 (the upload and 2 retries); 1 publication failed with the portal's reason, 1 not"
        f" attempted; CKAN back: both published (the half-made package completed, 1 package"
        f" each, files as audited), 0 duplicated"
    )


def _kho_publish(settings: KhoSettings, publication_id: str, log: Path) -> subprocess.Popen[bytes]:
    token = settings.ckan_api_token
    assert token is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    env.update(
        COLUMNS="400",  # the run summary unabridged, for failure messages
        KHO_DATA_DIR=str(settings.data_dir),
        KHO_BUS_URL=settings.bus_url,
        KHO_DATABASE_URL=settings.database_url,
        KHO_PORTAL_URL=settings.portal_url,
        KHO_CKAN_API_TOKEN=token.get_secret_value(),
        KHO_PUBLICATIONS_PATH=str(settings.publications_path),
        KHO_CATALOGUE_PATH=str(settings.catalogue_path),
        KHO_PUBLISH_RETRIES=str(settings.publish_retries),
        KHO_PUBLISH_BACKOFF_S=str(settings.publish_backoff_s),
        # Off: these processes test the CKAN adapter's own safety against two writers (two
        # hubs on one portal); one hub's publishers otherwise take turns (opendata.publish_lock).
        KHO_PUBLISH_LOCK="false",
    )
    with log.open("wb") as out:
        return subprocess.Popen(
            [str(Path(sys.executable).with_name("kho")), "publish", "--only", publication_id],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


@pytest.mark.parametrize(
    "hold", [Fault.HOLD_BEFORE, Fault.HOLD_AFTER], ids=["before-forwarding", "after-forwarding"]
)
def test_a_publisher_killed_at_its_first_upload_is_finished_by_the_next_run(
    bench: Bench, hold: Fault
) -> None:
    """``kho publish`` is SIGKILLed while its upload is held by the proxy — before CKAN got it,
    or after CKAN stored it. One ``package_revise`` carries all four files, so CKAN holds the
    package with no file, or with all four; the next run uploads only what is missing and ends
    with one package of four right files."""
    publication_id, name = bench.publication("k")
    with FaultProxy(CKAN_URL, nth_to_mth(is_upload, 1, 1, hold)) as proxy:
        hub = bench.hub([figures(publication_id)], portal=proxy.url)
        ingest(hub, 600)
        hub.approvals.grant(publication_id, actor=STEWARD, note="số liệu tổng hợp")
        log = hub.settings.data_dir.parent / "kho-publish.log"
        process = _kho_publish(hub.settings, publication_id, log)
        try:
            deadline = time.monotonic() + 60
            while not proxy.held.wait(timeout=0.2):  # the event, or the process ending early
                assert process.poll() is None, log.read_text(encoding="utf-8")
                assert time.monotonic() < deadline, "no upload reached the proxy in 60 s"
        finally:
            process.kill()
            process.wait(timeout=30)
        proxy.release()
        assert process.returncode == -signal.SIGKILL

        half = bench.ckan.action.package_show(id=name)
        stored = {r["name"]: r["hash"] for r in half["resources"]}
        assert sorted(stored) == ([] if hold is Fault.HOLD_BEFORE else sorted(files_of(name)))

        proxy.rule = forward_all
        result = publish(hub)[publication_id]

    missing = sorted(set(files_of(name)) - set(stored))
    assert result.status == "published", result.reason
    # with every file stored, what may be left is the metadata of this run's own description
    assert result.action in ({"updated"} if missing else {"updated", "unchanged"})
    _, hashes = served(bench.ckan, name)
    assert hashes == audited_files(hub, publication_id)
    assert {n: hashes[n] for n in stored} == stored  # the files stored before the kill were right
    assert packages_of(bench.ckan, publication_id) == [name]
    assert sorted(result.uploads) == missing, f"{REUPLOADED}; uploaded: {result.uploads}"
