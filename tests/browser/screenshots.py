"""``make screenshots``: every public page at 1280×800 and 390×844 (a phone), full length, in
headless Chromium, into a folder (``screenshots/`` by default, git-ignored).

    python -m tests.browser.screenshots [FOLDER]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from tests.browser.citizen_data import CITIZEN_SIGNIN, give_citizen_data
from tests.browser.pages import PageToVisit, citizen_pages_to_visit, pages_to_visit
from tests.browser.serving import find_chromium, serve_hub

VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}


def main(folder: Path) -> None:
    chromium = find_chromium()
    if chromium is None:
        sys.exit("chromium is not installed: run `bash scripts/browser.sh`")
    folder.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="kho-screenshots-") as work,
        serve_hub(Path(work)) as served,
        sync_playwright() as driver,
    ):
        browser = driver.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        give_citizen_data(served)
        visits = [*pages_to_visit(served), *citizen_pages_to_visit(CITIZEN_SIGNIN)]
        for kind, (width, height) in VIEWPORTS.items():
            context = browser.new_context(
                base_url=served.base_url,
                viewport={"width": width, "height": height},
                device_scale_factor=1,
                locale="vi-VN",
            )
            page = context.new_page()
            for visit in visits:
                if visit.signed_in_as is not None:
                    _sign_in(page, visit)
                answer = page.goto(
                    visit.path, wait_until="networkidle" if visit.name != "home" else "load"
                )
                status = answer.status if answer is not None else None
                if status != visit.status:
                    sys.exit(f"{visit.path} answered {status}, not {visit.status}")
                page.wait_for_timeout(300)  # charts draw after load
                target = folder / f"{visit.name}-{kind}-{width}x{height}.png"
                page.screenshot(path=str(target), full_page=True)
                print(target)
            context.close()
        browser.close()


def _sign_in(page: Page, visit: PageToVisit) -> None:
    """Through the development sign-in's form, as the person the page is for."""
    page.goto(f"/dang-nhap?next={visit.path}")
    if page.locator(f'input[name="person"][value="{visit.signed_in_as}"]').count():
        page.check(f'input[name="person"][value="{visit.signed_in_as}"]')
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_load_state()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots"))
