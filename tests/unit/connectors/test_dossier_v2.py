"""The dossier and 1022 feedback connectors take the columns schema version 2 added for the
Decision 766 index. The columns are optional: an export made before they existed loads with
the schema's defaults, exactly as many rows accepted and dead-lettered as before. A row whose
component counts contradict each other is dead-lettered by its rule."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from connectors.config import FieldMapping, load_connector_config
from connectors.mapping import RowMapper
from connectors.runner import run_connector
from connectors.samples.dossiers import HEADER, INDEX_COLUMNS, write_dossier_export
from connectors.samples.province import FEEDBACK_HEADER, FEEDBACK_INDEX_COLUMNS
from connectors.samples.registry import write_sample
from hub.app.wiring import Hub
from hub.bus import read_all
from hub.ingest import DeadLetter
from tests.paths import CONNECTOR_CONFIGS, DOSSIER_CONNECTOR

DOSSIERS = load_connector_config(DOSSIER_CONNECTOR)
FEEDBACK = load_connector_config(CONNECTOR_CONFIGS / "feedback-1022.yaml")
DOSSIER_DEFAULTS = {
    "synced_national": False,
    "result_digitised": False,
    "components_total": 0,
    "components_digitised": 0,
    "reused_components": 0,
    "satisfaction": "none",
}
FEEDBACK_FIELDS = ("agency_code", "dossier_id", "resolved_at", "repeat_of")


def _records(hub: Hub, topic: str) -> list[dict[str, Any]]:
    return [hub.decoder.decode(r.value) for r in read_all(hub.bus, topic)]


def _letters(hub: Hub, topic: str) -> dict[int, DeadLetter]:
    letters = [DeadLetter.from_bytes(r.value) for r in read_all(hub.bus, f"{topic}.dlq")]
    return {letter.source["position"]: letter for letter in letters}


def _without_columns(path: Path, columns: list[str], *, encoding: str, delimiter: str) -> None:
    """Rewrite the export as an older system wrote it, without ``columns``."""
    with path.open(encoding=encoding, newline="") as handle:
        rows = list(csv.reader(handle, delimiter=delimiter))
    keep = [i for i, name in enumerate(rows[0]) if name not in columns]
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
        writer.writerows([row[i] for i in keep] for row in rows)


def test_the_dossier_export_brings_the_index_fields(embedded_hub: Hub, tmp_path: Path) -> None:
    """Each accepted row's index columns arrive converted; their rates echo the province."""
    export = write_dossier_export(tmp_path / "hs.csv", rows=400, seed=766)
    report = run_connector(DOSSIERS, export.path, embedded_hub.writer(DOSSIERS.dataset))
    assert report.accepted == export.valid_rows
    records = _records(embedded_hub, "tthc.dossiers")
    finished = [r for r in records if r["status"] == "finished"]
    online = sum(r["channel"] == "online" for r in records) / len(records)
    synced = sum(r["synced_national"] for r in records) / len(records)
    digitised = sum(r["result_digitised"] for r in finished) / len(finished)
    reusing = sum(r["reused_components"] > 0 for r in records) / len(records)
    dissatisfied = sum(r["satisfaction"] == "dissatisfied" for r in finished) / len(finished)
    assert 0.38 < online < 0.50  # 44.33 % filed online (Tiền Giang, 2023)
    assert synced > 0.85 and digitised > 0.8 and 0.1 < reusing < 0.35
    assert 0 < dissatisfied < 0.08
    assert not any(r["result_digitised"] for r in records if r["status"] != "finished")
    for record in records:
        assert 0 <= record["reused_components"] <= record["components_total"]
        assert 0 <= record["components_digitised"] <= record["components_total"]


def test_an_older_dossier_export_without_the_columns_loads_with_defaults(
    embedded_hub: Hub, tmp_path: Path
) -> None:
    """Without the six columns the same rows are accepted and the same rows dead-lettered,
    by the same rules, and every record has the schema's defaults."""
    export = write_dossier_export(tmp_path / "hs-cu.csv", rows=150, seed=31)
    _without_columns(export.path, INDEX_COLUMNS, encoding="utf-8-sig", delimiter=",")
    header = export.path.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert header == HEADER[: len(HEADER) - len(INDEX_COLUMNS)]
    report = run_connector(DOSSIERS, export.path, embedded_hub.writer(DOSSIERS.dataset))
    assert report.accepted == export.valid_rows
    assert set(_letters(embedded_hub, "tthc.dossiers")) == set(export.invalid_rows)
    for record in _records(embedded_hub, "tthc.dossiers"):
        assert {f: record[f] for f in DOSSIER_DEFAULTS} == DOSSIER_DEFAULTS


def test_a_row_whose_counts_contradict_is_dead_lettered_by_its_rule(
    embedded_hub: Hub, tmp_path: Path
) -> None:
    """More digitised or reused components than components: the DLQ, naming the rule."""
    export = write_dossier_export(tmp_path / "hs.csv", rows=40, seed=5)
    with export.path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    valid = [i for i in range(len(rows)) if i + 2 not in export.invalid_rows]
    spoiled = {valid[0] + 2: "digitised_within_total", valid[1] + 2: "reused_within_total"}
    rows[valid[0]] |= {"Số thành phần hồ sơ": "2", "Số thành phần đã số hóa": "3"}
    rows[valid[1]] |= {"Số thành phần hồ sơ": "1", "Số thành phần tái sử dụng": "4"}
    rows[valid[1]]["Số thành phần đã số hóa"] = "1"
    with export.path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    report = run_connector(DOSSIERS, export.path, embedded_hub.writer(DOSSIERS.dataset))
    assert report.accepted == export.valid_rows - 2
    letters = _letters(embedded_hub, "tthc.dossiers")
    assert set(letters) == set(export.invalid_rows) | set(spoiled)
    for row, rule in spoiled.items():
        assert [v.rule for v in letters[row].violations] == [rule]


def test_the_feedback_export_links_agencies_dossiers_and_resolution(
    embedded_hub: Hub, tmp_path: Path
) -> None:
    """Most feedback names its agency, some a dossier of the demo's export and an earlier
    feedback they repeat; resolved feedback has its time, after it was received."""
    export = write_sample("feedback-1022", tmp_path, seed=2025)
    report = run_connector(FEEDBACK, export.path, embedded_hub.writer(FEEDBACK.dataset))
    assert report.accepted == export.valid_rows
    records = _records(embedded_hub, "feedback.citizen_feedback")
    assert sum(r["agency_code"] is not None for r in records) > 0.8 * len(records)
    assert any(r["dossier_id"] for r in records) and any(r["repeat_of"] for r in records)
    resolved = [r for r in records if r["status"] == "resolved"]
    assert resolved and all(r["resolved_at"] > r["received_at"] for r in resolved)
    assert all(r["resolved_at"] is None for r in records if r["status"] != "resolved")


def test_an_older_feedback_export_without_the_columns_loads_with_nulls(
    embedded_hub: Hub, tmp_path: Path
) -> None:
    """A 1022 export without the four columns: same rows accepted, each new field null."""
    export = write_sample("feedback-1022", tmp_path, seed=7)
    _without_columns(export.path, FEEDBACK_INDEX_COLUMNS, encoding="utf-16", delimiter="\t")
    header = export.path.read_text(encoding="utf-16").splitlines()[0].split("\t")
    assert header == FEEDBACK_HEADER[: len(FEEDBACK_HEADER) - len(FEEDBACK_INDEX_COLUMNS)]
    report = run_connector(FEEDBACK, export.path, embedded_hub.writer(FEEDBACK.dataset))
    assert report.accepted == export.valid_rows
    letters = _letters(embedded_hub, "feedback.citizen_feedback")
    assert {row: letters[row].violations[0].rule for row in letters} == export.invalid_rows
    for record in _records(embedded_hub, "feedback.citizen_feedback"):
        assert {f: record[f] for f in FEEDBACK_FIELDS} == dict.fromkeys(FEEDBACK_FIELDS)


def test_optional_columns_are_not_required_in_the_header() -> None:
    """The source must have every mapped column except the optional ones."""
    assert not set(INDEX_COLUMNS) & set(DOSSIERS.required_columns)
    assert set(HEADER) - set(INDEX_COLUMNS) == set(DOSSIERS.required_columns)


def test_an_optional_field_needs_a_column() -> None:
    """A constant cannot be optional: only a source column can be missing."""
    with pytest.raises(ValidationError, match="optional: true"):
        FieldMapping(constant=0, optional=True)


def test_an_optional_cell_left_empty_is_not_a_required_violation() -> None:
    """An empty optional cell is no problem even with required: true; the field is left out of
    the record, for the schema's default."""
    config = DOSSIERS.model_copy(
        update={
            "fields": {
                "components_total": FieldMapping(
                    column="Số thành phần hồ sơ", convert="vn_integer", optional=True, required=True
                )
            }
        }
    )
    assert RowMapper(config).map({"Số thành phần hồ sơ": ""}) == ({}, [])
    assert RowMapper(config).map({"Số thành phần hồ sơ": "3"}) == ({"components_total": 3}, [])
