"""The authorisation matrix, generated from the catalogue file: every endpoint × every agency ×
every role (and callers without or with a bad token) → the answer the rules below expect; and
on Kafka, every agency × every dataset → the ACLs `kho acl sync` must write.

The expectations are written here from the catalogue's raw YAML and the rules of the sharing
layer as users are told them (README, "Sharing"), not by calling hub.auth.policy or
hub.sharing.policy: a change to the policy that grants more than these rules is caught as an
unexpected allow. The test fails on any unexpected allow and on any unexpected deny, and prints
each mismatch. The Kafka expectations derive from the same HTTP expectation (`expect_read`), so
the two paths cannot drift apart.

Rules:
- restricted datasets exist only for their owner agency and admins (404 for everyone else);
- reading records needs a consumer, steward or admin token, or no token at all (the public);
  the owner, admins and consumers granted personal data read every field, other grantees
  the masked projection; anyone else the public projection when the dataset is open or has
  one, else 403;
- on Kafka an agency reads the topic that carries the projection it reads over HTTP
  (`KAFKA_CARRIER`); the owner also writes its topic and reads its `.masked` and `.dlq`;
- writing needs a producer of the owner agency, or an admin;
- the audit log is for admins;
- a token that is sent must be valid (401), on every endpoint.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from connectors.samples.dossiers import dossier_documents
from hub.acl import AclBinding, desired_acls
from hub.app.api import build_app
from hub.app.wiring import Hub, build_hub
from hub.auth.tokens import Role
from hub.catalogue.loader import load_catalogue
from hub.settings import KhoSettings
from tests.paths import CATALOGUE_DIR, SCHEMAS_DIR
from tests.serving import serve_app

RAW = yaml.safe_load((CATALOGUE_DIR / "datasets.yaml").read_text(encoding="utf-8"))
AGENCIES = [a["id"] for a in RAW["agencies"]]
DATASETS = {d["id"]: d for d in RAW["datasets"]}
ROLES = ["producer", "consumer", "steward", "admin"]
READERS = {"consumer", "steward", "admin"}


@dataclass(frozen=True)
class Caller:
    name: str
    agency: str | None = None
    role: str | None = None
    token: str | None = None  # "bad" tokens carry the reason instead of an agency

    def headers(self, plaintext: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {plaintext}"} if plaintext else {}


@dataclass(frozen=True)
class Expected:
    status: int
    projection: str | None = None


def _personal(dataset: dict[str, Any]) -> bool:
    import json

    schema = json.loads((SCHEMAS_DIR / dataset["schema"]).read_text("utf-8"))
    return any(f.get("personal") for f in schema["fields"])


def _hidden(caller: Caller, dataset: dict[str, Any]) -> bool:
    if dataset["classification"] != "restricted":
        return False
    return not (caller.role == "admin" or caller.agency == dataset["owner"])


def expect_read(caller: Caller, dataset: dict[str, Any]) -> Expected:
    if _hidden(caller, dataset):
        return Expected(404)
    if caller.agency is not None and caller.role not in READERS:
        return Expected(403)
    grants = {g["agency"]: g for g in dataset.get("consumers", [])}
    if caller.role == "admin" or (caller.agency and caller.agency == dataset["owner"]):
        return Expected(200, "full")
    if caller.agency in grants:
        return Expected(200, "full" if grants[caller.agency].get("personal_data") else "masked")
    if dataset["classification"] == "open" or dataset.get("open_projection"):
        return Expected(200, "public")
    return Expected(403)


def expect_show(caller: Caller, dataset: dict[str, Any]) -> Expected:
    return Expected(404) if _hidden(caller, dataset) else Expected(200)


def expect_write(caller: Caller, dataset: dict[str, Any]) -> Expected:
    if caller.agency is None:
        return Expected(401)
    if _hidden(caller, dataset):
        return Expected(404)
    if caller.role == "admin" or (caller.role == "producer" and caller.agency == dataset["owner"]):
        return Expected(400)  # allowed: past the write check, the empty batch is refused
    return Expected(403)


def expect_audit(caller: Caller) -> Expected:
    if caller.agency is None:
        return Expected(401)
    return Expected(200) if caller.role == "admin" else Expected(403)


CALLERS = [Caller("public")] + [
    Caller(f"{agency}/{role}", agency, role) for agency in AGENCIES for role in ROLES
]
BAD_TOKENS = ["missing_on_write", "malformed", "unknown", "revoked", "expired"]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Hub, dict[str, str]]]:
    root = tmp_path_factory.mktemp("matrix")
    settings = KhoSettings(
        data_dir=root,
        bus_url=f"embedded:{root / 'bus.sqlite3'}",
        database_url=f"sqlite:///{root / 'kho.sqlite3'}",
        stream_poll_interval_s=0.05,
    )
    hub = build_hub(settings)
    tokens = {
        c.name: hub.tokens.create(str(c.agency), frozenset({Role(str(c.role))})).plaintext
        for c in CALLERS
        if c.agency
    }
    with serve_app(build_app(hub)) as base_url:
        yield base_url, hub, tokens
    hub.close()


def _observe(client: httpx.Client, method: str, path: str, headers: dict[str, str]) -> Expected:
    if path.endswith("/stream"):
        with client.stream(method, path, headers=headers) as answer:
            return Expected(answer.status_code)
    answer = client.request(method, path, headers=headers, json=[] if method == "POST" else None)
    body = answer.json()
    return Expected(answer.status_code, body.get("projection") if method == "GET" else None)


def test_every_endpoint_agency_and_role_answers_as_the_catalogue_says(
    served: tuple[str, Hub, dict[str, str]],
) -> None:
    base_url, _, tokens = served
    unexpected_allows: list[str] = []
    unexpected_denies: list[str] = []
    checked = 0
    with httpx.Client(base_url=base_url, timeout=20) as client:
        for caller in CALLERS:
            headers = caller.headers(tokens.get(caller.name))
            cases: list[tuple[str, str, Expected]] = [
                ("GET", "/api/v1/audit", expect_audit(caller))
            ]
            for dataset_id, dataset in DATASETS.items():
                base = f"/api/v1/datasets/{dataset_id}"
                read = expect_read(caller, dataset)
                cases += [
                    ("GET", base, expect_show(caller, dataset)),
                    ("GET", f"{base}/records", read),
                    ("GET", f"{base}/stream", Expected(read.status)),
                    ("POST", f"{base}/records", expect_write(caller, dataset)),
                ]
            for method, path, expected in cases:
                observed = _observe(client, method, path, headers)
                checked += 1
                if observed == expected:
                    continue
                line = f"{caller.name:>18} {method} {path}: expected {expected}, got {observed}"
                allowed_more = observed.status < 300 <= expected.status or (
                    expected.projection != observed.projection
                    and _rank(observed.projection) > _rank(expected.projection)
                )
                (unexpected_allows if allowed_more else unexpected_denies).append(line)
    assert checked == len(CALLERS) * (1 + 4 * len(DATASETS))
    assert not unexpected_allows, "unexpected allows:\n" + "\n".join(unexpected_allows)
    assert not unexpected_denies, "unexpected denies:\n" + "\n".join(unexpected_denies)


def _rank(projection: str | None) -> int:
    return {None: 0, "public": 1, "masked": 2, "full": 3}[projection]


def test_catalogue_lists_exactly_the_visible_datasets(
    served: tuple[str, Hub, dict[str, str]],
) -> None:
    base_url, _, tokens = served
    with httpx.Client(base_url=base_url, timeout=20) as client:
        for caller in CALLERS:
            answer = client.get(
                "/api/v1/catalogue", headers=caller.headers(tokens.get(caller.name))
            )
            listed = {d["id"] for d in answer.json()["datasets"]}
            expected = {i for i, d in DATASETS.items() if not _hidden(caller, d)}
            assert listed == expected, caller.name


def test_a_bad_token_is_refused_on_every_endpoint(served: tuple[str, Hub, dict[str, str]]) -> None:
    """Malformed, unknown, revoked and expired tokens get 401 everywhere, with their reason;
    a write without a token too."""
    base_url, hub, _ = served
    revoked = hub.tokens.create("vp-ubnd", frozenset({Role.ADMIN}))
    hub.tokens.revoke(revoked.token_id)
    expired = hub.tokens.create("vp-ubnd", frozenset({Role.ADMIN}), valid_for=dt.timedelta(0))
    bad = {
        "malformed_token": "kho_xyz",
        "unknown_token": "kho_000000000000_khongdung",
        "revoked_token": revoked.plaintext,
        "expired_token": expired.plaintext,
    }
    paths = ["/api/v1/catalogue", "/api/v1/audit"] + [
        f"/api/v1/datasets/{d}{suffix}" for d in DATASETS for suffix in ("", "/records")
    ]
    with httpx.Client(base_url=base_url, timeout=20) as client:
        for reason, token in bad.items():
            for path in paths:
                for method in ("GET", "POST") if path.endswith("/records") else ("GET",):
                    answer = client.request(
                        method, path, headers={"Authorization": f"Bearer {token}"}, json=[]
                    )
                    assert answer.status_code == 401, (reason, method, path)
                    assert answer.json()["error"]["code"] == reason, (method, path)
        for dataset_id in DATASETS:
            answer = client.post(f"/api/v1/datasets/{dataset_id}/records", json=[])
            assert (answer.status_code, answer.json()["error"]["code"]) == (401, "missing_token")


# --- the Kafka side: the ACLs of `kho acl sync` ------------------------------------------------

# README, "Sharing": on Kafka an agency reads the topic that carries the projection it reads over
# HTTP, by (that projection, whether the schema has personal fields): the suffix added to the
# dataset's topic, or None for no ACL at all (the public projection of a record with personal
# fields is not on Kafka: read it over HTTP). A projection equal to the whole record is the topic.
KAFKA_CARRIER: dict[tuple[str, bool], str | None] = {
    ("full", True): "",
    ("full", False): "",
    ("masked", True): ".masked",
    ("masked", False): "",
    ("public", True): None,
    ("public", False): "",
}
# README, "Kafka security": what the owner holds besides reading (suffix, operation).
OWNER_EXTRAS = {
    ("", "WRITE"),
    ("", "DESCRIBE"),
    (".masked", "READ"),
    (".masked", "DESCRIBE"),
    (".dlq", "READ"),
    (".dlq", "DESCRIBE"),
}
TopicAcl = tuple[str, str]  # (topic, operation)
DATASET_TOPIC_SUFFIXES = (".masked", ".dlq")


def _dataset_topic(name: str) -> str:
    """The dataset topic a topic belongs to: itself, or the topic of its .masked or .dlq."""
    for suffix in DATASET_TOPIC_SUFFIXES:
        name = name.removesuffix(suffix)
    return name


def _held(acls: frozenset[AclBinding], agency: str, topic: str) -> set[TopicAcl]:
    """The topic ACLs an agency holds on a dataset's topic, .masked and .dlq."""
    return {
        (a.resource_name, a.operation.value)
        for a in acls
        if a.principal == f"User:{agency}"
        and a.resource_type.value == "TOPIC"
        and _dataset_topic(a.resource_name) == topic
    }


def expect_kafka(agency: str, dataset: dict[str, Any]) -> set[TopicAcl]:
    """The topic ACLs an agency's Kafka user holds on a dataset's topics (it reads as the
    agency's consumer would over HTTP)."""
    read = expect_read(Caller(agency, agency, "consumer"), dataset)
    expected: set[TopicAcl] = set()
    if read.status == 200:
        suffix = KAFKA_CARRIER[(str(read.projection), _personal(dataset))]
        if suffix is not None:
            expected |= {(dataset["topic"] + suffix, op) for op in ("READ", "DESCRIBE")}
    if agency == dataset["owner"]:
        expected |= {(dataset["topic"] + suffix, op) for suffix, op in OWNER_EXTRAS}
    return expected


def variant_catalogue(raw: dict[str, Any]) -> dict[str, Any]:
    """The shipped catalogue with the cases it lacks: an open dataset with personal (and
    pseudonymised) fields, tthc.dossiers made open; and a shared dataset without personal
    fields, granted without the personal-data right."""
    variant: dict[str, Any] = yaml.safe_load(yaml.safe_dump(raw, allow_unicode=True))
    dossiers = next(d for d in variant["datasets"] if d["id"] == "tthc.dossiers")
    dossiers["classification"] = "open"
    salinity = next(d for d in variant["datasets"] if d["id"] == "salinity.readings")
    shared = dict(salinity, id="salinity.shared_readings", topic="salinity.shared_readings")
    shared.update(
        classification="shared",
        consumers=[{"agency": "so-yt", "purpose": "Cảnh báo sức khoẻ khi xâm nhập mặn"}],
    )
    variant["datasets"].append(shared)
    return variant


@pytest.mark.parametrize("which", ["shipped", "variant"])
def test_kafka_acls_follow_the_same_rules_as_http(which: str, tmp_path: Path) -> None:
    """desired_acls gives every agency on every dataset exactly the topics that carry what it
    reads over HTTP, the owner its write and dead letters, each agency its group prefix, and
    nothing else: on the shipped catalogue and on one with the cases it lacks."""
    raw = RAW if which == "shipped" else variant_catalogue(RAW)
    path = tmp_path / "datasets.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    acls = desired_acls(load_catalogue(path, SCHEMAS_DIR))
    assert {(a.permission.value, a.host) for a in acls} == {("ALLOW", "*")}

    observed: dict[tuple[str, str], set[TopicAcl]] = {}
    groups: set[tuple[str, str, str, str]] = set()
    for acl in acls:
        if acl.resource_type.value == "GROUP":
            groups.add(
                (acl.principal, acl.resource_name, acl.pattern_type.value, acl.operation.value)
            )
            continue
        assert (acl.resource_type.value, acl.pattern_type.value) == ("TOPIC", "LITERAL"), acl
        key = (acl.principal.removeprefix("User:"), _dataset_topic(acl.resource_name))
        observed.setdefault(key, set()).add((acl.resource_name, acl.operation.value))

    agencies = [a["id"] for a in raw["agencies"]]
    mismatches: list[str] = []
    for dataset in raw["datasets"]:
        for agency in agencies:
            expected = expect_kafka(agency, dataset)
            got = observed.pop((agency, dataset["topic"]), set())
            if got != expected:
                extra, missing = sorted(got - expected), sorted(expected - got)
                mismatches.append(f"{agency} {dataset['id']}: extra {extra}, missing {missing}")
    assert not mismatches, "Kafka ACLs differ from the rules:\n" + "\n".join(mismatches)
    assert not observed, f"ACLs on topics outside the catalogue's datasets: {observed}"
    assert groups == {(f"User:{a}", f"{a}.", "PREFIXED", "READ") for a in agencies}


def test_no_agency_gets_linkable_pseudonyms_without_a_grant(tmp_path: Path) -> None:
    """An open dataset with pseudonymised personal fields (tthc.dossiers made open): an agency
    without a grant (so-yt) gets no ACL on .masked nor the topic, and over HTTP the public
    projection (no personal field, no pseudonym); every agency's HTTP answer and Kafka ACLs
    follow the same rules."""
    root = tmp_path / "hub"
    path = tmp_path / "datasets.yaml"
    raw = variant_catalogue(RAW)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    dossiers = next(d for d in raw["datasets"] if d["id"] == "tthc.dossiers")
    settings = KhoSettings(
        data_dir=root,
        bus_url=f"embedded:{root / 'bus.sqlite3'}",
        database_url=f"sqlite:///{root / 'kho.sqlite3'}",
        catalogue_path=path,
    )
    hub = build_hub(settings)
    try:
        acls = desired_acls(hub.catalogue)
        assert _held(acls, "so-yt", "tthc.dossiers") == set()

        def bearer(agency: str, role: Role) -> dict[str, str]:
            issued = hub.tokens.create(agency, frozenset({role}))
            return {"Authorization": f"Bearer {issued.plaintext}"}

        records = "/api/v1/datasets/tthc.dossiers/records"
        with serve_app(build_app(hub)) as base_url, httpx.Client(base_url=base_url) as client:
            posted = client.post(
                records,
                json=dossier_documents(5, seed=18),
                headers=bearer("vp-ubnd", Role.PRODUCER),
            )
            assert posted.status_code == 200, posted.text
            public = client.get(records, headers=bearer("so-yt", Role.CONSUMER)).json()
            assert public["projection"] == "public" and len(public["records"]) == 5
            for item in public["records"]:
                assert not {"applicant_id_number", "applicant_name"} & set(item["value"])
            for agency in AGENCIES:
                answer = client.get(records, headers=bearer(agency, Role.CONSUMER))
                read = expect_read(Caller(agency, agency, "consumer"), dossiers)
                assert (answer.status_code, answer.json().get("projection")) == (
                    read.status,
                    read.projection,
                ), agency
                on_kafka = _held(acls, agency, "tthc.dossiers")
                assert on_kafka == expect_kafka(agency, dossiers), agency
    finally:
        hub.close()
