"""The kho command: the demo runs end to end, and failures are one clear line, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from connectors.samples.dossiers import HEADER, write_dossier_export
from tests.paths import DOSSIER_CONNECTOR


def kho(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    return subprocess.run(
        [sys.executable, "-m", "hub.app", *args],
        cwd=cwd,
        env={**clean, "COLUMNS": "200", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_demo_once_publishes_and_summarises(tmp_path: Path) -> None:
    """`kho demo --once` exits 0 and reports accepted, rejected and published; a second run
    leaves the open dataset unchanged."""
    first = kho(["demo", "--once"], tmp_path)
    assert first.returncode == 0, first.stderr
    assert "tthc.dossiers" in first.stdout and "tạo mới" in first.stdout
    for rule in ("cccd", "required", "commune_2025"):
        assert rule in first.stdout
    published = tmp_path / ".kho" / "opendata" / "tthc-dossiers-monthly-by-commune"
    for suffix in (".csv", ".json", ".parquet", "-tu-dien-du-lieu.csv"):
        assert (published / f"tthc-dossiers-monthly-by-commune{suffix}").exists()
    assert (published / "dataset.jsonld").exists()
    assert not (tmp_path / ".kho" / "opendata" / "tthc-dossiers").exists()  # not approved
    second = kho(["demo", "--once"], tmp_path)
    assert second.returncode == 0, second.stderr
    assert "giữ nguyên" in second.stdout


def test_missing_column_stops_with_its_name(tmp_path: Path) -> None:
    """A file without a required column stops the run and names the column; no traceback."""
    source = tmp_path / "thieu-cot.csv"
    source.write_text(",".join(h for h in HEADER if h != "Kênh nộp") + "\n", encoding="utf-8")
    result = kho(["connector", "run", str(DOSSIER_CONNECTOR), "--input", str(source)], tmp_path)
    assert result.returncode == 1
    assert "'Kênh nộp'" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_kafka_down_names_what_is_unreachable(tmp_path: Path) -> None:
    """With no broker at the configured address, the error names Kafka and the address."""
    export = write_dossier_export(tmp_path / "hs.csv", rows=5)
    result = kho(
        ["connector", "run", str(DOSSIER_CONNECTOR), "--input", str(export.path)],
        tmp_path,
        KHO_BUS_URL="kafka://127.0.0.1:1",
    )
    assert result.returncode == 1
    assert "Kafka" in result.stderr and "127.0.0.1:1" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_ckan_down_names_what_is_unreachable(tmp_path: Path) -> None:
    """With no CKAN at the configured address, publishing retries, then names the portal and
    the address in the run's summary, and reports the publications after it as not tried."""
    assert kho(["sample", "dossiers", "hs.csv", "--rows", "20"], tmp_path).returncode == 0
    loaded = kho(["connector", "run", str(DOSSIER_CONNECTOR), "--input", "hs.csv"], tmp_path)
    assert loaded.returncode in (0, 1), loaded.stderr
    result = kho(
        ["publish"],
        tmp_path,
        KHO_PORTAL_URL="ckan+http://127.0.0.1:1",
        KHO_CKAN_API_TOKEN="not-a-real-token",
        KHO_PUBLISH_RETRIES="1",
        KHO_PUBLISH_BACKOFF_S="0.01",
        COLUMNS="300",
    )
    assert result.returncode == 1
    assert "CKAN" in result.stdout and "127.0.0.1:1" in result.stdout
    assert "không thử" in result.stdout
    assert "attempt 1" in result.stderr  # the retry is logged
    assert "Traceback" not in result.stderr + result.stdout
