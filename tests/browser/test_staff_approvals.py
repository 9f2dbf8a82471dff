"""A steward approves a publication in a real browser and it appears on the real CKAN (needs
``scripts/services.sh start ckan``, hence also marked integration).

The hub is served on the embedded defaults with the development sign-in, its open-data
catalogue the shipped one plus a copy of the dossiers' monthly figures under a name of this run
(so runs never share a CKAN dataset). The steward of Văn phòng UBND tỉnh signs in, opens the
publication, sees that the next publish would leave it off the portal, approves it in the
form, and the publisher (``kho publish --only``'s code, in this process, over the served hub's
database and bus, with the portal set to CKAN) creates it on CKAN, where an anonymous visitor
reads it. A revocation without a reason is refused next to its field; with one, the next
publish withdraws the package (private). axe-core runs on every approvals page shown."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import ckanapi
import httpx
import pytest
import yaml
from playwright.sync_api import Browser, ConsoleMessage, Page, Route
from pydantic import SecretStr

from hub.app.wiring import build_hub
from hub.audit.entry import CLI
from hub.settings import KhoSettings
from opendata.publisher import PublishResult, portal_name
from tests.browser.conftest import Axe, PageProblems
from tests.browser.serving import HubDidNotStart, ServedHub, serve_hub
from tests.conftest import SERVICES_DIR, service_port
from tests.paths import CATALOGUE_DIR

pytestmark = pytest.mark.integration

CKAN_URL = f"http://127.0.0.1:{service_port('CKAN', 15000)}"
STEWARD = "quan-ly-vp-ubnd"  # the development sign-in's steward of vp-ubnd, the dossiers' owner
FIGURES = "tthc.dossiers.monthly_by_commune"


@dataclass
class ApprovalsHub:
    served: ServedHub
    publications: Path
    publication_id: str
    ckan_token: str

    @property
    def package(self) -> str:
        return portal_name(self.publication_id)

    def publish(self) -> PublishResult:
        """``kho publish --only <id>`` with the portal set to CKAN, over the served hub's data."""
        data = self.served.data_dir
        hub = build_hub(
            KhoSettings(
                data_dir=data,
                bus_url=f"embedded:{data / 'bus.sqlite3'}",
                database_url=f"sqlite:///{data / 'kho.sqlite3'}",
                portal_url=f"ckan+{CKAN_URL}",
                ckan_api_token=SecretStr(self.ckan_token),
                publications_path=self.publications,
                publish_retries=3,
                publish_backoff_s=0.1,
            )
        )
        try:
            (result,) = hub.publisher().run(CLI, only=[self.publication_id])
        finally:
            hub.close()
        return result


def _ckan_token() -> str:
    token_file = SERVICES_DIR / "ckan" / "sysadmin.token"
    if not token_file.exists():
        pytest.fail(f"no CKAN token at {token_file}: run scripts/services.sh start first")
    try:
        httpx.get(f"{CKAN_URL}/api/3/action/status_show", timeout=5).raise_for_status()
    except httpx.HTTPError as exc:
        pytest.fail(f"CKAN does not answer at {CKAN_URL} ({exc}): scripts/services.sh start")
    return token_file.read_text(encoding="utf-8").strip()


@pytest.fixture(scope="module")
def approvals_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApprovalsHub]:
    token = _ckan_token()
    folder = tmp_path_factory.mktemp("approvals-hub")
    publication_id = f"{FIGURES}_{uuid.uuid4().hex[:8]}"
    shipped = yaml.safe_load((CATALOGUE_DIR / "publications.yaml").read_text(encoding="utf-8"))
    figures = next(p for p in shipped["publications"] if p["id"] == FIGURES)
    ours: dict[str, Any] = {**copy.deepcopy(figures), "id": publication_id}
    publications = folder / "publications.yaml"
    publications.write_text(
        yaml.safe_dump({"publications": [*shipped["publications"], ours]}, allow_unicode=True),
        encoding="utf-8",
    )
    settings = {"KHO_PUBLICATIONS_PATH": str(publications)}
    try:
        with serve_hub(folder, settings=settings) as served:
            yield ApprovalsHub(served, publications, publication_id, token)
    except HubDidNotStart as exc:
        pytest.fail(str(exc))
    finally:
        with ckanapi.RemoteCKAN(CKAN_URL, apikey=token) as ckan:
            try:
                ckan.action.dataset_purge(id=portal_name(publication_id))
            except ckanapi.NotFound:
                pass


@pytest.fixture
def steward_page(
    browser: Browser, approvals_hub: ApprovalsHub, page_problems: PageProblems
) -> Iterator[Page]:
    """A page on this module's hub, checked as the package's ``page`` is: a console error or
    a request to another host fails the test."""
    context = browser.new_context(
        base_url=approvals_hub.served.base_url,
        viewport={"width": 1280, "height": 800},
        locale="vi-VN",
    )
    context.set_default_timeout(60_000)  # the publication's page runs the plan: it reads a topic
    opened = context.new_page()
    own = urlsplit(approvals_hub.served.base_url).netloc

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            page_problems.console_errors.append(f"{message.text} ({message.location})")

    def only_ours(route: Route) -> None:
        if urlsplit(route.request.url).netloc == own:
            route.continue_()
        else:
            page_problems.outside_requests.append(route.request.url)
            route.abort()

    opened.on("console", on_console)
    opened.on("pageerror", lambda error: page_problems.console_errors.append(str(error)))
    opened.route("**/*", only_ours)
    yield opened
    context.close()
    page_problems.check()


def _public_package(name: str) -> dict[str, Any] | None:
    """The package as an anonymous visitor of CKAN sees it, or None when hidden from them."""
    with ckanapi.RemoteCKAN(CKAN_URL) as anonymous:
        try:
            package: dict[str, Any] = anonymous.action.package_show(id=name)
        except (ckanapi.NotFound, ckanapi.NotAuthorized):
            return None
    return package


def test_a_steward_approves_in_the_form_and_the_publication_appears_on_ckan(
    steward_page: Page, approvals_hub: ApprovalsHub, page_problems: PageProblems, axe: Axe
) -> None:
    """Sign in, the list, the publication's page with its plan preview, the grant form; the
    publisher then creates the package on CKAN, public, in vp-ubnd's organisation; a blank
    revocation is refused by its field (422), a reasoned one makes the next publish withdraw
    it. No serious or critical axe-core violation on any of these pages, and on a phone
    neither page scrolls sideways."""
    page, hub = steward_page, approvals_hub
    page_problems.allow("status of 422")  # the blank revocation answers 422 on purpose
    detail = f"/quan-ly/phe-duyet/{hub.publication_id}"
    page.goto("/quan-ly/phe-duyet")
    page.wait_for_url("**/dang-nhap?next=%2Fquan-ly%2Fphe-duyet")
    page.check(f'input[name="person"][value="{STEWARD}"]')
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/quan-ly/phe-duyet")
    main = page.get_by_role("main")
    assert hub.publication_id in main.inner_text()
    axe(page)

    page.locator(f'a[href="{detail}"]').click()
    page.wait_for_url(f"**{detail}")
    assert "Chờ phê duyệt" in main.inner_text()
    assert "Không có trên cổng, và sẽ không được đưa lên" in main.inner_text()
    axe(page)
    assert _public_package(hub.package) is None

    page.get_by_label("Ghi chú phê duyệt").fill("Số liệu tổng hợp, nhóm nhỏ để trống")
    page.get_by_role("button", name="Phê duyệt công bố").click()
    page.wait_for_url(f"**{detail}?xong=duyet")
    shown = main.inner_text()
    assert "Đã ghi phê duyệt" in shown and "Đã phê duyệt" in shown
    assert "Sẽ tạo mới trên cổng dữ liệu mở" in shown
    axe(page)

    published = hub.publish()
    assert (published.status, published.action) == ("published", "created"), published.reason
    package = _public_package(hub.package)
    assert package is not None, f"{hub.package} is not public on CKAN"
    assert package["state"] == "active" and not package["private"]
    assert package["organization"]["name"] == "vp-ubnd"
    assert len(package["resources"]) == 4

    page.get_by_role("button", name="Thu hồi phê duyệt").click()  # no reason given
    assert page.locator("#reason-error").inner_text().startswith("Hãy ghi lý do thu hồi")
    axe(page)
    page.get_by_label("Lý do thu hồi").fill("Rà soát lại cách ẩn nhóm nhỏ")
    page.get_by_role("button", name="Thu hồi phê duyệt").click()
    page.wait_for_url(f"**{detail}?xong=thu-hoi")
    assert "Lý do: Rà soát lại cách ẩn nhóm nhỏ" in main.inner_text()
    axe(page)
    withdrawn = hub.publish()
    assert (withdrawn.status, withdrawn.action) == ("withdrawn", "withdrawn"), withdrawn.reason
    assert _public_package(hub.package) is None

    page.set_viewport_size({"width": 390, "height": 844})  # a phone: never scrolled sideways
    for path in ("/quan-ly/phe-duyet", detail):
        page.goto(path)
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], (path, width)
        axe(page)
