"""Every schema in schemas/ parses, documents each field in Vietnamese and English, names a
record key, and marks its personal fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.avro import load_schema
from tests.paths import SCHEMAS_DIR

SCHEMA_FILES = sorted((SCHEMAS_DIR).rglob("*.avsc"))


def test_the_shared_data_of_the_province_has_schemas() -> None:
    """Dossiers, status changes, salinity, OCOP, stamps, 1022 feedback, health, schools,
    e-commerce listings and citizen evidence each have a schema."""
    names = {load_schema(p).full_name for p in SCHEMA_FILES}
    assert {
        "vn.gov.kho.tthc.Dossier",
        "vn.gov.kho.tthc.DossierStatusChange",
        "vn.gov.kho.salinity.SalinityReading",
        "vn.gov.kho.ocop.OcopProduct",
        "vn.gov.kho.traceability.TraceabilityStamp",
        "vn.gov.kho.feedback.CitizenFeedback",
        "vn.gov.kho.health.HealthFacility",
        "vn.gov.kho.education.School",
        "vn.gov.kho.commerce.EcommerceListing",
        "vn.gov.kho.evidence.CitizenEvidence",
    } <= names


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.stem)
def test_schema_is_documented_keyed_and_parses(path: Path) -> None:
    """Each field's doc has a Vietnamese and an English part ('vi | en'); the key is a field."""
    schema = load_schema(path)
    assert schema.key_field in schema.field_names
    for name in schema.field_names:
        vietnamese, _, english = schema.field_doc(name).partition(" | ")
        assert vietnamese.strip() and english.strip(), f"{path.name}:{name} needs 'vi | en' doc"
