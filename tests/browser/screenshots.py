"""``make screenshots``: every public page, the citizen's pages and the staff's pages (signed in
through the development sign-in) at 1280×800 and 390×844 (a phone), full length, in headless
Chromium, into a folder (``screenshots/`` by default, git-ignored).

    python -m tests.browser.screenshots [FOLDER]
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from tests.browser.citizen_data import CITIZEN_SIGNIN, give_citizen_data
from tests.browser.pages import PageToVisit, citizen_pages_to_visit, pages_to_visit
from tests.browser.serving import find_chromium, serve_hub
from tests.browser.staff_data import give_dead_letters
from tests.unit.web.test_page_matrix import LETTER, OK, PAGES, Who, resolved

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
        visits = [
            *pages_to_visit(served),
            *citizen_pages_to_visit(CITIZEN_SIGNIN),
            *staff_pages_to_visit(give_dead_letters(served)),
        ]
        for kind, (width, height) in VIEWPORTS.items():
            context = browser.new_context(
                base_url=served.base_url,
                viewport={"width": width, "height": height},
                device_scale_factor=1,
                locale="vi-VN",
            )
            page = context.new_page()
            signed_in: str | None = None
            for visit in visits:
                if visit.signed_in_as != signed_in:
                    context.clear_cookies()  # the next person signs in afresh
                    signed_in = visit.signed_in_as
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


STAFF = (
    Who("admin", "quan-tri", "admin", "vp-ubnd"),
    Who("steward", "quan-ly-so-nnmt", "steward", "so-nnmt"),
)
"""Whose staff pages are shot: the administrator's every tool, and a steward's overview."""


def staff_pages_to_visit(letters: dict[str, str]) -> list[PageToVisit]:
    """Every staff page the route table serves, as the page matrix's samples the administrator
    opens (tests/unit/web/test_page_matrix.py; ``letters``: where its sample dead letters are),
    and the steward's overview."""
    admin, steward = STAFF
    samples = [
        path
        for page in PAGES.values()
        for path, rule in page.samples
        if path.startswith("/quan-ly") and rule(admin, path) == OK
    ]
    return [
        PageToVisit(_shot_name(path), resolved(path, letters), signed_in_as=admin.signin)
        for path in samples
    ] + [PageToVisit("staff-overview-steward", "/quan-ly", signed_in_as=steward.signin)]


def _shot_name(sample: str) -> str:
    """``/quan-ly/phe-duyet/x.y`` → ``staff-phe-duyet-x.y`` (a letter's address: ``thu-loi``)."""
    words = re.sub(r"[^a-z0-9.]+", "-", sample[len("/quan-ly") :].replace(LETTER, "thu-loi"))
    return "staff-" + (words.strip("-") or "overview")


def _sign_in(page: Page, visit: PageToVisit) -> None:
    """Through the development sign-in's form, as the person the page is for."""
    page.goto(f"/dang-nhap?next={visit.path}")
    if page.locator(f'input[name="person"][value="{visit.signed_in_as}"]').count():
        page.check(f'input[name="person"][value="{visit.signed_in_as}"]')
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_load_state()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots"))
