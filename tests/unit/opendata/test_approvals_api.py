"""Stewards' approvals over HTTP, with real tokens from the token store: the public list, who
may approve and revoke, each refusal's status and Vietnamese reason, and every answer fits the
schema /openapi.json gives for its status."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import jsonschema
import pytest
from starlette.testclient import TestClient

from hub.app.api import build_app
from hub.app.wiring import Hub
from hub.audit import AuditFilter, actions
from hub.auth.tokens import Role
from opendata.specs import PublicationCatalogue, PublicationSpec

DOSSIERS = "tthc.dossiers"  # shared, owned by vp-ubnd, with an open projection
LIST = "/api/v1/publications"
APPROVAL = "/api/v1/publications/{publication_id}/approval"
RESTRICTED = PublicationSpec(
    id="evidence.citizen_evidence", dataset="evidence.citizen_evidence", kind="snapshot"
)
FEEDBACK = PublicationSpec(
    id="feedback.citizen_feedback", dataset="feedback.citizen_feedback", kind="history"
)


@dataclass
class Api:
    client: TestClient
    hub: Hub
    tokens: dict[str, str]
    document: dict[str, Any]

    def headers(self, who: str | None) -> dict[str, str]:
        return {} if who is None else {"Authorization": f"Bearer {self.tokens[who]}"}

    def grant(self, publication_id: str, who: str | None, body: object = None) -> httpx.Response:
        answer = self.client.post(
            APPROVAL.format(publication_id=publication_id),
            json={"note": "Đã rà soát"} if body is None else body,
            headers=self.headers(who),
        )
        self.conforms("post", APPROVAL, answer)
        return answer

    def revoke(self, publication_id: str, who: str | None, body: object) -> httpx.Response:
        answer = self.client.request(
            "DELETE",
            APPROVAL.format(publication_id=publication_id),
            json=body,
            headers=self.headers(who),
        )
        self.conforms("delete", APPROVAL, answer)
        return answer

    def listed(self, who: str | None = None) -> dict[str, dict[str, Any]]:
        answer = self.client.get(LIST, headers=self.headers(who))
        self.conforms("get", LIST, answer)
        assert answer.status_code == 200, answer.text
        return {item["id"]: item for item in answer.json()["publications"]}

    def conforms(self, method: str, path: str, answer: httpx.Response) -> None:
        """The answer's status is documented for the operation and its body fits the schema."""
        responses = self.document["paths"][path][method]["responses"]
        assert str(answer.status_code) in responses, (method, answer.status_code, answer.text)
        schema = responses[str(answer.status_code)]["content"]["application/json"]["schema"]
        jsonschema.Draft202012Validator(
            {**schema, "components": self.document["components"]},
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        ).validate(answer.json())


@pytest.fixture
def api(embedded_hub: Hub) -> Iterator[Api]:
    # two publications the catalogue forbids, to see their refusals
    embedded_hub.publications = PublicationCatalogue(
        publications=(*embedded_hub.publications.publications, RESTRICTED, FEEDBACK)
    )
    roles = {
        "steward": ("vp-ubnd", Role.STEWARD),
        "other-steward": ("so-yt", Role.STEWARD),
        "producer": ("vp-ubnd", Role.PRODUCER),
        "admin": ("vp-ubnd", Role.ADMIN),
    }
    tokens = {
        name: embedded_hub.tokens.create(agency, frozenset({role})).plaintext
        for name, (agency, role) in roles.items()
    }
    with TestClient(build_app(embedded_hub)) as client:
        document = client.get("/openapi.json").json()
        yield Api(client, embedded_hub, tokens, document)


def _error(answer: httpx.Response) -> tuple[int, str]:
    return answer.status_code, answer.json()["error"]["code"]


def test_the_list_is_public_and_shows_each_status(api: Api) -> None:
    """No token needed: every declared publication with its dataset, kind, status and digest;
    publications of a restricted dataset only to its owner."""
    listed = api.listed()
    declared = [s.id for s in api.hub.publications.publications if s.id != RESTRICTED.id]
    assert list(listed) == declared
    dossiers = listed[DOSSIERS]
    spec = api.hub.publications.spec(DOSSIERS)
    assert (dossiers["dataset"], dossiers["kind"], dossiers["status"]) == (
        DOSSIERS,
        spec.kind,
        "pending",
    )
    assert dossiers["digest"] == spec.digest
    assert (dossiers["publishable"], dossiers["approval"]) == (False, None)
    assert (listed["salinity.readings"]["status"], listed[FEEDBACK.id]["status"]) == (
        "open",
        "blocked",
    )
    assert RESTRICTED.id in api.listed("steward")
    assert RESTRICTED.id not in api.listed("other-steward")


def test_the_owners_steward_approves_201_then_200(api: Api) -> None:
    """201 with the approval; the same digest again is 200 with the same approval, unaudited."""
    created = api.grant(DOSSIERS, "steward")
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "approved" and body["approval"]["note"] == "Đã rà soát"
    assert body["approval"]["spec"] == api.hub.publications.spec(DOSSIERS).model_dump(mode="json")
    again = api.grant(DOSSIERS, "steward", {"note": "lần nữa"})
    assert again.status_code == 200 and again.json()["approval"]["id"] == body["approval"]["id"]
    entries = api.hub.audit.query(AuditFilter(action=actions.DATASET_APPROVE), limit=10)
    token_id = api.tokens["steward"].split("_")[1]
    assert [(e.actor.principal, e.actor.agency) for e in entries] == [
        (f"token:{token_id}", "vp-ubnd")
    ]
    summary = api.listed()[DOSSIERS]
    assert (summary["status"], summary["publishable"]) == ("approved", True)
    assert summary["approval"]["approved_by_agency"] == "vp-ubnd"


def test_an_admin_of_the_owner_approves_too(api: Api) -> None:
    assert api.grant(DOSSIERS, "admin").status_code == 201


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (None, (401, "missing_token")),
        ("producer", (403, "not_a_steward")),
        ("other-steward", (403, "not_owner")),
    ],
)
def test_who_may_not_approve(api: Api, who: str | None, expected: tuple[int, str]) -> None:
    """No token, a token without the steward role, another agency's steward."""
    assert _error(api.grant(DOSSIERS, who)) == expected
    assert api.hub.approvals.active(DOSSIERS) is None


def test_refusals_answer_404_or_422_with_the_reason_in_vietnamese(api: Api) -> None:
    assert _error(api.grant("khong.co", "steward")) == (404, "unknown_publication")
    restricted = api.grant(RESTRICTED.id, "steward")
    assert _error(restricted) == (422, "restricted_dataset")
    assert "hạn chế" in restricted.json()["error"]["message"]
    feedback = api.grant(FEEDBACK.id, "steward")
    assert _error(feedback) == (422, "no_open_projection")
    assert "tổng hợp" in feedback.json()["error"]["message"]
    too_long = api.grant(DOSSIERS, "steward", {"note": "x" * 2001})
    assert _error(too_long) == (422, "invalid_field")
    assert too_long.json()["error"]["field"] == "note"


def test_revoking_needs_a_reason_and_something_to_revoke(api: Api) -> None:
    """422 naming `reason` when it is missing or blank, 409 when nothing is active, then 200
    with the revoked approval; the publication is no longer publishable."""
    assert _error(api.revoke(DOSSIERS, "steward", {"reason": "x"})) == (409, "not_approved")
    api.grant(DOSSIERS, "steward")
    for body in ({}, {"reason": "   "}, None):
        missing = api.revoke(DOSSIERS, "steward", body)
        assert _error(missing) == (422, "invalid_field"), body
        assert missing.json()["error"]["field"] == "reason"
    assert _error(api.revoke(DOSSIERS, "other-steward", {"reason": "x"})) == (403, "not_owner")
    assert _error(api.revoke("khong.co", "steward", {"reason": "x"})) == (
        404,
        "unknown_publication",
    )
    revoked = api.revoke(DOSSIERS, "steward", {"reason": "Lộ mã xã hiếm"})
    assert revoked.status_code == 200, revoked.text
    body = revoked.json()
    assert body["status"] == "revoked" and body["approval"]["state"] == "revoked"
    assert body["approval"]["revoke_reason"] == "Lộ mã xã hiếm"
    assert api.listed()[DOSSIERS]["status"] == "revoked"
    assert api.hub.audit.verify().ok


def test_a_body_that_is_not_json_is_refused(api: Api) -> None:
    answer = api.client.post(
        APPROVAL.format(publication_id=DOSSIERS),
        content=b"{note",
        headers={**api.headers("steward"), "Content-Type": "application/json"},
    )
    api.conforms("post", APPROVAL, answer)
    assert _error(answer) == (400, "malformed_json")
