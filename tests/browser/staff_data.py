"""What the staff's pages show in the browser tests and ``make screenshots`` beyond the seeded
hub: a dead letter in each of the page matrix's sample datasets (a record that no rule accepts,
posted by the owner's producer in partial mode through the served hub's API), and where each
one is, so that the matrix's sample paths of a letter's page can be opened."""

from __future__ import annotations

import httpx

from hub.app.wiring import build_hub
from hub.auth.tokens import Role
from hub.settings import KhoSettings
from tests.browser.serving import ServedHub
from tests.unit.web.test_page_matrix import DATASETS, SAMPLE_DATASETS

BAD_RECORD = {"ghi_chu": "bản ghi không hợp lệ, để trang bản ghi lỗi có cái để xem"}


def give_dead_letters(served: ServedHub) -> dict[str, str]:
    """One dead letter per sample dataset; each dataset → the address of its first letter."""
    hub = build_hub(KhoSettings(data_dir=served.data_dir))
    try:
        for dataset_id in SAMPLE_DATASETS:
            owner = DATASETS[dataset_id]["owner"]
            token = hub.tokens.create(owner, frozenset({Role.PRODUCER})).plaintext
            answer = httpx.post(
                served.url(f"/api/v1/datasets/{dataset_id}/records"),
                params={"mode": "partial"},
                json=[BAD_RECORD],
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
            answer.raise_for_status()
            assert answer.json()["rejected_count"] == 1, answer.text
        return {
            dataset_id: str(hub.steward_desk(dataset_id).letters().letters[0].address)
            for dataset_id in SAMPLE_DATASETS
        }
    finally:
        hub.close()
