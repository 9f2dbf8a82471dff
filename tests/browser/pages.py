"""The public pages to visit, found from the served hub's own API: the home page, the 766
dashboard (agencies, communes, a quarter), the province's, an agency's and a commune's pages, a
drill-down, the open-data catalogue and a dataset, and a 404 page."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from tests.browser.serving import ServedHub


@dataclass(frozen=True)
class PageToVisit:
    name: str
    path: str
    status: int = 200
    signed_in_as: str | None = None
    """The development sign-in's key of the person the page is for (None: a public page)."""


def latest_month(served: ServedHub) -> str:
    """The latest month of 2025 in which agencies received dossiers (the sample's last)."""
    for month in range(12, 0, -1):
        period = f"2025-{month:02d}"
        ranking = served.api("/api/v1/index766/ranking", period=period, level="agency").json()
        if ranking["units"]:
            return period
    raise AssertionError("the seeded hub has no dossier in 2025")


def first_unit(served: ServedHub, level: str, period: str) -> str:
    """The code of the best-ranked agency or commune of the period."""
    units = served.api("/api/v1/index766/ranking", period=period, level=level).json()["units"]
    code: str = units[0]["unit"].split(":", 1)[1]
    return code


def pages_to_visit(served: ServedHub) -> list[PageToVisit]:
    month = latest_month(served)
    agency = first_unit(served, "agency", month)
    commune = first_unit(served, "commune", month)
    behind = urlencode({"period": month, "indicator": "progress.on_time", "outcome": "late"})
    return [
        PageToVisit("home", "/"),
        PageToVisit("index766", "/chi-so-766"),
        PageToVisit("index766-communes-quarter", "/chi-so-766?period=2025-Q3&level=commune"),
        PageToVisit("index766-province", f"/chi-so-766/tinh?period={month}"),
        PageToVisit("index766-agency", f"/chi-so-766/co-quan/{quote(agency)}?period={month}"),
        PageToVisit("index766-commune", f"/chi-so-766/xa/{quote(commune)}?period={month}"),
        PageToVisit("index766-late-dossiers", f"/chi-so-766/tinh/ho-so?{behind}"),
        PageToVisit("catalogue", "/du-lieu"),
        PageToVisit("dataset-salinity", "/du-lieu/salinity.readings"),
        PageToVisit("catalogue-search", "/du-lieu?q=do+man&class=open"),
        PageToVisit("catalogue-query-too-long", "/du-lieu?" + urlencode({"q": "x" * 10_000}), 400),
        PageToVisit("dataset-dossiers", "/du-lieu/tthc.dossiers"),
        PageToVisit("dataset-shared-only", "/du-lieu/feedback.citizen_feedback"),
        PageToVisit("dataset-not-found", "/du-lieu/khong.co", 404),
        PageToVisit("not-found", "/chi-so-766/co-quan/KHONG-CO", 404),
        # the error page (hub/app/web/templates/error.html): the database gone and the disk
        # full show it too, with their own words (tests/unit/web/test_error_pages.py)
        PageToVisit("method-not-allowed", "/quan-ly/nhat-ky/kiem-tra", 405),
    ]


def citizen_pages_to_visit(person: str) -> list[PageToVisit]:
    """The citizen's pages ("Dữ liệu của tôi"), signed in as ``person``."""
    return [
        PageToVisit("citizen-evidence", "/cua-toi", signed_in_as=person),
        PageToVisit("citizen-consents", "/cua-toi/dong-y", signed_in_as=person),
        PageToVisit("citizen-reads", "/cua-toi/ai-da-xem", signed_in_as=person),
    ]
