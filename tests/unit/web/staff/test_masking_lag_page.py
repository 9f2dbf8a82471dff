"""``/quan-ly/che-du-lieu``: the masking worker's lag per dataset, the figures of ``kho mask
status`` (``Hub.masking_lag``); a steward sees their agency's datasets with a masked copy, an
administrator all; a citizen is refused; a bus that does not answer is a 503 page in Vietnamese."""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import itsdangerous

from connectors.config import load_connector_config
from connectors.runner import run_connector
from connectors.samples.dossiers import write_dossier_export
from hub.app.web.people.session import COOKIE_NAME
from hub.app.web.templating import vn_number
from hub.sharing.mask_lag import DatasetLag
from hub.sharing.masked_records import maskable
from tests.paths import DOSSIER_CONNECTOR
from tests.unit.web.staff.staff_visit import ADMIN, StaffVisit, citizen, steward, words

PAGE = "/quan-ly/che-du-lieu"
DOSSIERS = "tthc.dossiers"  # owned by vp-ubnd, has personal fields


def _panels(page: str) -> dict[str, str]:
    """Each dataset's panel on the page: its id → its words."""
    panels = page.split('<li class="panel">')[1:]
    found = {}
    for panel in panels:
        dataset = re.search(r"<dt>Mã bộ dữ liệu</dt><dd><code>([^<]+)</code>", panel)
        assert dataset is not None
        found[dataset.group(1)] = words(panel.split("</li>")[0])
    return found


def _partition_rows(page: str, dataset_id: str) -> list[list[str]]:
    """The rows of a dataset's per-partition table (inside its <details>)."""
    panel = next(p for p in page.split('<li class="panel">') if f"<code>{dataset_id}</code>" in p)
    details = panel.split("<details", 1)[1].split("</details>", 1)[0]
    body = details.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [words(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.DOTALL)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.DOTALL)
    ]


def _expected_partition_rows(lag: DatasetLag) -> list[list[str]]:
    return [
        [
            str(p.partition),
            vn_number(p.input_end),
            "–" if p.committed is None else vn_number(p.committed),
            vn_number(p.lag),
            "–" if p.masked_end is None else vn_number(p.masked_end),
        ]
        for p in lag.partitions
    ]


def test_a_citizen_is_refused(visit: StaffVisit) -> None:
    """A citizen signed in gets the 403 page."""
    visit.sign_in(citizen())
    answer = visit.get(PAGE)
    assert answer.status_code == 403
    assert "dành cho cán bộ" in words(answer.text)


def test_a_steward_sees_their_agencys_masked_datasets_and_an_admin_all(
    visit: StaffVisit,
) -> None:
    """A steward of so-nnmt sees so-nnmt's datasets with a masked copy; an administrator every
    dataset ``kho mask status`` reports; a steward whose agency has none is told so."""
    hub = visit.hub
    catalogue = hub.catalogue
    visit.sign_in(steward("so-nnmt"))
    answer = visit.get(PAGE)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert (
        set(_panels(answer.text))
        == {
            e.id
            for e in catalogue.catalogue.datasets
            if e.owner == "so-nnmt" and maskable(catalogue, e)
        }
        == {"ocop.products"}
    )
    visit.sign_in(ADMIN)
    assert set(_panels(visit.get(PAGE).text)) == {lag.dataset for lag in hub.masking_lag()}
    visit.sign_in(steward("so-tc"))
    shown = words(visit.get(PAGE).text)
    assert "không làm chủ quản bộ dữ liệu nào có bản che" in shown


def test_the_figures_are_those_of_kho_mask_status(visit: StaffVisit, tmp_path: Path) -> None:
    """With sample dossiers written and none masked, then after the masking worker drained them,
    the dataset's lag and each partition's offsets on the page equal ``Hub.masking_lag``."""
    hub = visit.hub
    config = load_connector_config(DOSSIER_CONNECTOR)
    export = write_dossier_export(tmp_path / "hs.csv", rows=60, seed=5)
    written = run_connector(config, export.path, hub.writer(config.dataset))
    visit.sign_in(steward("vp-ubnd"))
    lags = []
    for _ in ("before masking", "after masking"):
        page = visit.get(PAGE).text
        [lag] = hub.masking_lag([DOSSIERS])
        panel = _panels(page)[DOSSIERS]
        assert f"{vn_number(lag.lag)} bản ghi chưa che" in panel
        assert _partition_rows(page, DOSSIERS) == _expected_partition_rows(lag)
        lags.append(lag)
        hub.masking_worker([DOSSIERS]).drain(idle_timeout_s=10)
    assert written.accepted > 0
    assert [lag.lag for lag in lags] == [written.accepted, 0]
    assert all(p.committed is not None for p in lags[1].partitions)


def test_a_bus_that_does_not_answer_is_a_503_page_in_vietnamese(tmp_path: Path) -> None:
    """With Kafka unreachable (nothing listens on the port), the page of a served hub answers
    503 saying the bus cannot be read now, with no traceback. Served by uvicorn in its own
    process (kafka-python keeps retrying in the background, which must not outlive the test);
    as that hub is not on the embedded defaults it has no development sign-in, so the test signs
    the session cookie itself with the session key it gave the hub, as the sign-in would."""
    secret = "k" * 64
    (tmp_path / "session.key").write_text(secret, encoding="utf-8")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    environment.update(
        KHO_DATA_DIR=str(tmp_path / "kho"),
        KHO_BUS_URL="kafka://127.0.0.1:9",
        KHO_SESSION_SECRET_FILE=str(tmp_path / "session.key"),
    )
    command = [sys.executable, "-m", "uvicorn", "--factory", "hub.app.api.main:create_app"]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--log-level", "warning"],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        page = _get_when_up(f"http://127.0.0.1:{port}{PAGE}", server, _admin_session(secret))
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert page.status_code == 503
    assert page.headers["cache-control"] == "no-store"
    shown = words(page.text)
    assert "Lúc này Kho không đọc được hàng đợi sự kiện (Kafka)" in shown
    assert "Độ trễ che dữ liệu" in shown
    assert "Traceback" not in page.text and "Error" not in shown


def _admin_session(secret: str) -> str:
    """The session cookie the sign-in gives the sample administrator, signed with ``secret``
    as Starlette's SessionMiddleware signs it."""
    session = {
        "person": {
            "kind": "staff",
            "subject": ADMIN,
            "name": "Quản trị viên",
            "cccd": None,
            "agency": "vp-ubnd",
            "roles": ["admin"],
        },
        "ends_at": int(time.time()) + 3600,
    }
    data = base64.b64encode(json.dumps(session).encode())
    return itsdangerous.TimestampSigner(secret).sign(data).decode()


def _get_when_up(url: str, server: subprocess.Popen[bytes], session: str) -> httpx.Response:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert server.poll() is None, "the hub stopped while starting"
        try:
            return httpx.get(url, cookies={COOKIE_NAME: session}, timeout=90)
        except httpx.ConnectError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within 90 s")
