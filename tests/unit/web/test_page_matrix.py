"""The pages' authorisation matrix: every page the app serves (its route table) × every kind of
person (a visitor, a citizen, the steward of each agency of the catalogue, the administrator) →
the answer the rules below expect; every form posted without its CSRF token → 403; and the
headers every page must send.

The expectations are written here from the rules as people are told them (README, the pages'
own explanations, issue 21), not by calling the pages' guard or hub.auth.policy: a page that
lets in more people than these rules is caught as an unexpected allow, one that shuts out
someone the rules let in as an unexpected deny. Each mismatch is printed. A page added to the
route table without an expectation here fails the test, so the matrix grows with the pages.

Rules:
- public pages (home, the 766 dashboard, the open-data catalogue, the icon) answer everyone
  alike; a restricted dataset is not in the public catalogue (404 for everyone);
- a visitor asking for a private page is sent to the sign-in and back (303 to
  ``/dang-nhap?next=<page>``);
- "Dữ liệu của tôi" (``/cua-toi``) is for citizens: staff get the 403 page;
- the staff's pages (``/quan-ly``) are for staff: citizens get the 403 page; the stewards' tools
  (approvals, dead letters, connectors, masking lag, the shared-database catalogue) open for
  stewards and the administrator, the administrator's (tokens, the audit log) for the
  administrator only (403 for stewards);
- on a page about one dataset, a steward acts on their own agency's datasets (200); another
  agency's dataset is refused (403), and a restricted dataset of another agency does not exist
  (404); the administrator opens every one;
- every private page (anything shown to a signed-in person about themselves or their work) is
  never stored by the browser (``Cache-Control: no-store``), whatever its status;
- every answer carries the security headers: a Content-Security-Policy whose scripts may not
  be inline, X-Frame-Options and a Referrer-Policy that does not send paths to other sites.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from connectors.config import load_connector_config
from connectors.runner import run_connector
from connectors.samples.dossiers import write_dossier_export
from hub.app.api import build_app
from hub.app.web.routes import PAGE_ROUTES
from hub.app.wiring import Hub, build_hub
from hub.audit import actions
from hub.audit.entry import CLI, Actor, AuditFilter
from hub.audit.log import MAX_QUERY_LIMIT
from hub.auth.tokens import Role
from hub.settings import KhoSettings
from tests.paths import CATALOGUE_DIR, DOSSIER_CONNECTOR
from tests.unit.web.staff.staff_visit import StaffVisit

RAW = yaml.safe_load((CATALOGUE_DIR / "datasets.yaml").read_text(encoding="utf-8"))
AGENCIES: list[str] = [agency["id"] for agency in RAW["agencies"]]
DATASETS: dict[str, dict[str, str]] = {d["id"]: d for d in RAW["datasets"]}
PUBLICATIONS: dict[str, str] = {
    p["id"]: p["dataset"]
    for p in yaml.safe_load((CATALOGUE_DIR / "publications.yaml").read_text(encoding="utf-8"))[
        "publications"
    ]
}
"""Each open-data publication → its dataset."""
FIGURES = "tthc.dossiers.monthly_by_commune"
"""A publication of tthc.dossiers, approved and published on the folder portal below."""
FIGURES_FILE = "tthc-dossiers-monthly-by-commune.csv"

OWN_OPEN = "salinity.readings"  # so-nnmt, open
OTHER_SHARED = "tthc.dossiers"  # vp-ubnd, shared with so-khcn and so-ct
RESTRICTED = "evidence.citizen_evidence"  # vp-ubnd, restricted
SAMPLE_DATASETS = (OWN_OPEN, OTHER_SHARED, RESTRICTED)
"""Each steward meets one of their own datasets or none, another agency's, and a restricted
one of another agency (vp-ubnd's steward owns two of them, so-nnmt's the first)."""


@dataclass(frozen=True)
class Who:
    """A kind of person: the development sign-in's key (None: a visitor without a session)."""

    name: str
    signin: str | None = None
    kind: str = "visitor"  # visitor, citizen, steward or admin
    agency: str | None = None


WHO = [
    Who("visitor"),
    Who("citizen", "cong-dan-082095000123", "citizen"),
    *(Who(f"steward/{agency}", f"quan-ly-{agency}", "steward", agency) for agency in AGENCIES),
    Who("admin", "quan-tri", "admin", "vp-ubnd"),
]
SIGNED_IN = [who for who in WHO if who.signin is not None]


@dataclass(frozen=True)
class Expected:
    status: int
    location: str | None = None

    def __str__(self) -> str:
        return f"{self.status}" + (f" → {self.location}" if self.location else "")


Rule = Callable[[Who, str], Expected]
OK = Expected(200)
FORBIDDEN = Expected(403)
NOT_FOUND = Expected(404)


def to_signin(path: str) -> Expected:
    return Expected(303, "/dang-nhap?" + urlencode({"next": path}))


def everyone(_who: Who, _path: str) -> Expected:
    return OK


def nobody(_who: Who, _path: str) -> Expected:
    return NOT_FOUND


def signin_form(who: Who, _path: str) -> Expected:
    """The sign-in: a signed-in person is sent on (home when no ``next``)."""
    return OK if who.signin is None else Expected(303, "/")


def signout_form(who: Who, _path: str) -> Expected:
    """The sign-out's confirmation: a visitor has nothing to end and goes home."""
    return Expected(303, "/") if who.signin is None else OK


def any_person(who: Who, path: str) -> Expected:
    return to_signin(path) if who.signin is None else OK


def citizens(who: Who, path: str) -> Expected:
    if who.signin is None:
        return to_signin(path)
    return OK if who.kind == "citizen" else FORBIDDEN


def staff(who: Who, path: str) -> Expected:
    if who.signin is None:
        return to_signin(path)
    return FORBIDDEN if who.kind == "citizen" else OK


def stewards(who: Who, path: str) -> Expected:
    if who.signin is None:
        return to_signin(path)
    return OK if who.kind in ("steward", "admin") else FORBIDDEN


def admins(who: Who, path: str) -> Expected:
    if who.signin is None:
        return to_signin(path)
    return OK if who.kind == "admin" else FORBIDDEN


def owner_of(dataset_id: str | None, *, found: bool = True) -> Rule:
    """A stewards' page about one dataset (None: a dataset or publication that does not exist,
    404 for every member of staff): the owner rule and the restricted rule; ``found=False``: a
    thing of the dataset that does not exist, 404 for whoever may look for it."""
    dataset = DATASETS.get(dataset_id or "")

    def rule(who: Who, path: str) -> Expected:
        opened = stewards(who, path)
        if opened != OK:
            return opened
        if dataset is None:
            return NOT_FOUND
        if who.kind == "admin" or who.agency == dataset["owner"]:
            return OK if found else NOT_FOUND
        return NOT_FOUND if dataset["classification"] == "restricted" else FORBIDDEN

    return rule


def visible(dataset_id: str | None) -> Rule:
    """A stewards' page reading the catalogue about one dataset: every steward reads any
    dataset's entry, as the catalogue API shows it; a restricted one exists only for its owner
    and the administrator."""
    dataset = DATASETS.get(dataset_id or "")

    def rule(who: Who, path: str) -> Expected:
        opened = stewards(who, path)
        if opened != OK:
            return opened
        if dataset is None:
            return NOT_FOUND
        if dataset["classification"] != "restricted":
            return OK
        return OK if who.kind == "admin" or who.agency == dataset["owner"] else NOT_FOUND

    return rule


@dataclass(frozen=True)
class Page:
    """What a route of the table should answer: sample paths, each with its rule; ``private``
    when the answer is about the signed-in person or their work (never stored)."""

    samples: tuple[tuple[str, Rule], ...]
    private: bool = False


def public(*paths: str) -> Page:
    return Page(tuple((path, everyone) for path in paths))


def private_page(rule: Rule, *paths: str) -> Page:
    return Page(tuple((path, rule) for path in paths), private=True)


UNKNOWN = "khong.co"
"""A dataset or publication the catalogue does not have."""
LETTER = "@thu-loi"
"""In a sample path: the address of the first dead letter of the dataset named before it (the
matrix's hub holds one in each sample dataset; see ``resolved``)."""


def per_dataset(path: str, rule: Callable[[str | None], Rule] = owner_of) -> Page:
    """A dataset-scoped stewards' page (``{dataset}`` in ``path``): each sample dataset and an
    unknown one."""
    samples = [*SAMPLE_DATASETS, UNKNOWN]
    return Page(tuple((path.format(dataset=d), rule(d)) for d in samples), private=True)


def resolved(path: str, letters: dict[str, str]) -> str:
    """``path`` with ``LETTER`` replaced by the address of the dataset's first dead letter."""
    if LETTER not in path:
        return path
    dataset = path.split(LETTER)[0].rstrip("/").rsplit("/", 1)[-1]
    return path.replace(LETTER, letters.get(dataset, "0:0"))


def per_publication(path: str) -> Page:
    """A stewards' page about one publication (``{publication}`` in ``path``): the owner rule
    of its dataset; no publication of the catalogue is of a restricted dataset."""
    samples = [f"{OTHER_SHARED}.monthly_by_commune", OWN_OPEN, UNKNOWN]
    assert all(PUBLICATIONS[p] != RESTRICTED for p in PUBLICATIONS)
    return Page(
        tuple((path.format(publication=p), owner_of(PUBLICATIONS.get(p))) for p in samples),
        private=True,
    )


PAGES: dict[str, Page] = {
    # public pages
    "/": public("/"),
    "/favicon.ico": public("/favicon.ico"),
    "/chi-so-766": public("/chi-so-766", "/chi-so-766?period=2025-Q3&level=commune"),
    "/chi-so-766/tinh": public("/chi-so-766/tinh"),
    "/chi-so-766/tinh/ho-so": public("/chi-so-766/tinh/ho-so"),
    "/chi-so-766/{kind:str}/{code:str}": public("/chi-so-766/co-quan/vp-ubnd"),
    "/chi-so-766/{kind:str}/{code:str}/ho-so": public("/chi-so-766/co-quan/vp-ubnd/ho-so"),
    "/du-lieu": public("/du-lieu", "/du-lieu?q=do+man"),
    "/du-lieu/{dataset_id}": Page(
        ((f"/du-lieu/{OWN_OPEN}", everyone), (f"/du-lieu/{RESTRICTED}", nobody))
    ),
    "/du-lieu/{dataset_id}/dcat.{form:str}": Page(
        (
            (f"/du-lieu/{OTHER_SHARED}/dcat.jsonld", everyone),
            (f"/du-lieu/{OTHER_SHARED}/dcat.ttl", everyone),
            (f"/du-lieu/{RESTRICTED}/dcat.jsonld", nobody),
        )
    ),
    "/du-lieu/{dataset_id}/tep/{publication_id}/{filename}": Page(
        (
            (f"/du-lieu/{OTHER_SHARED}/tep/{FIGURES}/{FIGURES_FILE}", everyone),
            (f"/du-lieu/{RESTRICTED}/tep/{FIGURES}/{FIGURES_FILE}", nobody),
        )
    ),
    # signing in and out
    "/dang-nhap": Page((("/dang-nhap", signin_form),)),
    "/dang-nhap/xong": Page((("/dang-nhap/xong", nobody),)),  # no provider on the defaults
    "/dang-xuat": private_page(signout_form, "/dang-xuat"),
    "/tai-khoan": private_page(any_person, "/tai-khoan"),
    # "Dữ liệu của tôi"
    "/cua-toi": private_page(citizens, "/cua-toi"),
    "/cua-toi/dong-y": private_page(citizens, "/cua-toi/dong-y", "/cua-toi/dong-y?xong=cap"),
    "/cua-toi/ai-da-xem": private_page(citizens, "/cua-toi/ai-da-xem"),
    # the staff's pages
    "/quan-ly": private_page(staff, "/quan-ly"),
    "/quan-ly/phe-duyet": private_page(stewards, "/quan-ly/phe-duyet"),
    "/quan-ly/phe-duyet/{publication_id}": per_publication("/quan-ly/phe-duyet/{publication}"),
    "/quan-ly/ban-ghi-loi": private_page(stewards, "/quan-ly/ban-ghi-loi"),
    "/quan-ly/ban-ghi-loi/{dataset}": per_dataset("/quan-ly/ban-ghi-loi/{dataset}"),
    "/quan-ly/ban-ghi-loi/{dataset}/{address}": Page(
        (
            *per_dataset("/quan-ly/ban-ghi-loi/{dataset}/" + LETTER).samples,
            (f"/quan-ly/ban-ghi-loi/{OWN_OPEN}/0:999999", owner_of(OWN_OPEN, found=False)),
            (f"/quan-ly/ban-ghi-loi/{OTHER_SHARED}/0:999999", owner_of(OTHER_SHARED, found=False)),
        ),
        private=True,
    ),
    "/quan-ly/ket-noi": private_page(stewards, "/quan-ly/ket-noi"),
    "/quan-ly/che-du-lieu": private_page(stewards, "/quan-ly/che-du-lieu"),
    "/quan-ly/danh-muc": private_page(stewards, "/quan-ly/danh-muc"),
    "/quan-ly/danh-muc/{dataset_id}": per_dataset("/quan-ly/danh-muc/{dataset}", visible),
    "/quan-ly/ma-truy-cap": private_page(admins, "/quan-ly/ma-truy-cap"),
    "/quan-ly/nhat-ky": private_page(
        admins, "/quan-ly/nhat-ky", "/quan-ly/nhat-ky?hanh_dong=signin.success"
    ),
}

POST_FORMS: dict[str, str] = {
    "/dang-nhap": "/dang-nhap",
    "/dang-xuat": "/dang-xuat",
    "/cua-toi/dong-y": "/cua-toi/dong-y",
    "/cua-toi/dong-y/{consent_id}/rut": "/cua-toi/dong-y/khong-co/rut",
    "/quan-ly/phe-duyet/{publication_id}/duyet": f"/quan-ly/phe-duyet/{OWN_OPEN}/duyet",
    "/quan-ly/phe-duyet/{publication_id}/thu-hoi": f"/quan-ly/phe-duyet/{FIGURES}/thu-hoi",
    "/quan-ly/ban-ghi-loi/{dataset}/{address}/sua": f"/quan-ly/ban-ghi-loi/{OWN_OPEN}/0:0/sua",
    "/quan-ly/ban-ghi-loi/{dataset}/{address}/phat-lai": (
        f"/quan-ly/ban-ghi-loi/{OWN_OPEN}/0:0/phat-lai"
    ),
    "/quan-ly/ma-truy-cap": "/quan-ly/ma-truy-cap",
    "/quan-ly/ma-truy-cap/{token_id}/doi": "/quan-ly/ma-truy-cap/khong-co/doi",
    "/quan-ly/ma-truy-cap/{token_id}/thu-hoi": "/quan-ly/ma-truy-cap/khong-co/thu-hoi",
    "/quan-ly/nhat-ky/kiem-tra": "/quan-ly/nhat-ky/kiem-tra",
}
"""Every form's route → a sample path to post to."""


def served_routes(method: str) -> set[str]:
    """The route table's paths answering ``method``; the only mount is the static files."""
    paths = set()
    for route in PAGE_ROUTES:
        if isinstance(route, Mount):
            assert route.path == "/static", f"a mount other than /static: {route.path}"
            continue
        assert isinstance(route, Route), route
        if route.methods is not None and method in route.methods:
            paths.add(route.path)
    return paths


@dataclass(frozen=True)
class Answer:
    who: Who
    method: str
    path: str
    page: Page
    expected: Expected
    observed: Expected
    headers: dict[str, str]


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """The embedded defaults, holding sample dossiers whose per-commune figures are approved
    and published on the folder portal (so that the DCAT and file pages have something)."""
    root = tmp_path_factory.mktemp("page-matrix")
    settings = KhoSettings(
        data_dir=root / "kho",
        bus_url=f"embedded:{root / 'kho' / 'bus.sqlite3'}",
        database_url=f"sqlite:///{root / 'kho' / 'kho.sqlite3'}",
        portal_url=f"folder:{root / 'kho' / 'opendata'}",
    )
    opened = build_hub(settings)
    export = write_dossier_export(Path(root) / "hs.csv", rows=40, seed=21)
    config = load_connector_config(DOSSIER_CONNECTOR)
    run_connector(config, export.path, opened.writer(config.dataset))
    opened.approvals.grant(FIGURES, actor=Actor("token:matrix", "vp-ubnd"), note="ma trận")
    results = {r.publication_id: r for r in opened.publisher().run(CLI)}
    assert results[FIGURES].status == "published"
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def visit(hub: Hub) -> Iterator[StaffVisit]:
    with TestClient(build_app(hub), follow_redirects=False) as client:
        yield StaffVisit(hub, client)


@pytest.fixture(scope="module")
def letters(visit: StaffVisit) -> dict[str, str]:
    """A dead letter in each sample dataset (a record the owner's producer posts in partial mode
    that no rule accepts), by dataset: its address."""
    found = {}
    for dataset_id in SAMPLE_DATASETS:
        owner = DATASETS[dataset_id]["owner"]
        token = visit.hub.tokens.create(owner, frozenset({Role.PRODUCER})).plaintext
        answer = visit.client.post(
            f"/api/v1/datasets/{dataset_id}/records",
            params={"mode": "partial"},
            json=[{"khong": "hợp lệ"}],
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.json()["rejected_count"] == 1, answer.text
        found[dataset_id] = str(visit.hub.steward_desk(dataset_id).letters().letters[0].address)
    return found


def signed_in_as(visit: StaffVisit, who: Who) -> None:
    if who.signin is None:
        visit.client.cookies.clear()
    else:
        visit.sign_in(who.signin)


@pytest.fixture(scope="module")
def answers(visit: StaffVisit, letters: dict[str, str]) -> list[Answer]:
    """Every sample page asked by every kind of person."""
    seen: list[Answer] = []
    for who in WHO:
        signed_in_as(visit, who)
        for page in PAGES.values():
            for sample, rule in page.samples:
                path = resolved(sample, letters)
                answer = visit.client.get(path)
                observed = Expected(
                    answer.status_code,
                    answer.headers.get("location") if answer.is_redirect else None,
                )
                headers = {name.lower(): value for name, value in answer.headers.items()}
                seen.append(Answer(who, "GET", path, page, rule(who, path), observed, headers))
    return seen


def test_every_page_of_the_route_table_has_an_expectation() -> None:
    """A page the app serves without an expectation here (or an expectation for a page the app
    no longer serves) fails, so that no page escapes the matrix."""
    served = served_routes("GET")
    missing = sorted(served - PAGES.keys())
    stale = sorted(PAGES.keys() - served)
    assert not missing, f"pages without an expectation in the matrix: {missing}"
    assert not stale, f"expectations for pages the app does not serve: {stale}"
    forms = served_routes("POST")
    assert sorted(forms - POST_FORMS.keys()) == [], "forms without a sample path"
    assert sorted(POST_FORMS.keys() - forms) == [], "sample paths of forms no longer served"


def test_every_page_answers_every_person_as_the_rules_say(answers: list[Answer]) -> None:
    """Every sample page × every person: unexpected allows and denies are printed, and fail."""
    unexpected_allows: list[str] = []
    unexpected_denies: list[str] = []
    for answer in answers:
        if answer.observed == answer.expected:
            continue
        line = (
            f"{answer.who.name:>16} GET {answer.path}: expected {answer.expected},"
            f" got {answer.observed}"
        )
        allowed_more = answer.observed.status < 300 <= answer.expected.status
        (unexpected_allows if allowed_more else unexpected_denies).append(line)
    for line in unexpected_allows + unexpected_denies:
        print(line)
    samples = sum(len(page.samples) for page in PAGES.values())
    assert len(answers) == len(WHO) * samples
    assert not unexpected_allows, "unexpected allows:\n" + "\n".join(unexpected_allows)
    assert not unexpected_denies, "unexpected denies:\n" + "\n".join(unexpected_denies)


def test_no_private_page_is_ever_stored(answers: list[Answer]) -> None:
    """Each private page answered to a signed-in person (the page or its 403/404) says
    ``Cache-Control: no-store``."""
    stored = [
        f"{a.who.name:>16} {a.path} ({a.observed}): Cache-Control {a.headers.get('cache-control')}"
        for a in answers
        if a.page.private
        and a.who.signin is not None
        and a.observed.status != 303
        and "no-store" not in a.headers.get("cache-control", "")
    ]
    assert len([a for a in answers if a.page.private]) > len(SIGNED_IN)
    assert not stored, "private pages the browser may keep:\n" + "\n".join(stored)


SAFE_REFERRER_POLICIES = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}


def security_header_problems(headers: dict[str, str]) -> list[str]:
    """What is missing or too lax in an answer's security headers."""
    problems = []
    policy = {
        directive.split()[0]: directive.split()[1:]
        for directive in headers.get("content-security-policy", "").split(";")
        if directive.strip()
    }
    scripts = policy.get("script-src", policy.get("default-src"))
    if scripts is None:
        problems.append("no Content-Security-Policy for scripts")
    elif "'unsafe-inline'" in scripts or "*" in scripts:
        problems.append(f"scripts allowed inline or from anywhere: {scripts}")
    if "frame-ancestors" not in policy and "x-frame-options" not in headers:
        problems.append("no framing rule")
    if headers.get("x-frame-options", "").upper() not in ("DENY", "SAMEORIGIN"):
        problems.append(f"X-Frame-Options {headers.get('x-frame-options')}")
    if headers.get("referrer-policy") not in SAFE_REFERRER_POLICIES:
        problems.append(f"Referrer-Policy {headers.get('referrer-policy')}")
    return problems


def test_every_page_sends_the_security_headers(answers: list[Answer]) -> None:
    """Every answer of the matrix (pages, refusals, redirects): CSP without inline script,
    X-Frame-Options, a Referrer-Policy that keeps paths on the hub."""
    lax = [
        f"{a.who.name:>16} {a.path} ({a.observed}): {'; '.join(problems)}"
        for a in answers
        if (problems := security_header_problems(a.headers))
    ]
    assert answers
    assert not lax, "answers without the security headers:\n" + "\n".join(lax)


def test_the_header_check_catches_an_inline_script_policy() -> None:
    """The header check itself: a policy letting inline scripts run, or no framing rule, fails."""
    good = {
        "content-security-policy": "default-src 'self'; script-src 'self'",
        "x-frame-options": "DENY",
        "referrer-policy": "same-origin",
    }
    assert security_header_problems(good) == []
    inline = {**good, "content-security-policy": "script-src 'self' 'unsafe-inline'"}
    assert security_header_problems(inline) != []
    assert security_header_problems({**good, "x-frame-options": ""}) != []
    assert security_header_problems({**good, "referrer-policy": "unsafe-url"}) != []


def test_every_form_posted_without_its_csrf_token_is_refused(visit: StaffVisit) -> None:
    """Every form route × every signed-in person, posted without ``csrf_token``: 403, never a
    5xx and never done; the person is still signed in afterwards (sign-out too is refused)."""
    wrong: list[str] = []
    before = _last_seq(visit.hub)
    for who in SIGNED_IN:
        signed_in_as(visit, who)
        for route, path in POST_FORMS.items():
            answer = visit.client.post(path, data={"note": "không có mã"})
            if answer.status_code != 403:
                wrong.append(f"{who.name:>16} POST {path} ({route}): {answer.status_code}")
        still = visit.client.get("/tai-khoan")
        if still.status_code != 200:
            wrong.append(f"{who.name:>16} signed out by forms without a token")
    for line in wrong:
        print(line)
    assert not wrong, "forms answering without their CSRF token:\n" + "\n".join(wrong)
    done = visit.hub.audit.query(AuditFilter(), after=before, limit=MAX_QUERY_LIMIT)
    refusals = [e for e in done if e.action == actions.SIGNIN_REFUSED]
    assert {e.details["reason"] for e in refusals} == {"csrf_token"}
    assert {e.action for e in done} == {actions.SIGNIN, actions.SIGNIN_REFUSED}, "a form acted"


def _last_seq(hub: Hub) -> int:
    """The audit log's last entry (what happened before is not this test's)."""
    seq, entries = 0, hub.audit.query(AuditFilter(), limit=MAX_QUERY_LIMIT)
    while entries:
        seq = entries[-1].seq
        entries = hub.audit.query(AuditFilter(), after=seq, limit=MAX_QUERY_LIMIT)
    return seq


def test_a_visitor_posting_a_form_is_never_let_through(visit: StaffVisit) -> None:
    """Without a session, each form is refused (403, or 303 to the sign-in), never a 2xx/5xx."""
    visit.client.cookies.clear()
    answered = {path: visit.client.post(path, data={}).status_code for path in POST_FORMS.values()}
    assert answered and all(status in (303, 403) for status in answered.values()), answered
