"""Shared fixtures of the browser tests: a hub served by uvicorn in a subprocess (the embedded
defaults, seeded with every sample source and the demo), Debian's headless chromium driven by
Playwright, a ``page`` that fails the test on any console error or request to another host, and
``axe``, which runs axe-core (from the npm package in web/) and fails on serious or critical
violations."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, Route, sync_playwright

from tests.browser.serving import (
    HubDidNotStart,
    ServedHub,
    find_chromium,
    free_port,
    serve_hub,
)
from tests.paths import PROJECT_ROOT

__all__ = ["Axe", "PageProblems", "ServedHub", "free_port"]  # what the test modules import

AXE_SCRIPT = PROJECT_ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder carries the ``browser`` marker."""
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


def chromium_path() -> str:
    """Debian's chromium (scripts/browser.sh installs it); the test fails when it is missing."""
    path = find_chromium()
    if path is None:
        pytest.fail("chromium is not installed: run `bash scripts/browser.sh` (make test does)")
    return path


@pytest.fixture(scope="package")
def served_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedHub]:
    """A hub on the embedded defaults, seeded (tests.browser.hub_server), on a free port."""
    try:
        with serve_hub(tmp_path_factory.mktemp("browser-hub")) as served:
            yield served
    except HubDidNotStart as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    """Playwright's sync API runs an asyncio loop in the main thread while it is open: it is
    closed when the browser tests end, so that later tests may start loops of their own."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
    yield launched
    launched.close()


@dataclass
class PageProblems:
    """What the page did wrong while a test drove it."""

    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)

    def allow(self, text: str) -> None:
        """A console error containing ``text`` is expected (Chromium logs a page answered
        with 404 as "Failed to load resource: ... status of 404")."""
        self.allowed.append(text)

    def check(self) -> None:
        errors = [e for e in self.console_errors if not any(a in e for a in self.allowed)]
        assert not errors, f"console errors: {errors}"
        assert not self.outside_requests, f"requests to another host: {self.outside_requests}"


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(browser: Browser, served_hub: ServedHub, page_problems: PageProblems) -> Iterator[Page]:
    """A fresh page at 1280×800 whose base URL is the served hub. The test fails on a console
    error, an uncaught script error, or any request to another host (which is aborted)."""
    context = browser.new_context(
        base_url=served_hub.base_url, viewport={"width": 1280, "height": 800}, locale="vi-VN"
    )
    opened = context.new_page()
    own = urlsplit(served_hub.base_url).netloc

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            page_problems.console_errors.append(f"{message.text} ({message.location})")

    def on_request(route: Route) -> None:
        if urlsplit(route.request.url).netloc != own:
            page_problems.outside_requests.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    opened.on("console", on_console)
    opened.on("pageerror", lambda error: page_problems.console_errors.append(str(error)))
    opened.route("**/*", on_request)
    yield opened
    context.close()
    page_problems.check()


Axe = Callable[[Page], None]


@pytest.fixture(scope="package")
def axe_source() -> str:
    if not AXE_SCRIPT.exists():
        pytest.fail(
            f"{AXE_SCRIPT} is missing: run `bash scripts/web-assets.sh` (make install does)"
        )
    return AXE_SCRIPT.read_text(encoding="utf-8")


@pytest.fixture
def axe(axe_source: str) -> Axe:
    """``axe(page)``: runs axe-core on the page as it is and fails on any serious or critical
    violation, naming the rule and the elements."""

    def check(page: Page) -> None:
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(axe_source)  # through DevTools: the page's CSP does not apply
        violations = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        )
        severe = [v for v in violations if v["impact"] in ("serious", "critical")]
        summary = [
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(node["target"]) for node in v["nodes"][:5])
            for v in severe
        ]
        assert not severe, f"axe on {page.url}:\n" + "\n".join(summary)

    return check
