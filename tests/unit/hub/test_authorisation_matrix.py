"""The authorisation matrix, generated from the catalogue file: every endpoint × every agency ×
every role (and callers without or with a bad token) → the answer the rules below expect.

The expectations are written here from the catalogue's raw YAML and the rules of the sharing
layer as users are told them (README, "Sharing"), not by calling hub.auth.policy: a change to the
policy that grants more than these rules is caught as an unexpected allow. The test fails on any
unexpected allow and on any unexpected deny, and prints each mismatch.

Rules:
- restricted datasets exist only for their owner agency and admins (404 for everyone else);
- reading records needs a consumer, steward or admin token, or no token at all (the public);
  the owner, admins and consumers granted personal data read every field, other grantees
  the masked projection; anyone else the public projection when the dataset is open or has
  one, else 403;
- writing needs a producer of the owner agency, or an admin;
- the audit log is for admins;
- a token that is sent must be valid (401), on every endpoint.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import yaml

from hub.app.api import build_app
from hub.app.wiring import Hub, build_hub
from hub.auth.tokens import Role
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
        return Expected(422)  # allowed: the empty batch reaches validation
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
