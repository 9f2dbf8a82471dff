"""``kho connector run|list|status`` as a department's IT staff use them."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from connectors.samples.dossiers import write_dossier_export
from tests.paths import DOSSIER_CONNECTOR
from tests.unit.test_cli import kho


def test_run_then_rerun_then_status(tmp_path: Path) -> None:
    """The first run publishes and counts its dead letters; the same file again resumes after
    its last row and publishes nothing; status shows the stream finished with its counts."""
    export = write_dossier_export(tmp_path / "hs.csv", rows=120, seed=9)
    args = ["connector", "run", str(DOSSIER_CONNECTOR), "--input", str(export.path)]
    first = kho(args, tmp_path)
    assert first.returncode == 0, first.stderr
    assert str(export.valid_rows) in first.stdout and "bản ghi/s" in first.stdout
    assert str(len(export.invalid_rows)) in first.stdout

    again = kho(args, tmp_path)
    assert again.returncode == 0, again.stderr
    assert "Tiếp tục sau vị trí 121" in again.stdout

    status = kho(["connector", "status"], tmp_path)
    assert status.returncode == 0, status.stderr
    assert "tthc-dossiers-csv" in status.stdout and "đã xong" in status.stdout
    assert str(export.valid_rows) in status.stdout


def test_list_shows_each_configuration_with_its_topic(tmp_path: Path) -> None:
    listed = kho(["connector", "list"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "tthc-dossiers-csv" in listed.stdout and "tthc.dossiers" in listed.stdout


def test_a_folder_once_moves_files_and_fails_with_the_reason(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_dossier_export(inbox / "a.csv", rows=30, seed=1)
    (inbox / "legacy.csv").write_bytes(b"M\xe3 h\xf4 s\xf5\r\nHS-1\r\n")
    config = yaml.safe_load(DOSSIER_CONNECTOR.read_text(encoding="utf-8"))
    config["source"] = {"kind": "folder", "path": str(inbox), "poll_interval_s": 1}
    path = tmp_path / "inbox.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    # files younger than a second are still being copied: age them
    for file in inbox.iterdir():
        os.utime(file, (1_700_000_000, 1_700_000_000))
    result = kho(["connector", "run", str(path)], tmp_path)
    assert result.returncode == 1  # one file failed
    assert "legacy.csv" in result.stdout and "Windows-1258" in result.stdout
    assert (inbox / "done" / "a.csv").exists() and (inbox / "failed" / "legacy.csv").exists()
    assert "Traceback" not in result.stdout + result.stderr


def test_a_file_connector_without_input_is_a_clear_error(tmp_path: Path) -> None:
    result = kho(["connector", "run", str(DOSSIER_CONNECTOR)], tmp_path)
    assert result.returncode == 1 and "--input" in result.stderr
