"""The HTTP API shows the catalogue and the open projection of shared datasets."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from connectors.config import load_connector_config
from connectors.runner import run_connector
from connectors.samples.dossiers import write_dossier_export
from hub.app.api import build_app
from hub.app.wiring import Hub
from tests.paths import DOSSIER_CONNECTOR


@pytest.fixture
def loaded(embedded_hub: Hub, tmp_path: Path) -> tuple[TestClient, int]:
    export = write_dossier_export(tmp_path / "hs.csv", rows=150, seed=9)
    config = load_connector_config(DOSSIER_CONNECTOR)
    run_connector(config, export.path, embedded_hub.writer(config.dataset))
    return TestClient(build_app(embedded_hub)), export.valid_rows


def test_catalogue_lists_fields_with_personal_marks(loaded: tuple[TestClient, int]) -> None:
    """The catalogue names the owner and which fields are personal."""
    client, _ = loaded
    body = client.get("/api/v1/catalogue").json()
    (dossiers,) = [d for d in body["datasets"] if d["id"] == "tthc.dossiers"]
    assert dossiers["owner"]["id"] == "vp-ubnd"
    personal = {f["name"] for f in dossiers["fields"] if f["personal"]}
    assert personal == {"applicant_id_number", "applicant_name"}


def test_records_are_paged_without_personal_fields(loaded: tuple[TestClient, int]) -> None:
    """Following the cursor reads every record once, none with a personal field."""
    client, valid = loaded
    seen: set[str] = set()
    cursor = ""
    for _ in range(20):
        page = client.get(
            "/api/v1/datasets/tthc.dossiers/records", params={"limit": 40, "after": cursor}
        )
        assert page.status_code == 200
        body = page.json()
        for item in body["records"]:
            assert "applicant_id_number" not in item["value"]
            assert "applicant_name" not in item["value"]
            seen.add(item["value"]["dossier_id"])
        if not body["records"]:
            break
        cursor = body["next"]
    assert len(seen) == valid


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/v1/datasets/khong.ton_tai", 404, "unknown_dataset"),
        ("/api/v1/datasets/khong.ton_tai/records", 404, "unknown_dataset"),
        ("/api/v1/datasets/tthc.dossiers/records?after=abc", 400, "bad_query"),
        ("/api/v1/datasets/tthc.dossiers/records?limit=0", 400, "bad_query"),
        ("/api/v1/datasets/tthc.dossiers/records?limit=nhiều", 400, "bad_query"),
    ],
)
def test_bad_requests_get_clear_json_errors(
    loaded: tuple[TestClient, int], path: str, status: int, code: str
) -> None:
    """Unknown datasets and malformed queries answer 4xx with a code and a Vietnamese message."""
    client, _ = loaded
    answer = client.get(path)
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code
    assert answer.json()["error"]["message"]
