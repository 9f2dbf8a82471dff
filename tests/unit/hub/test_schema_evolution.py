"""Version 2 of the dossier and citizen-feedback schemas evolves version 1 the way a user's
schema would: the registry's BACKWARD check accepts it as the subject's next version, refuses a
version that old data could not be read with, and bytes written with version 1 read under
version 2 with the new fields at their defaults (fastavro, and the hub's own decoder)."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import fastavro
import pytest

from hub.app.wiring import build_hub
from hub.avro import load_schema
from hub.avro.decoder import RegistryDecoder
from hub.avro.wire import encode
from hub.catalogue.loader import load_catalogue
from hub.db import create_engine, create_tables
from hub.registry import DatabaseSchemaRegistry, subject_for_topic
from hub.registry.compatibility import CompatibilityLevel, Rule
from hub.registry.errors import IncompatibleSchema
from hub.registry.store import fingerprint
from hub.settings import KhoSettings
from hub.sharing.masking import masked_schema, masked_schema_text
from tests.paths import CATALOGUE_DIR, SCHEMAS_DIR

VN = dt.timezone(dt.timedelta(hours=7))
RECEIVED = dt.datetime(2025, 8, 4, 8, 30, tzinfo=VN)

DOSSIER_V1 = {
    "dossier_id": "DT-250804-00001",
    "procedure_code": "1.001193",
    "procedure_name": "Đăng ký khai sinh",
    "receiving_agency_code": "UBND-28249",
    "applicant_id_number": "082190123456",
    "applicant_name": "Nguyễn Thị Lan",
    "commune_code": "28249",
    "channel": "online",
    "received_at": RECEIVED,
    "due_at": RECEIVED + dt.timedelta(days=1),
    "finished_at": RECEIVED + dt.timedelta(hours=5),
    "status": "finished",
    "paid_online": False,
    "fee_vnd": 0,
}
DOSSIER_DEFAULTS = {
    "synced_national": False,
    "result_digitised": False,
    "components_total": 0,
    "components_digitised": 0,
    "reused_components": 0,
    "satisfaction": "none",
}
FEEDBACK_V1 = {
    "feedback_id": "1022-250804-00001",
    "channel": "phone",
    "category": "public_services",
    "commune_code": "28249",
    "text": "Nộp hồ sơ trực tuyến nhưng chưa nhận được phản hồi",
    "reporter_phone": "0912345678",
    "status": "resolved",
    "received_at": RECEIVED,
}
FEEDBACK_DEFAULTS = {
    "agency_code": None,
    "dossier_id": None,
    "resolved_at": None,
    "repeat_of": None,
}
NEW_VALUES: dict[str, dict[str, Any]] = {
    "tthc.dossiers": {
        "synced_national": True,
        "result_digitised": True,
        "components_total": 4,
        "components_digitised": 3,
        "reused_components": 1,
        "satisfaction": "dissatisfied",
    },
    "feedback.citizen_feedback": {
        "agency_code": "UBND-28249",
        "dossier_id": "DT-250801-00007",
        "resolved_at": RECEIVED + dt.timedelta(days=6),
        "repeat_of": "1022-250720-00003",
    },
}


def _case(dataset: str, history: str, v1: dict[str, Any], defaults: dict[str, Any]) -> Any:
    return pytest.param(dataset, history, v1, defaults, id=dataset)


CASES = [
    _case("tthc.dossiers", "tthc/history/dossier.v1.avsc", DOSSIER_V1, DOSSIER_DEFAULTS),
    _case(
        "feedback.citizen_feedback",
        "feedback/history/citizen_feedback.v1.avsc",
        FEEDBACK_V1,
        FEEDBACK_DEFAULTS,
    ),
]


def _texts(dataset: str, history: str) -> tuple[str, str, str]:
    """The dataset's topic, its version 1 schema text and its current (version 2) text."""
    loaded = load_catalogue(CATALOGUE_DIR / "datasets.yaml", SCHEMAS_DIR)
    entry = loaded.entry(dataset)
    v1 = (SCHEMAS_DIR / history).read_text(encoding="utf-8")
    return entry.topic, v1, loaded.schema(dataset).text


@pytest.fixture
def registry(tmp_path: Path) -> DatabaseSchemaRegistry:
    engine = create_engine(f"sqlite:///{tmp_path / 'kho.sqlite3'}")
    create_tables(engine)
    return DatabaseSchemaRegistry(engine)


def _parsed(text: str) -> Any:
    return fastavro.parse_schema(json.loads(text))


@pytest.mark.parametrize(("dataset", "history", "v1_record", "defaults"), CASES)
def test_version_2_is_registered_after_version_1_under_backward(
    registry: DatabaseSchemaRegistry,
    dataset: str,
    history: str,
    v1_record: dict[str, Any],
    defaults: dict[str, Any],
) -> None:
    """The subject checks BACKWARD; version 1 then the shipped schema make versions 1 and 2."""
    topic, v1, v2 = _texts(dataset, history)
    subject = subject_for_topic(topic)
    assert registry.compatibility(subject) is CompatibilityLevel.BACKWARD
    first = registry.register(subject, v1)
    second = registry.register(subject, v2)
    assert first != second
    assert registry.versions(subject) == [1, 2]
    assert registry.version(subject, 2).schema_id == second


@pytest.mark.parametrize(("dataset", "history", "v1_record", "defaults"), CASES)
def test_a_new_field_without_default_is_refused_naming_it(
    registry: DatabaseSchemaRegistry,
    dataset: str,
    history: str,
    v1_record: dict[str, Any],
    defaults: dict[str, Any],
) -> None:
    """A version 2 whose new field has no default cannot read version 1's data: refused."""
    topic, v1, v2 = _texts(dataset, history)
    subject = subject_for_topic(topic)
    registry.register(subject, v1)
    broken = json.loads(v2)
    new_field = next(iter(defaults))
    for field in broken["fields"]:
        if field["name"] == new_field:
            del field["default"]
    with pytest.raises(IncompatibleSchema) as refused:
        registry.register(subject, json.dumps(broken, ensure_ascii=False))
    (found,) = refused.value.incompatibilities
    assert (found.rule, found.field) == (Rule.READER_FIELD_MISSING_DEFAULT_VALUE, new_field)
    assert f"'{new_field}'" in str(refused.value)
    assert registry.versions(subject) == [1]


@pytest.mark.parametrize(("dataset", "history", "v1_record", "defaults"), CASES)
def test_bytes_written_with_version_1_read_with_version_2_take_the_defaults(
    dataset: str, history: str, v1_record: dict[str, Any], defaults: dict[str, Any]
) -> None:
    """fastavro reads version 1's bytes with version 2 as reader: old values, new defaults."""
    _, v1, v2 = _texts(dataset, history)
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, _parsed(v1), v1_record)
    buffer.seek(0)
    read = fastavro.schemaless_reader(buffer, _parsed(v1), _parsed(v2))
    assert read == {**v1_record, **defaults}


@pytest.mark.parametrize(("dataset", "history", "v1_record", "defaults"), CASES)
def test_the_hub_decoder_reads_version_1_messages_with_version_2(
    registry: DatabaseSchemaRegistry,
    dataset: str,
    history: str,
    v1_record: dict[str, Any],
    defaults: dict[str, Any],
) -> None:
    """A message written under version 1's id decodes with its writer schema from the registry;
    read as version 2 it has the defaults, and a version 2 message keeps its own values."""
    topic, v1, v2 = _texts(dataset, history)
    subject = subject_for_topic(topic)
    v1_id, v2_id = registry.register(subject, v1), registry.register(subject, v2)
    decoder = RegistryDecoder(registry)
    old_message = encode(v1_id, _parsed(v1), v1_record)
    assert decoder.decode(old_message) == v1_record
    assert decoder.decode(old_message, _parsed(v2)) == {**v1_record, **defaults}
    changed = NEW_VALUES[dataset]
    new_message = encode(v2_id, _parsed(v2), {**v1_record, **changed})
    assert decoder.decode(new_message, _parsed(v2)) == {**v1_record, **changed}


def test_a_hub_started_on_a_version_1_registry_registers_version_2(
    embedded_settings: KhoSettings,
) -> None:
    """A registry that an earlier Kho filled with version 1 (value and masked subjects) gets
    version 2 of each subject when the hub starts, and the hub reads a version 1 message."""
    loaded = load_catalogue(CATALOGUE_DIR / "datasets.yaml", SCHEMAS_DIR)
    embedded_settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(embedded_settings.database_url)
    create_tables(engine)
    earlier = DatabaseSchemaRegistry(engine)
    subjects: dict[str, str] = {}
    old_ids: dict[str, int] = {}
    for dataset, history, *_ in (case.values for case in CASES):
        entry = loaded.entry(dataset)
        v1 = load_schema(SCHEMAS_DIR / history)
        subjects[subject_for_topic(entry.topic)] = loaded.schema(dataset).text
        old_ids[dataset] = earlier.register(subject_for_topic(entry.topic), v1.text)
        if dataset == "tthc.dossiers":  # its masked projection was registered too
            masked = subject_for_topic(entry.masked_topic)
            earlier.register(masked, masked_schema_text(masked_schema(entry, v1)))
            subjects[masked] = masked_schema_text(masked_schema(entry, loaded.schema(dataset)))
    engine.dispose()

    hub = build_hub(embedded_settings)
    try:
        registry = DatabaseSchemaRegistry(hub.engine)
        for subject, text in subjects.items():
            assert registry.versions(subject) == [1, 2], subject
            latest = registry.schema_text(registry.version(subject, 2).schema_id)
            assert fingerprint(latest) == fingerprint(text), subject
        old_message = encode(
            old_ids["tthc.dossiers"],
            _parsed(load_schema(SCHEMAS_DIR / "tthc/history/dossier.v1.avsc").text),
            DOSSIER_V1,
        )
        current = _parsed(loaded.schema("tthc.dossiers").text)
        assert hub.decoder.decode(old_message, current) == {**DOSSIER_V1, **DOSSIER_DEFAULTS}
    finally:
        hub.close()


def test_history_files_are_the_shipped_version_1_with_the_same_record_name() -> None:
    """Each history file is an earlier version of a shipped schema: same full name, every
    version 1 field kept in version 2 unchanged, version 2 adding only fields with defaults."""
    for current, history in [
        ("tthc/dossier.avsc", "tthc/history/dossier.v1.avsc"),
        ("feedback/citizen_feedback.avsc", "feedback/history/citizen_feedback.v1.avsc"),
    ]:
        v1, v2 = load_schema(SCHEMAS_DIR / history), load_schema(SCHEMAS_DIR / current)
        assert v1.full_name == v2.full_name
        old = {f["name"]: f for f in v1.definition["fields"]}
        new = {f["name"]: f for f in v2.definition["fields"]}
        assert {name: new[name] for name in old} == old
        added = [copy.deepcopy(new[name]) for name in new if name not in old]
        assert added and all("default" in field for field in added)
