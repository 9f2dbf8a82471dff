"""The corpus through ``POST /api/v1/datasets/{id}/records`` on the embedded defaults: every
bad body gets a 4xx naming the rule; every bad value a 4xx naming the field (atomic) or a dead
letter with its reason and original bytes (partial); what is accepted is on the topic."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from connectors.samples.dossiers import dossier_documents
from hub.app.api import build_app
from hub.app.wiring import Hub, build_hub
from hub.auth.tokens import Role
from hub.bus.reading import read_all
from hub.ingest.dead_letter import DeadLetter
from hub.settings import KhoSettings
from tests.corpus.inputs import BadValue, bad_bodies, bad_path_params, bad_values, splice
from tests.corpus.tally import Tally

DATASET = "tthc.dossiers"
URL = f"/api/v1/datasets/{DATASET}/records"
LIMIT = 1024 * 1024
FIELDS = {
    "text": "procedure_name",
    "key": "dossier_id",
    "number": "fee_vnd",
    "code": "commune_code",
}
"""Which field of a dossier each bad value replaces."""


@pytest.fixture
def hub(embedded_settings: KhoSettings) -> Iterator[Hub]:
    hub = build_hub(embedded_settings.model_copy(update={"ingest_max_body_bytes": LIMIT}))
    yield hub
    hub.close()


@pytest.fixture
def client(hub: Hub) -> TestClient:
    return TestClient(build_app(hub), raise_server_exceptions=False)


@pytest.fixture
def token(hub: Hub) -> dict[str, str]:
    issued = hub.tokens.create("vp-ubnd", frozenset({Role.PRODUCER}))
    return {"Authorization": f"Bearer {issued.plaintext}"}


def _on_topic(hub: Hub) -> list[dict[str, Any]]:
    return [hub.decoder.decode(r.value) for r in read_all(hub.bus, DATASET)]


def _letters(hub: Hub) -> list[DeadLetter]:
    return [DeadLetter.from_bytes(r.value) for r in read_all(hub.bus, f"{DATASET}.dlq")]


def _post(client: TestClient, body: bytes, token: dict[str, str], mode: str) -> Any:
    headers = {**token, "Content-Type": "application/json"}
    return client.post(URL, content=body, params={"mode": mode}, headers=headers)


def _assert_clear_refusal(answer: Any, name: str) -> None:
    assert 400 <= answer.status_code < 500, (name, answer.status_code, answer.text[:300])
    assert "Traceback" not in answer.text
    error = answer.json()["error"]
    assert error["code"] and error["message"]


@pytest.mark.usefixtures("no_tracebacks")
def test_bad_bodies_get_a_clear_4xx(
    client: TestClient, hub: Hub, token: dict[str, str], tally: Tally
) -> None:
    """Malformed, truncated, mis-encoded, too deep, too long or too large: a 4xx with a code
    and a message, and nothing on the topic; a body with a BOM is read."""
    counts = tally.path("ingest API: bodies")
    document = dossier_documents(1, seed=23)[0]
    valid = json.dumps([document], ensure_ascii=False).encode("utf-8")
    for body in bad_bodies():
        answer = _post(client, body.content(valid, LIMIT), token, "atomic")
        if body.expect == "accepted":
            assert answer.status_code == 200, (body.name, answer.text[:300])
            counts.sent_one("accepted")
        else:
            _assert_clear_refusal(answer, body.name)
            counts.sent_one("refused")
    assert counts.adds_up()
    assert len(_on_topic(hub)) == counts.outcomes["accepted"]


@pytest.mark.usefixtures("no_tracebacks")
def test_bad_values_are_refused_by_field_or_dead_lettered(
    client: TestClient, hub: Hub, token: dict[str, str], tally: Tally
) -> None:
    """Each bad value alone in a batch: atomic, a 422 naming the field's path; partial, a dead
    letter with the reason and the record's original bytes. Accepted values are on the topic,
    in NFC. Sent = accepted + refused + dead-lettered, counted on the topic and the DLQ."""
    counts = tally.path("ingest API: values")
    refused: dict[str, BadValue] = {}  # by the dossier id its letter will carry
    for i, value in enumerate(bad_values()):
        document = dossier_documents(1, seed=100 + i)[0]
        document["dossier_id"] = f"CORPUS-{i:04d}"
        field = FIELDS[value.target]
        body = b"[" + splice(document, field, value) + b"]"
        if value.expect == "refused":
            refused[value.value if value.target == "key" else document["dossier_id"]] = value
        if value.expect == "accepted":
            answer = _post(client, body, token, "partial")
            assert answer.status_code == 200 and answer.json()["accepted_count"] == 1, (
                value.name,
                answer.text[:300],
            )
            counts.sent_one("accepted")
            continue
        atomic = _post(client, body, token, "atomic")
        assert atomic.status_code == 422, (value.name, atomic.text[:300])
        paths = {e["path"] for r in atomic.json()["rejected"] for e in r["errors"]}
        assert f"$[0].{field}" in paths, (value.name, paths)
        counts.sent_one("refused")
        partial = _post(client, body, token, "partial")
        assert partial.status_code == 200, (value.name, partial.text[:300])
        (rejected,) = partial.json()["rejected"]
        assert rejected["dead_letter"]["topic"] == f"{DATASET}.dlq"
        counts.sent_one("dead_lettered")
    assert counts.adds_up()
    on_topic = _on_topic(hub)
    letters = _letters(hub)
    assert len(on_topic) == counts.outcomes["accepted"]
    assert len(letters) == counts.outcomes["dead_lettered"]
    for letter in letters:
        original = json.loads(letter.original)
        value = refused[original["dossier_id"]]
        field = FIELDS[value.target]
        assert letter.reason and any(v.path == f"$.{field}" for v in letter.violations)
        assert json.dumps(original[field]) == json.dumps(json.loads(value.json_text))
    assert {json.loads(letter.original)["dossier_id"] for letter in letters} == set(refused)
    names = [r["procedure_name"] for r in on_topic]
    assert all(unicodedata.is_normalized("NFC", n) for n in names)
    assert "Cấp giấy phép xây dựng" in names and names.count("Cấp giấy phép xây dựng") == 2


@pytest.mark.usefixtures("no_tracebacks")
def test_bad_dataset_ids_in_the_path_get_a_4xx(
    client: TestClient, hub: Hub, token: dict[str, str], tally: Tally
) -> None:
    """SQL, path and look-alike characters in the dataset id: a 4xx, nothing written."""
    counts = tally.path("ingest API: path parameters")
    body = json.dumps(dossier_documents(1, seed=7), ensure_ascii=False).encode()
    for param in bad_path_params():
        url = f"/api/v1/datasets/{quote(param, safe='')}/records"
        answer = client.post(
            url, content=body, headers={**token, "Content-Type": "application/json"}
        )
        _assert_clear_refusal(answer, param)
        counts.sent_one("refused")
    assert counts.adds_up()
    assert _on_topic(hub) == []
