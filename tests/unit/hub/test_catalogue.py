"""The catalogue is refused whole, with a reason, when it is inconsistent."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hub.catalogue import Classification, load_catalogue
from hub.errors import ConfigurationError
from tests.paths import CATALOGUE_DIR, SCHEMAS_DIR

CATALOGUE = CATALOGUE_DIR / "datasets.yaml"
SCHEMAS = SCHEMAS_DIR


def write_variant(tmp_path: Path, change: str) -> Path:
    raw = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    dataset = raw["datasets"][0]
    if change == "duplicate":
        raw["datasets"].append(dict(dataset))
    elif change == "unknown_owner":
        dataset["owner"] = "so-khong-co"
    elif change == "unknown_field":
        dataset["contract"].append(
            {"rule": "so_nha", "field": "so_nha", "expr": "true", "message": "Số nhà"}
        )
    elif change == "missing_schema":
        dataset["schema"] = "tthc/khong-co.avsc"
    elif change == "unknown_consumer":
        dataset["consumers"].append({"agency": "so-ma", "purpose": "Thử"})
    elif change == "duplicate_consumer":
        dataset["consumers"].append(dict(dataset["consumers"][0]))
    elif change == "owner_as_consumer":
        dataset["consumers"].append({"agency": dataset["owner"], "purpose": "Thử"})
    elif change == "restricted_with_consumers":
        dataset["classification"] = "restricted"
    elif change == "pseudonymise_not_personal":
        dataset["pseudonymise"] = ["procedure_code"]
    elif change == "pseudonymise_not_string":
        raw["datasets"][-1]["pseudonymise"] = ["attributes"]
    elif change == "bad_retention":
        dataset["retention"] = "10 năm"
    elif change == "no_legal_basis":
        del dataset["legal_basis"]
    elif change == "masked_topic_taken":
        raw["datasets"][1]["topic"] = f"{dataset['topic']}.masked"
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_the_repository_catalogue_loads() -> None:
    """The shipped catalogue and its schemas are consistent."""
    loaded = load_catalogue(CATALOGUE, SCHEMAS)
    assert loaded.entry("tthc.dossiers").publishable


def test_every_schema_is_a_catalogued_dataset_with_a_contract() -> None:
    """Each schema backs a dataset with contract rules. Citizen evidence is restricted; other
    datasets with personal fields are shared with an open projection, the others open."""
    loaded = load_catalogue(CATALOGUE, SCHEMAS)
    catalogued = {entry.schema_path for entry in loaded.catalogue.datasets}
    on_disk = {
        p.relative_to(SCHEMAS).as_posix()
        for p in SCHEMAS.rglob("*.avsc")
        if "history" not in p.relative_to(SCHEMAS).parts  # earlier versions, for evolution tests
    }
    assert catalogued == on_disk
    for entry in loaded.catalogue.datasets:
        assert entry.contract, entry.id
        if entry.id == "evidence.citizen_evidence":
            assert entry.classification is Classification.RESTRICTED
            assert not entry.publishable and not entry.consumers
            continue
        personal = loaded.schema(entry.id).personal_fields
        expected = Classification.SHARED if personal else Classification.OPEN
        assert entry.classification is expected, entry.id
        # citizen feedback text can identify its author: shared, never published as records
        assert entry.publishable is (entry.id != "feedback.citizen_feedback"), entry.id


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("duplicate", "duplicate dataset 'tthc.dossiers'"),
        ("unknown_owner", "so-khong-co"),
        ("unknown_field", "so_nha"),
        ("missing_schema", "tthc.dossiers: Không tìm thấy tệp lược đồ .*khong-co.avsc"),
        ("unknown_consumer", "consumer 'so-ma' is not an agency"),
        ("duplicate_consumer", "duplicate consumer of tthc.dossiers 'so-khcn'"),
        ("owner_as_consumer", "owner 'vp-ubnd' is not a consumer"),
        ("restricted_with_consumers", "tthc.dossiers is restricted"),
        ("pseudonymise_not_personal", "'procedure_code' không phải trường cá nhân"),
        ("pseudonymise_not_string", "'attributes' không phải trường chuỗi"),
        ("bad_retention", "retention"),
        ("no_legal_basis", "legal_basis"),
        ("masked_topic_taken", "'tthc.dossiers.masked' is reserved"),
    ],
)
def test_inconsistent_catalogue_is_refused(tmp_path: Path, change: str, message: str) -> None:
    """Each inconsistency is named in the error."""
    with pytest.raises(ConfigurationError, match=message):
        load_catalogue(write_variant(tmp_path, change), SCHEMAS)
