"""`kho dlq list|show|replay`: a steward's round trip through the command line, and its errors
as one line each, never a traceback."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.samples.dossiers import SampleExport, write_dossier_export
from hub.app.wiring import Hub, build_hub
from hub.bus import read_all
from hub.dlq import LetterView
from hub.settings import KhoSettings
from tests.paths import DOSSIER_CONNECTOR
from tests.unit.hub.test_dlq import desk_on
from tests.unit.test_cli import kho

DATASET = "tthc.dossiers"
CCCD_PATH = "$.applicant_id_number"


@pytest.fixture
def export(tmp_path: Path) -> SampleExport:
    """A dossier export run through `kho connector run` in the test's folder."""
    sample = write_dossier_export(tmp_path / "ho-so.csv", rows=120, seed=5)
    result = kho(
        ["connector", "run", str(DOSSIER_CONNECTOR), "--input", str(sample.path)], tmp_path
    )
    assert result.returncode == 0, result.stderr
    return sample


@pytest.fixture
def hub(tmp_path: Path, export: SampleExport) -> Iterator[Hub]:
    """The same hub the commands use (the embedded defaults under the test's folder)."""
    data = tmp_path / ".kho"
    settings = KhoSettings(
        data_dir=data,
        bus_url=f"embedded:{data / 'bus.sqlite3'}",
        database_url=f"sqlite:///{data / 'kho.sqlite3'}",
    )
    opened = build_hub(settings)
    yield opened
    opened.close()


def cccd_letter(hub: Hub) -> LetterView:
    return next(
        view
        for view in desk_on(hub).letters().letters
        if any(v.path == CCCD_PATH for v in view.stored.letter.violations)
    )


def accepted_cccd(hub: Hub) -> str:
    """A CCCD number from a record the hub accepted."""
    message = next(read_all(hub.bus, DATASET))
    return str(hub.decoder.decode(message.value)["applicant_id_number"])


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 1
    assert "Lỗi:" in result.stderr and "Traceback" not in result.stderr + result.stdout
    for fragment in fragments:
        assert fragment in result.stderr


def test_list_and_show(tmp_path: Path, export: SampleExport, hub: Hub) -> None:
    """`list` shows each letter's address, source row and status; `show` prints the reason,
    rule, source, original CSV text and record; `show --json` prints the record alone."""
    listed = kho(["dlq", "list", DATASET, "--limit", "500"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    view = cccd_letter(hub)
    row = view.stored.letter.source["position"]
    assert str(view.address) in listed.stdout and f"dòng {row}" in listed.stdout
    assert "chờ xử lý" in listed.stdout

    shown = kho(["dlq", "show", DATASET, str(view.address)], tmp_path)
    assert shown.returncode == 0, shown.stderr
    letter = view.stored.letter
    assert letter.reason in shown.stdout
    assert letter.violations[0].rule in shown.stdout
    assert f"ho-so.csv, dòng {row}" in shown.stdout
    assert letter.original.decode("utf-8").strip() in shown.stdout
    assert '"dossier_id"' in shown.stdout

    as_json = kho(["dlq", "show", DATASET, str(view.address), "--json"], tmp_path)
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout) == letter.record


def test_replay_refused_then_corrected(tmp_path: Path, export: SampleExport, hub: Hub) -> None:
    """Uncorrected, a letter is refused again with each violation; the steward saves the
    record with `show --json`, fixes it and replays it with --record: it is published; once
    more is refused without --force."""
    view = cccd_letter(hub)
    address = str(view.address)
    refused = kho(["dlq", "replay", DATASET, address], tmp_path)
    assert refused.returncode == 1, refused.stderr
    assert "vẫn bị từ chối" in refused.stdout and CCCD_PATH in refused.stdout

    # The replay made a new letter; the steward corrects that one.
    listed = kho(["dlq", "list", DATASET, "--limit", "1"], tmp_path)
    assert "phát lại thư " + address in listed.stdout
    newest = desk_on(hub).letters(limit=1).letters[0]
    saved = kho(["dlq", "show", DATASET, str(newest.address), "--json"], tmp_path)
    record = json.loads(saved.stdout)
    record["applicant_id_number"] = accepted_cccd(hub)
    fix = tmp_path / "ban-ghi.json"
    fix.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")

    published = kho(["dlq", "replay", DATASET, str(newest.address), "--record", str(fix)], tmp_path)
    assert published.returncode == 0, published.stdout + published.stderr
    assert "đã công bố" in published.stdout and "tthc.dossiers" in published.stdout

    again = kho(["dlq", "replay", DATASET, str(newest.address), "--record", str(fix)], tmp_path)
    assert_one_line_error(again, str(newest.address), "--force")


def test_errors_are_one_clear_line(tmp_path: Path, export: SampleExport, hub: Hub) -> None:
    """An unknown dataset, an unknown address and a broken JSON file each give one line
    naming what is wrong."""
    assert_one_line_error(kho(["dlq", "list", "khong.co"], tmp_path), "khong.co")
    assert_one_line_error(kho(["dlq", "show", DATASET, "0:99999"], tmp_path), "0:99999")
    assert_one_line_error(kho(["dlq", "show", DATASET, "12"], tmp_path), "<phân vùng>:<offset>")
    broken = tmp_path / "hong.json"
    broken.write_text('{\n  "dossier_id": "DT-1"\n  "fee_vnd": 1\n}\n', encoding="utf-8")
    address = str(cccd_letter(hub).address)
    result = kho(["dlq", "replay", DATASET, address, "--record", str(broken)], tmp_path)
    assert_one_line_error(result, "hong.json", "dòng 3")
