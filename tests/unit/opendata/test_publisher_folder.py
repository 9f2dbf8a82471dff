"""Publishing to the embedded folder portal: no personal column, one row per key, idempotent."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from connectors.config import load_connector_config
from connectors.runner import run_connector
from connectors.samples.dossiers import write_dossier_export
from hub.demo import DOSSIER_CONNECTOR
from hub.wiring import Hub


def test_publish_writes_open_csv_and_dcat_then_changes_nothing(
    embedded_hub: Hub, tmp_path: Path
) -> None:
    """The CSV lacks personal columns and has a row per valid dossier; DCAT names both
    languages and the file's checksum; a second run is 'unchanged' and rewrites nothing."""
    export = write_dossier_export(tmp_path / "hs.csv", rows=200, seed=5)
    config = load_connector_config(DOSSIER_CONNECTOR)
    run_connector(config, export.path, embedded_hub.writer(config.dataset))

    (first,) = [r for r in embedded_hub.publisher().publish_all() if r.dataset_id == config.dataset]
    assert first.outcome is not None and first.outcome.action == "created"
    folder = Path(first.outcome.location)
    data = (folder / "tthc-dossiers.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == export.valid_rows
    assert "applicant_id_number" not in rows[0] and "applicant_name" not in rows[0]
    assert any("ồ" in r["procedure_name"] or "ă" in r["procedure_name"] for r in rows)

    dcat = json.loads((folder / "dataset.jsonld").read_text(encoding="utf-8"))
    assert {t["@language"] for t in dcat["dct:title"]} == {"vi", "en"}
    checksum = dcat["dcat:distribution"][0]["spdx:checksum"]["spdx:checksumValue"]
    import hashlib

    assert checksum == hashlib.sha256(data).hexdigest()

    mtime = (folder / "tthc-dossiers.csv").stat().st_mtime_ns
    (second,) = [
        r for r in embedded_hub.publisher().publish_all() if r.dataset_id == config.dataset
    ]
    assert second.outcome is not None and second.outcome.action == "unchanged"
    assert (folder / "tthc-dossiers.csv").stat().st_mtime_ns == mtime


def test_datasets_without_records_are_skipped(embedded_hub: Hub) -> None:
    """A publishable dataset whose topic is still empty is reported as skipped, not published."""
    results = embedded_hub.publisher().publish_all()
    assert results, "the catalogue has publishable datasets"
    assert all(r.skipped and r.outcome is None for r in results)
    assert not any((Path(embedded_hub.settings.portal_url.removeprefix("folder:"))).rglob("*.csv"))
