"""The private pages in a real browser: after signing out, Back shows none of a citizen's or a
staff member's data, on any page of the history; axe-core finds no serious or critical
violation on each page of "Dữ liệu của tôi" and of the staff's tools; a phone never scrolls
them sideways.

The pages are those of the route table that the page matrix (tests/unit/web/test_page_matrix.py)
expects the person to open, so that a new page is checked here as soon as it is served."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from hub.app.wiring import build_hub
from hub.audit.entry import Actor
from hub.provide_once.consent import ConsentInput
from hub.provide_once.evidence import EvidenceInput
from hub.provide_once.subjects import parse_subject
from hub.settings import KhoSettings
from tests.browser.conftest import Axe, ServedHub
from tests.browser.staff_data import give_dead_letters
from tests.unit.web.test_page_matrix import OK, PAGES, Who, resolved

BINH = "082195000123"
BINH_NAME = "Trần Thị Bình"
BINH_SIGNIN = f"cong-dan-{BINH}"
BINH_EVIDENCE = "KS-RIENG-TU-0082195"
PROCEDURE = "1.000656"  # Cấp Phiếu lý lịch tư pháp: the birth certificate needs consent
ADMIN_NAME = "Quản trị viên Kho dữ liệu"
STEWARD_NAME = "Cán bộ quản lý dữ liệu, Sở Nông nghiệp"


@pytest.fixture(scope="module")
def binh(served_hub: ServedHub) -> Iterator[str]:
    """Trần Thị Bình's birth certificate, a consent to the health department and its read,
    through the provide-once service in a second hub process's view of the served database."""
    hub = build_hub(KhoSettings(data_dir=served_hub.data_dir))
    try:
        issuer = Actor("token:private-pages", "vp-ubnd")
        birth = {
            "evidence_id": BINH_EVIDENCE,
            "subject_id": BINH,
            "evidence_type": "giay-khai-sinh",
            "issuing_agency": "vp-ubnd",
            "issued_on": dt.date(1995, 7, 14),
            "attributes": {"so": "77/1995"},
        }
        hub.provide_once.record(EvidenceInput.model_validate(birth), actor=issuer)
        subject = parse_subject(BINH)
        consent = ConsentInput(
            agency="so-yt",
            purpose=PROCEDURE,
            evidence_types=("giay-khai-sinh",),
            expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=30),
        )
        hub.provide_once.grant_consent(subject, consent, actor=Actor(f"subject:{subject.id}"))
        hub.provide_once.prefill(BINH, PROCEDURE, actor=Actor("token:private-pages", "so-yt"))
    finally:
        hub.close()
    yield BINH_SIGNIN


def pages_for(who: Who, prefix: str) -> list[str]:
    """The matrix's sample pages under ``prefix`` that ``who`` opens (200)."""
    return [
        path
        for page in PAGES.values()
        for path, rule in page.samples
        if path.startswith(prefix) and rule(who, path) == OK
    ]


CITIZEN_PAGES = pages_for(Who("citizen", BINH_SIGNIN, "citizen"), "/cua-toi")
ADMIN_PAGES = pages_for(Who("admin", "quan-tri", "admin", "vp-ubnd"), "/quan-ly")
STEWARD_PAGES = pages_for(Who("steward", "quan-ly-so-nnmt", "steward", "so-nnmt"), "/quan-ly")


@pytest.fixture(scope="module")
def pages(served_hub: ServedHub) -> dict[str, list[str]]:
    """Each person's pages, a letter's page at a dead letter made for it in each sample
    dataset."""
    letters = give_dead_letters(served_hub)
    return {
        "citizen": CITIZEN_PAGES,
        "admin": [resolved(path, letters) for path in ADMIN_PAGES],
        "steward": [resolved(path, letters) for path in STEWARD_PAGES],
    }


def sign_in(page: Page, signin: str, wanted: str) -> None:
    """Through the development sign-in, from the page asked for."""
    page.goto(wanted)
    page.wait_for_url("**/dang-nhap?next=*")
    page.check(f'input[name="person"][value="{signin}"]')
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"**{wanted}")


def sign_out(page: Page) -> None:
    page.get_by_role("banner").get_by_role("link", name="Đăng xuất").click()
    page.wait_for_url("**/dang-xuat")
    page.get_by_role("main").get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(lambda url: url.endswith("/"))
    assert "Đăng xuất" not in page.get_by_role("banner").inner_text()


def back_through_history(page: Page, steps: int) -> list[tuple[str, str]]:
    """Back ``steps`` times (or until there is no page before): each page's URL and text."""
    seen = []
    for _ in range(steps):
        if page.go_back(wait_until="load") is None and page.url == "about:blank":
            break
        if page.url == "about:blank":
            break
        seen.append((page.url, page.inner_text("body")))
    return seen


def leaks(seen: list[tuple[str, str]], private: list[str], named: list[str]) -> list[str]:
    """What of ``private`` (never shown anywhere) and ``named`` (shown only in the development
    sign-in's list of sample people) a page of the history still shows, and where; and every
    page that still offers to sign out."""
    found = []
    for url, text in seen:
        shown = [word for word in private if word in text]
        if "/dang-nhap" not in url:
            shown += [word for word in named if word in text]
        if "Đăng xuất" in text:
            shown.append("Đăng xuất (still signed in)")
        if shown:
            found.append(f"{url}: {shown}")
    return found


def test_back_after_a_citizen_signs_out_shows_nothing_of_theirs(
    page: Page, binh: str, axe: Axe
) -> None:
    """A citizen reads each of their pages and a public page, signs out, then goes Back through
    every page: none shows their evidence, and outside the sign-in's list of sample people none
    shows their name or CCCD; none is still signed in."""
    sign_in(page, binh, "/cua-toi")
    assert BINH_EVIDENCE in page.get_by_role("main").inner_text()
    assert BINH_NAME in page.get_by_role("banner").inner_text()
    for path in [*CITIZEN_PAGES, "/du-lieu"]:
        page.goto(path)
    sign_out(page)
    seen = back_through_history(page, steps=len(CITIZEN_PAGES) + 4)
    assert len(seen) >= len(CITIZEN_PAGES), [url for url, _ in seen]
    found = leaks(seen, [BINH_EVIDENCE], [BINH_NAME, BINH])
    assert not found, "private data after sign-out and Back:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("signin", "name", "kind"),
    [("quan-tri", ADMIN_NAME, "admin"), ("quan-ly-so-nnmt", STEWARD_NAME, "steward")],
    ids=["admin", "steward"],
)
def test_back_after_staff_sign_out_shows_no_staff_page(
    page: Page, pages: dict[str, list[str]], signin: str, name: str, kind: str
) -> None:
    """A member of staff opens each of their tools, signs out, then goes Back through every
    page: none shows a tool's page or their name outside the sign-in's list, none is still
    signed in."""
    paths = pages[kind]
    sign_in(page, signin, "/quan-ly")
    assert name in page.get_by_role("banner").inner_text()
    headings = set()
    for path in paths:
        page.goto(path)
        headings.add(page.get_by_role("heading", level=1).first.inner_text())
    page.goto("/chi-so-766")
    sign_out(page)
    seen = back_through_history(page, steps=len(paths) + 4)
    assert len(seen) >= len(paths), [url for url, _ in seen]
    found = leaks(seen, sorted(headings), [name])
    found += [
        f"{url}: the tool's page"
        for url, text in seen
        if "/quan-ly" in url and "Đăng nhập thử" not in text
    ]
    assert not found, "staff pages after sign-out and Back:\n" + "\n".join(found)


def test_axe_finds_nothing_serious_on_the_citizens_pages(page: Page, binh: str, axe: Axe) -> None:
    """Each page of "Dữ liệu của tôi" that the route table serves, signed in as a citizen."""
    assert CITIZEN_PAGES, "no citizen page in the matrix"
    sign_in(page, binh, CITIZEN_PAGES[0])
    for path in CITIZEN_PAGES:
        page.goto(path)
        axe(page)


@pytest.mark.parametrize(
    ("signin", "kind"), [("quan-tri", "admin"), ("quan-ly-so-nnmt", "steward")], ids=str
)
def test_axe_finds_nothing_serious_on_the_staff_pages(
    page: Page, pages: dict[str, list[str]], signin: str, kind: str, axe: Axe
) -> None:
    """Each staff page the route table serves that the person opens, as the administrator and
    as a steward (whose pages hold other rows)."""
    paths = pages[kind]
    assert "/quan-ly" in paths
    sign_in(page, signin, "/quan-ly")
    for path in paths:
        answer = page.goto(path)
        assert answer is not None and answer.status == 200, path
        axe(page)


@pytest.mark.parametrize(
    ("signin", "kind"),
    [(BINH_SIGNIN, "citizen"), ("quan-tri", "admin"), ("quan-ly-so-nnmt", "steward")],
    ids=["citizen", "admin", "steward"],
)
def test_a_phone_never_scrolls_the_private_pages_sideways(
    browser: Browser,
    served_hub: ServedHub,
    pages: dict[str, list[str]],
    binh: str,
    signin: str,
    kind: str,
) -> None:
    """At 390×844 every private page is at most 390 px wide: wide tables scroll in their box."""
    paths = pages[kind]
    context = browser.new_context(
        base_url=served_hub.base_url, viewport={"width": 390, "height": 844}, locale="vi-VN"
    )
    phone = context.new_page()
    try:
        sign_in(phone, signin, paths[0])
        wide = []
        for path in paths:
            phone.goto(path)
            width = phone.evaluate("() => document.documentElement.scrollWidth")
            if width > 390:
                wide.append(f"{path} is {width} px wide")
        assert not wide, "\n".join(wide)
    finally:
        context.close()


def test_the_leak_check_names_what_a_page_still_shows() -> None:
    """The check itself: evidence anywhere, a name outside the sign-in's list, and a page still
    signed in are each named; the sign-in's list of sample people is not a leak."""
    seen = [
        ("http://hub/dang-nhap?next=%2Fcua-toi", f"Đăng nhập thử {BINH_NAME} (CCCD {BINH})"),
        ("http://hub/du-lieu", f"{BINH_NAME} Đăng xuất"),
        ("http://hub/cua-toi", BINH_EVIDENCE),
    ]
    found = leaks(seen, [BINH_EVIDENCE], [BINH_NAME, BINH])
    assert found == [
        f"http://hub/du-lieu: ['{BINH_NAME}', 'Đăng xuất (still signed in)']",
        f"http://hub/cua-toi: ['{BINH_EVIDENCE}']",
    ]
