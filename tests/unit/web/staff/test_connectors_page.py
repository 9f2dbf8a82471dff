"""``/quan-ly/ket-noi``: a steward sees the connectors feeding their agency's datasets, an
administrator every one; each with the position, counts, last error and last run the checkpoint
store (what ``kho connector status`` prints) holds; a citizen is refused."""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.checkpoints import Checkpoint, CheckpointStore
from connectors.config import load_connector_config
from connectors.runner import run_batch
from connectors.samples.dossiers import write_dossier_export
from connectors.sources.files import FileSource
from hub.app.web.staff.connectors import STREAMS_SHOWN, position_text
from hub.app.web.templating import vn_datetime, vn_number
from hub.app.wiring import Hub, build_hub
from hub.settings import KhoSettings
from tests.paths import CONNECTOR_CONFIGS, DOSSIER_CONNECTOR
from tests.unit.web.staff.staff_visit import (
    ADMIN,
    StaffVisit,
    citizen,
    staff_visit,
    steward,
    words,
)

PAGE = "/quan-ly/ket-noi"
DOSSIERS = "tthc-dossiers-csv"  # feeds tthc.dossiers, owned by vp-ubnd


def _cards(page: str) -> dict[str, str]:
    """Each connector's card on the page: its name → its words."""
    cards = page.split('<li class="panel connector">')[1:]
    found = {}
    for card in cards:
        name = re.search(r"<h2[^>]*>(.*?)</h2>", card, flags=re.DOTALL)
        assert name is not None
        text = html.unescape(words(card.split("</li>")[0]))
        # a tag's edge next to a bracket or punctuation left a space
        found[words(name.group(1))] = re.sub(r"\( | (?=[,:.)])", lambda m: m.group(0).strip(), text)
    return found


def _owned_by(hub: Hub, agency: str | None) -> set[str]:
    """The connectors the shipped folder configures for the datasets of ``agency`` (all)."""
    names = set()
    for path in CONNECTOR_CONFIGS.glob("*.yaml"):
        config = load_connector_config(path)
        if agency is None or hub.catalogue.entry(config.dataset).owner == agency:
            names.add(config.name)
    return names


def _run_dossiers(hub: Hub, folder: Path, rows: int = 40) -> Checkpoint:
    """Runs the dossier connector over a sample export, keeping its checkpoint."""
    config = load_connector_config(DOSSIER_CONNECTOR)
    export = write_dossier_export(folder / "ho-so.csv", rows=rows, seed=3)
    store = CheckpointStore(hub.engine)
    summary = run_batch(
        config, FileSource(config, export.path), hub.writer(config.dataset), hub.bus, store
    )
    assert summary.checkpoint is not None
    return summary.checkpoint


def test_a_citizen_is_refused(visit: StaffVisit) -> None:
    """A citizen signed in gets the 403 page."""
    visit.sign_in(citizen())
    answer = visit.get(PAGE)
    assert answer.status_code == 403
    assert "dành cho cán bộ" in words(answer.text)


def test_a_steward_sees_the_connectors_of_their_agency_and_an_admin_all(
    visit: StaffVisit,
) -> None:
    """Before any run, a steward of so-nnmt sees exactly the configured connectors of so-nnmt's
    datasets, each not run yet; an administrator sees every configured connector."""
    visit.sign_in(steward("so-nnmt"))
    answer = visit.get(PAGE)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    cards = _cards(answer.text)
    assert set(cards) == _owned_by(visit.hub, "so-nnmt")
    assert all("Chưa chạy" in card for card in cards.values())
    visit.sign_in(ADMIN)
    assert set(_cards(visit.get(PAGE).text)) == _owned_by(visit.hub, None)


def test_the_figures_are_the_checkpoint_stores(visit: StaffVisit, tmp_path: Path) -> None:
    """After a run, the dossier connector's card shows the stream, position, counts and time of
    the checkpoint the store holds, for the owner's steward; so-nnmt's steward does not see it."""
    _run_dossiers(visit.hub, tmp_path)
    [saved] = CheckpointStore(visit.hub.engine).of_connector(DOSSIERS)
    assert saved.accepted + saved.rejected == 40
    visit.sign_in(steward("vp-ubnd"))
    card = _cards(visit.get(PAGE).text)[DOSSIERS]
    assert "Đã đọc hết" in card
    assert f"Đã đọc tới {position_text(saved.position)} (luồng {saved.stream})" in card
    assert (
        f"{vn_number(saved.accepted)} hợp lệ, {vn_number(saved.rejected)} vào hàng bản ghi lỗi"
        in card
    )
    assert f"Lần chạy gần nhất {vn_datetime(saved.updated_at)}" in card
    assert "Lỗi gần nhất Không có" in card
    visit.sign_in(steward("so-nnmt"))
    assert DOSSIERS not in _cards(visit.get(PAGE).text)


def test_the_last_error_and_when_it_happened(visit: StaffVisit, tmp_path: Path) -> None:
    """An error the store recorded for the stream is on the card with its time, and the
    connector's status says it failed."""
    saved = _run_dossiers(visit.hub, tmp_path)
    store = CheckpointStore(visit.hub.engine)
    store.record_error(DOSSIERS, saved.stream, "Máy chủ nguồn không trả lời <sau 3 lần thử>")
    [failed] = store.of_connector(DOSSIERS)
    visit.sign_in(ADMIN)
    answer = visit.get(PAGE)
    card = _cards(answer.text)[DOSSIERS]
    assert "Lỗi khi đọc nguồn" in card
    assert (
        "Lỗi gần nhất Máy chủ nguồn không trả lời <sau 3 lần thử>"
        f" lúc {vn_datetime(failed.updated_at)}" in card
    )
    assert "&lt;sau 3 lần thử&gt;" in answer.text  # escaped, never markup
    assert "<sau 3" not in answer.text


def test_a_connector_run_from_another_file_is_shown_and_its_streams_are_bounded(
    visit: StaffVisit,
) -> None:
    """A connector with checkpoints but no file in the connectors' folder is on the page of
    its dataset's steward; of its many streams the page lists the latest STREAMS_SHOWN."""
    store = CheckpointStore(visit.hub.engine)
    for n in range(STREAMS_SHOWN + 3):
        store.save(
            Checkpoint(
                connector="ocop-folder",
                stream=f"tep-{n:02d}.xlsx@sha256:{n:016x}",
                dataset="ocop.products",
                source_kind="folder",
                position=n,
                accepted=n,
                finished=True,
            )
        )
    visit.sign_in(steward("so-nnmt"))
    card = _cards(visit.get(PAGE).text)["ocop-folder"]
    assert "không có tệp cấu hình trong thư mục bộ kết nối" in card
    assert f"Các luồng đã đọc ({STREAMS_SHOWN}, {STREAMS_SHOWN} luồng mới nhất)" in card
    latest = store.of_connector("ocop-folder", limit=STREAMS_SHOWN)
    assert re.findall(r"tep-\d\d\.xlsx@sha256:[0-9a-f]{16}", card.split("Các luồng", 1)[1]) == [
        cp.stream for cp in latest
    ]
    visit.sign_in(steward("so-yt"))
    assert "ocop-folder" not in _cards(visit.get(PAGE).text)


@pytest.fixture
def broken_folder_visit(embedded_settings: KhoSettings, tmp_path: Path) -> Iterator[StaffVisit]:
    """A hub whose connectors' folder holds the dossier connector and a file that does not
    load."""
    folder = tmp_path / "connectors"
    folder.mkdir()
    shutil.copy(DOSSIER_CONNECTOR, folder)
    (folder / "hong.yaml").write_text("name: [khong dong\n", encoding="utf-8")
    hub = build_hub(embedded_settings.model_copy(update={"connectors_dir": folder}))
    try:
        yield from staff_visit(hub)
    finally:
        hub.close()


def test_a_broken_configuration_is_shown_to_administrators_only(
    broken_folder_visit: StaffVisit,
) -> None:
    """A file of the folder that does not load is named, with why, to an administrator; a
    steward sees the connectors of the folder that load, and no word of the broken file."""
    visit = broken_folder_visit
    visit.sign_in(ADMIN)
    page = visit.get(PAGE)
    assert page.status_code == 200
    assert "Tệp cấu hình không đọc được hong.yaml" in words(page.text)
    assert str(visit.hub.settings.connectors_dir) not in page.text  # file names, never a path
    assert set(_cards(page.text)) == {DOSSIERS}
    visit.sign_in(steward("vp-ubnd"))
    page = visit.get(PAGE)
    assert "hong.yaml" not in page.text
    assert set(_cards(page.text)) == {DOSSIERS}
