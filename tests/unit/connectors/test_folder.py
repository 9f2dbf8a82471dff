"""A watched folder: each dropped file is read once and moved to done/ or failed/ with why."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from connectors.checkpoints import CheckpointStore
from connectors.config import ConnectorConfig, FolderSource, XlsxSource, load_connector_config
from connectors.delivery import POSITION_HEADER, STREAM_HEADER
from connectors.folder import DONE, FAILED, REASON_SUFFIX, RunFile, take_folder
from connectors.runner import RunSummary, run_batch
from connectors.samples.dossiers import write_dossier_export
from connectors.sources.files import FileSource
from hub.app.cli.connector import checkpoint_store
from hub.app.wiring import Hub
from hub.bus import read_all
from tests.paths import DOSSIER_CONNECTOR
from tests.unit.connectors.test_file_checkpoints import CrashingStore, _Crash, _writer

CSV = load_connector_config(DOSSIER_CONNECTOR)


def _folder_config(inbox: Path, **format_: object) -> ConnectorConfig:
    source = FolderSource.model_validate({"kind": "folder", "path": inbox, **format_})
    return CSV.model_copy(update={"name": "tthc-inbox", "source": source})


def source(config: ConnectorConfig) -> FolderSource:
    assert isinstance(config.source, FolderSource)
    return config.source


def _runner(hub: Hub, config: ConnectorConfig, store: CheckpointStore) -> RunFile:
    def run(file: FileSource) -> RunSummary:
        return run_batch(config, file, _writer(hub), hub.bus, store)

    return run


def _on_bus(hub: Hub) -> Counter[tuple[str, str]]:
    seen: Counter[tuple[str, str]] = Counter()
    for topic in ("tthc.dossiers", "tthc.dossiers.dlq"):
        for r in read_all(hub.bus, topic):
            stream = (r.header(STREAM_HEADER) or b"").decode().split("@")[0]
            seen[(stream, (r.header(POSITION_HEADER) or b"").decode())] += 1
    return seen


def test_good_files_go_to_done_and_bad_ones_to_failed_with_the_reason(
    embedded_hub: Hub, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_dossier_export(inbox / "a.csv", rows=40, seed=1)
    write_dossier_export(inbox / "b.csv", rows=30, seed=2)
    (inbox / "tcvn3.csv").write_bytes(b"M\xe3 h\xf4 s\xf5,T\xean\r\nHS1,An\r\n")  # Windows-1258
    renamed = (inbox / "a.csv").read_text(encoding="utf-8").replace("Mã thủ tục", "Mã TTHC", 1)
    (inbox / "doi-ten.csv").write_text(renamed, encoding="utf-8")
    config = _folder_config(inbox)
    assert isinstance(source(config), FolderSource)
    store = checkpoint_store(embedded_hub, save_every_s=0)

    outcomes = take_folder(config, source(config), _runner(embedded_hub, config, store), settle_s=0)

    assert sorted(p.name for p in (inbox / DONE).iterdir()) == ["a.csv", "b.csv"]
    failed = inbox / FAILED
    assert sorted(p.name for p in failed.glob("*.csv")) == ["doi-ten.csv", "tcvn3.csv"]
    assert "Windows-1258" in (failed / f"tcvn3.csv{REASON_SUFFIX}").read_text(encoding="utf-8")
    assert "Mã thủ tục" in (failed / f"doi-ten.csv{REASON_SUFFIX}").read_text(encoding="utf-8")
    assert not list(inbox.glob("*.csv"))
    assert [o.reason is None for o in outcomes] == [True, True, False, False]
    seen = _on_bus(embedded_hub)
    assert set(seen.values()) == {1} and len(seen) == 70


def test_the_same_file_dropped_again_is_not_published_again(
    embedded_hub: Hub, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    export = write_dossier_export(tmp_path / "a.csv", rows=25, seed=3)
    config = _folder_config(inbox)
    store = checkpoint_store(embedded_hub, save_every_s=0)
    run = _runner(embedded_hub, config, store)
    for _ in range(2):
        (inbox / "a.csv").write_bytes(export.path.read_bytes())
        take_folder(config, source(config), run, settle_s=0)
    assert len(list((inbox / DONE).iterdir())) == 2  # the second copy kept under a new name
    assert set(_on_bus(embedded_hub).values()) == {1} and len(_on_bus(embedded_hub)) == 25


def test_a_file_cut_off_by_a_crash_stays_and_resumes(embedded_hub: Hub, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_dossier_export(inbox / "a.csv", rows=180, seed=4)
    config = _folder_config(inbox)
    store = checkpoint_store(embedded_hub, save_every_s=0)
    with pytest.raises(_Crash):
        take_folder(
            config,
            source(config),
            _runner(embedded_hub, config, CrashingStore(store, 3)),
            settle_s=0,
        )
    assert (inbox / "a.csv").exists()
    take_folder(config, source(config), _runner(embedded_hub, config, store), settle_s=0)
    assert (inbox / DONE / "a.csv").exists()
    seen = _on_bus(embedded_hub)
    assert set(seen.values()) == {1} and len(seen) == 180


def test_a_truncated_workbook_goes_to_failed(embedded_hub: Hub, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "cut.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    config = _folder_config(inbox, pattern="*.xlsx", format=XlsxSource(kind="xlsx"))
    store = checkpoint_store(embedded_hub, save_every_s=0)
    (outcome,) = take_folder(
        config, source(config), _runner(embedded_hub, config, store), settle_s=0
    )
    assert outcome.path == inbox / FAILED / "cut.xlsx" and outcome.reason
    assert "cut.xlsx" in (inbox / FAILED / f"cut.xlsx{REASON_SUFFIX}").read_text(encoding="utf-8")
