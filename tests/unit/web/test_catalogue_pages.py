"""The open-data catalogue's pages on the embedded hub: the list with search and filters, a
dataset's page with its publications, preview and sharing, the hub's DCAT-AP and the folder
portal's files, the 404 page, and escaping of what a user or a catalogue typed."""

from __future__ import annotations

import html
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from starlette.testclient import TestClient

from connectors.config import load_connector_config
from connectors.runner import run_connector
from connectors.samples.dossiers import write_dossier_export
from hub.app.api import build_app
from hub.app.wiring import Hub, build_hub
from hub.audit.entry import CLI, Actor
from hub.settings import KhoSettings
from tests.paths import CATALOGUE_DIR, DOSSIER_CONNECTOR

FIGURES = "tthc.dossiers.monthly_by_commune"
STEWARD = Actor("token:steward-vp", agency="vp-ubnd")
SCRIPT = '<script>document.title="hacked"</script>'


@pytest.fixture
def client(embedded_hub: Hub) -> Iterator[TestClient]:
    with TestClient(build_app(embedded_hub)) as client:
        yield client


@pytest.fixture
def published(embedded_hub: Hub, tmp_path: Path) -> Iterator[TestClient]:
    """A hub holding 80 sample dossiers, with the per-commune figures approved and published
    on the folder portal."""
    export = write_dossier_export(tmp_path / "hs.csv", rows=80, seed=9)
    config = load_connector_config(DOSSIER_CONNECTOR)
    run_connector(config, export.path, embedded_hub.writer(config.dataset))
    embedded_hub.approvals.grant(FIGURES, actor=STEWARD, note="số liệu tổng hợp")
    results = {r.publication_id: r for r in embedded_hub.publisher().run(CLI)}
    assert results[FIGURES].status == "published"
    with TestClient(build_app(embedded_hub)) as client:
        yield client


def _links(page: str) -> list[str]:
    return re.findall(r'href="/du-lieu/([a-z0-9_.]+)"', page)


def _main(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


def test_the_list_shows_what_the_catalogue_api_shows_the_public(client: TestClient) -> None:
    """Every dataset of GET /api/v1/catalogue without a token is linked, and nothing else: the
    restricted evidence store is not."""
    page = client.get("/du-lieu")
    assert page.status_code == 200
    assert '<html lang="vi">' in page.text
    api_ids = [d["id"] for d in client.get("/api/v1/catalogue").json()["datasets"]]
    assert _links(_main(page.text)) == api_ids
    assert "evidence.citizen_evidence" not in page.text
    assert f"{len(api_ids)} bộ dữ liệu" in page.text


@pytest.mark.parametrize("typed", ["do man", "ĐỘ MẶN", "độ mặn", "xam nhap man"])
def test_a_search_without_diacritics_finds_salinity_first(client: TestClient, typed: str) -> None:
    """ "do man" and its variants list the salinity readings first, and not the schools."""
    page = client.get("/du-lieu", params={"q": typed})
    assert page.status_code == 200
    found = _links(_main(page.text))
    assert found[0] == "salinity.readings"
    assert "education.schools" not in found
    assert f'value="{html.escape(typed, quote=True)}"' in page.text


def test_filters_narrow_the_list_and_stay_chosen(client: TestClient) -> None:
    """class=open lists only open datasets; with sector=health nothing open is left, and the
    form keeps both choices selected."""
    catalogue = client.get("/api/v1/catalogue").json()["datasets"]
    open_ids = [d["id"] for d in catalogue if d["classification"] == "open"]
    page = client.get("/du-lieu", params={"class": "open"})
    assert _links(_main(page.text)) == open_ids
    both = client.get("/du-lieu", params={"class": "open", "sector": "health"})
    assert both.status_code == 200
    assert "Không có bộ dữ liệu nào phù hợp" in both.text
    assert '<option value="open" selected>' in both.text
    assert '<option value="health" selected>' in both.text


def test_an_unknown_filter_value_is_a_400_page_naming_the_filter(client: TestClient) -> None:
    """sector=<b>x</b> answers 400 with "Lĩnh vực" named and the value escaped."""
    page = client.get("/du-lieu", params={"sector": "<b>x</b>"})
    assert page.status_code == 400
    assert "Lĩnh vực «&lt;b&gt;x&lt;/b&gt;» không có trong danh mục" in page.text
    assert "<b>x</b>" not in page.text


def test_a_query_of_ten_thousand_characters_gets_a_clear_400(client: TestClient) -> None:
    """The page says how long the query was and the limit; the box holds at most the limit."""
    page = client.get("/du-lieu", params={"q": "x" * 10_000})
    assert page.status_code == 400
    assert "Từ khoá dài 10.000 ký tự, quá giới hạn 200 ký tự" in page.text
    assert 'value="' + "x" * 200 + '"' in page.text
    assert "x" * 201 not in page.text


def test_a_script_typed_into_the_search_is_escaped_everywhere(client: TestClient) -> None:
    """The query is shown as text (title, box, result line) and never as a tag; a notice says
    tags do not search."""
    page = client.get("/du-lieu", params={"q": SCRIPT})
    assert page.status_code == 200
    assert "<script" not in page.text
    assert "&lt;script&gt;" in page.text
    assert "thẻ HTML" in page.text


def test_quotes_in_a_search_are_explained(client: TestClient) -> None:
    """A quoted phrase is searched as a phrase; a lone quote is dropped with a message."""
    phrase = client.get("/du-lieu", params={"q": '"độ mặn"'})
    assert _links(_main(phrase.text))[0] == "salinity.readings"
    assert "liền nhau" in phrase.text
    lone = client.get("/du-lieu", params={"q": "'; DROP TABLE --\""})
    assert lone.status_code == 200
    assert "Dấu ngoặc kép chưa được đóng" in lone.text
    assert "Đã bỏ qua các ký tự không dùng để tìm" in lone.text


def test_a_dataset_page_shows_the_description_the_api_gives(published: TestClient) -> None:
    """Titles and descriptions in both languages, owner, legal basis, licence, retention and
    every field with the personal ones marked, as GET /api/v1/datasets/{id} describes them."""
    described = published.get("/api/v1/datasets/tthc.dossiers").json()
    page = published.get("/du-lieu/tthc.dossiers")
    assert page.status_code == 200
    text = html.unescape(page.text).replace("<wbr>", "")  # break points in long field names
    for shown in (
        described["title"]["vi"],
        described["title"]["en"],
        described["description"]["vi"],
        described["description"]["en"],
        described["owner"]["name"],
        described["legal_basis"],
        "Creative Commons Ghi công 4.0",
        "10 năm",
    ):
        assert shown in text
    rows = re.findall(
        r"<tr( class=\"personal-row\")?>\s*<th scope=\"row\"><code>(\w+)</code>", text
    )
    assert [name for _, name in rows] == [f["name"] for f in described["fields"]]
    marked = {name for personal, name in rows if personal}
    assert marked == {f["name"] for f in described["fields"] if f["personal"]}


def test_the_preview_is_the_public_projection_the_api_reads(published: TestClient) -> None:
    """The first records' ids are those the anonymous API returns; no personal column."""
    records = published.get("/api/v1/datasets/tthc.dossiers/records", params={"limit": 10})
    first = [r["value"]["dossier_id"] for r in records.json()["records"]]
    page = published.get("/du-lieu/tthc.dossiers").text
    preview = page[page.index('id="xem-truoc"') : page.index('id="chia-se"')]
    assert re.findall(r"<td>(DT-[\d-]+)</td>", preview) == first
    assert "applicant_name" not in preview
    assert "applicant_id_number" not in preview


def test_published_files_are_linked_and_served(published: TestClient, embedded_hub: Hub) -> None:
    """Each published file is linked; the link answers the folder portal's bytes; the
    pending record-level publication says it is not on the portal."""
    page = published.get("/du-lieu/tthc.dossiers").text
    links = re.findall(r'href="(/du-lieu/tthc\.dossiers/tep/[^"]+)"', page)
    assert any(link.endswith(".csv") for link in links)
    folder = embedded_hub.settings.data_dir / "opendata" / "tthc-dossiers-monthly-by-commune"
    for link in links:
        answer = published.get(link)
        assert answer.status_code == 200
        assert answer.content == (folder / link.rsplit("/", 1)[-1]).read_bytes()
    assert "Chờ cơ quan chủ quản phê duyệt" in page
    assert "Chưa có trên cổng dữ liệu mở." in page


@pytest.mark.parametrize(
    "path",
    [
        "/du-lieu/tthc.dossiers/tep/tthc.dossiers.monthly_by_commune/khong-co.csv",
        "/du-lieu/tthc.dossiers/tep/tthc.dossiers/tthc-dossiers.csv",
        "/du-lieu/salinity.readings/tep/tthc.dossiers.monthly_by_commune/"
        "tthc-dossiers-monthly-by-commune.csv",
        "/du-lieu/tthc.dossiers/tep/tthc.dossiers.monthly_by_commune/..%2F..%2Fkho.sqlite3",
        "/du-lieu/evidence.citizen_evidence/tep/x/y.csv",
    ],
)
def test_only_published_files_of_the_dataset_are_served(published: TestClient, path: str) -> None:
    """Another name, an unpublished publication, another dataset's publication, a path out of
    the folder, a restricted dataset: the Vietnamese 404 page."""
    answer = published.get(path)
    assert answer.status_code == 404
    assert "Không tìm thấy trang" in answer.text


def test_the_dcat_ap_link_serves_the_published_description(published: TestClient) -> None:
    """The page links JSON-LD and Turtle; both describe the published publication, and the
    JSON-LD names its identifier and files."""
    page = published.get("/du-lieu/tthc.dossiers").text
    assert 'href="/du-lieu/tthc.dossiers/dcat.jsonld"' in page
    jsonld = published.get("/du-lieu/tthc.dossiers/dcat.jsonld")
    assert jsonld.status_code == 200
    assert jsonld.headers["content-type"].startswith("application/ld+json")
    document = json.loads(jsonld.text)
    identifiers = [n.get("dct:identifier") for n in document["@graph"]]
    assert FIGURES in identifiers
    assert "tthc-dossiers-monthly-by-commune.csv" in jsonld.text
    turtle = published.get("/du-lieu/tthc.dossiers/dcat.ttl")
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert "dcat:Dataset" in turtle.text


def test_no_dcat_ap_before_anything_is_published(client: TestClient) -> None:
    """A dataset with nothing on the portal has no DCAT link and its URL is a 404 page that
    says why; an unknown form is a 404 too."""
    page = client.get("/du-lieu/salinity.readings").text
    assert "dcat.jsonld" not in page
    answer = client.get("/du-lieu/salinity.readings/dcat.jsonld")
    assert answer.status_code == 404
    assert "chưa có ấn phẩm nào trên cổng dữ liệu mở" in answer.text
    assert client.get("/du-lieu/salinity.readings/dcat.xml").status_code == 404


def test_a_shared_only_dataset_says_who_reads_it_and_how_to_ask(client: TestClient) -> None:
    """The 1022 feedback (shared, no open projection): no preview, the owner and every granted
    agency by name with its purpose, and how to ask the owner."""
    described = client.get("/api/v1/datasets/feedback.citizen_feedback").json()
    assert described["open_projection"] is False
    page = html.unescape(client.get("/du-lieu/feedback.citizen_feedback").text)
    assert "không có bản xem trước công khai" in page
    assert "Cách xin quyền khai thác" in page
    assert f"gửi văn bản đề nghị tới <strong>{described['owner']['name']}</strong>" in page
    agencies = {a["id"]: a["name"] for a in _agencies()}
    for grant in described["consumers"]:
        assert f"{agencies[grant['agency']]}</strong>" in page
        assert grant["purpose"] in page


def _agencies() -> list[dict[str, str]]:
    loaded: dict[str, list[dict[str, str]]] = yaml.safe_load(
        (CATALOGUE_DIR / "datasets.yaml").read_text(encoding="utf-8")
    )
    return loaded["agencies"]


@pytest.mark.parametrize(
    "dataset_id", ["khong.ton_tai", "evidence.citizen_evidence", "<script>alert(1)"]
)
def test_an_unknown_or_restricted_dataset_is_the_vietnamese_404(
    client: TestClient, dataset_id: str
) -> None:
    """Unknown and restricted datasets answer alike: 404, a way back to the catalogue, the id
    escaped."""
    answer = client.get(f"/du-lieu/{dataset_id}")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert 'href="/du-lieu"' in answer.text
    assert "<script>alert" not in answer.text
    if dataset_id != "evidence.citizen_evidence":
        assert html.escape(dataset_id, quote=False) in answer.text


@pytest.fixture
def tampered(tmp_path: Path) -> Iterator[TestClient]:
    """A hub on a catalogue copy whose salinity description and title hold a script tag."""
    catalogue = yaml.safe_load((CATALOGUE_DIR / "datasets.yaml").read_text(encoding="utf-8"))
    for entry in catalogue["datasets"]:
        if entry["id"] == "salinity.readings":
            entry["title"]["vi"] += " " + SCRIPT
            entry["description"]["vi"] = f"Độ mặn {SCRIPT} <img src=x onerror=alert(1)>"
    copy = tmp_path / "datasets.yaml"
    copy.write_text(yaml.safe_dump(catalogue, allow_unicode=True), encoding="utf-8")
    data = tmp_path / "kho"
    settings = KhoSettings(
        data_dir=data,
        bus_url=f"embedded:{data / 'bus.sqlite3'}",
        database_url=f"sqlite:///{data / 'kho.sqlite3'}",
        catalogue_path=copy,
    )
    with build_hub(settings) as hub, TestClient(build_app(hub)) as client:
        yield client


def test_a_script_in_a_dataset_description_is_escaped(tampered: TestClient) -> None:
    """The tag shows as text on the dataset's page and in the list; no tag or handler is live."""
    for path in ("/du-lieu/salinity.readings", "/du-lieu?q=do+man"):
        page = tampered.get(path)
        assert page.status_code == 200
        assert "<script" not in page.text
        assert "<img" not in page.text
        assert "&lt;script&gt;document.title=&#34;hacked&#34;&lt;/script&gt;" in page.text


def test_a_bus_that_does_not_answer_leaves_the_page_readable(tmp_path: Path) -> None:
    """With Kafka unreachable (nothing listens on the port), the dataset page of a served hub
    still answers 200 with everything from the catalogue, and says the preview cannot be read
    now. (Served by uvicorn in its own process: kafka-python keeps retrying the connection in
    the background after the page gave up, which must not outlive the test.)"""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    environment.update(KHO_DATA_DIR=str(tmp_path / "kho"), KHO_BUS_URL="kafka://127.0.0.1:9")
    command = [sys.executable, "-m", "uvicorn", "--factory", "hub.app.api.main:create_app"]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--log-level", "warning"],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        page = _get_when_up(f"http://127.0.0.1:{port}/du-lieu/salinity.readings", server)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert page.status_code == 200
    assert "Lúc này không đọc được dữ liệu để xem trước" in page.text
    assert "Số đo độ mặn tại các cửa sông" in page.text


def _get_when_up(url: str, server: subprocess.Popen[bytes]) -> httpx.Response:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "the hub stopped while starting"
        try:
            return httpx.get(url, timeout=60)
        except httpx.ConnectError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within 60 s")
