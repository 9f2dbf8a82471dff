"""A dossier export flows onto the embedded bus; every flawed row lands in the DLQ."""

from __future__ import annotations

from pathlib import Path

from connectors.config import load_connector_config
from connectors.runner import run_connector
from connectors.samples.dossiers import write_dossier_export
from hub.app.wiring import Hub
from hub.avro import split_wire
from hub.avro.decoder import RegistryDecoder
from hub.bus import read_all
from hub.ingest import DeadLetter
from opendata.materialise import materialise, topic_records
from tests.paths import DOSSIER_CONNECTOR

CONFIG = load_connector_config(DOSSIER_CONNECTOR)


def test_valid_rows_are_published_keyed_by_dossier_id(embedded_hub: Hub, tmp_path: Path) -> None:
    """Accepted = rows without a planted flaw; each message is keyed by its dossier id."""
    export = write_dossier_export(tmp_path / "hs.csv", rows=300, seed=1)
    writer = embedded_hub.writer(CONFIG.dataset)
    report = run_connector(CONFIG, export.path, writer)
    assert report.accepted == export.valid_rows
    records = list(read_all(embedded_hub.bus, "tthc.dossiers"))
    assert len(records) == export.valid_rows
    decoder = RegistryDecoder(embedded_hub.registry)
    for record in records[:50]:
        assert split_wire(record.value)[0] == writer.schema_id
        assert record.key == decoder.decode(record.value)["dossier_id"].encode()


def test_every_flawed_row_is_dead_lettered_with_its_row_number(
    embedded_hub: Hub, tmp_path: Path
) -> None:
    """The DLQ holds exactly the planted flaws, each with row, rule and original bytes."""
    export = write_dossier_export(tmp_path / "hs.csv", rows=300, seed=2)
    run_connector(CONFIG, export.path, embedded_hub.writer(CONFIG.dataset))
    letters = [
        DeadLetter.from_bytes(r.value) for r in read_all(embedded_hub.bus, "tthc.dossiers.dlq")
    ]
    by_row = {letter.source["position"]: letter for letter in letters}
    assert set(by_row) == set(export.invalid_rows)
    expected_rule = {
        "cccd": "cccd",
        "impossible_date": "vn_datetime",
        "empty_required": "required",
        "unknown_commune": "commune_2025",
        "due_before_received": "due_not_before_received",
    }
    lines = export.path.read_bytes().decode("utf-8-sig").splitlines(keepends=True)
    for row, flaw in export.invalid_rows.items():
        letter = by_row[row]
        assert expected_rule[flaw] in {v.rule for v in letter.violations}
        assert letter.source == {"kind": "csv", "name": "hs.csv", "position": row}
        assert letter.original.decode() == lines[row - 1]
        assert letter.reason


def test_rerun_appends_but_publishing_sees_each_dossier_once(
    embedded_hub: Hub, tmp_path: Path
) -> None:
    """Running the same export twice doubles the log, not the published dossier list (the
    latest record of each dossier)."""
    export = write_dossier_export(tmp_path / "hs.csv", rows=120, seed=3)
    for _ in range(2):
        run_connector(CONFIG, export.path, embedded_hub.writer(CONFIG.dataset))
    assert len(list(read_all(embedded_hub.bus, "tthc.dossiers"))) == 2 * export.valid_rows
    spec = embedded_hub.publications.spec("tthc.dossiers")
    schema = embedded_hub.catalogue.schema(CONFIG.dataset)
    records = topic_records(embedded_hub.bus, embedded_hub.decoder, "tthc.dossiers")
    assert len(materialise(spec, schema, records).rows) == export.valid_rows
