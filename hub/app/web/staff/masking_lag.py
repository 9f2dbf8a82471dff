"""``/quan-ly/che-du-lieu``: how far the masking worker is behind, per dataset, read now by the
function ``kho mask status`` uses (``Hub.masking_lag``, hub/sharing/mask_lag.py): the records
written to a dataset's topic that are not yet in its masked copy ``<topic>.masked``, and per
partition on a toggle.

A steward sees their agency's datasets that have a masked copy (personal fields, not
restricted); an administrator sees every one. A bus that does not answer is a 503 page saying
so, in Vietnamese.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hub.app.web.staff.guard import Staff, for_staff
from hub.app.web.staff.id_cursor import named_page
from hub.app.web.staff.tools import MASKING_LAG
from hub.app.web.templating import render
from hub.catalogue.models import DatasetEntry
from hub.errors import UnreachableError
from hub.sharing.mask_lag import DatasetLag
from hub.sharing.masked_records import MASKER_GROUP, maskable

DATASETS_PER_PAGE = 50

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LagRow:
    entry: DatasetEntry
    lag: DatasetLag


def maskable_entries(staff: Staff) -> list[DatasetEntry]:
    """The datasets with a masked copy this person looks after (every one for an admin)."""
    catalogue = staff.hub.catalogue
    return [
        entry
        for entry in catalogue.catalogue.datasets
        if maskable(catalogue, entry) and staff.owns(entry)
    ]


@for_staff(MASKING_LAG)
async def masking_lag_page(request: Request, staff: Staff) -> Response:
    page = named_page(request, maskable_entries(staff), lambda e: e.id, DATASETS_PER_PAGE)
    context = {
        "person": staff.person,
        "staff": staff,
        "page": page,
        "group": MASKER_GROUP,
        "per_page": DATASETS_PER_PAGE,
        "agencies": {a.id: a.name for a in staff.hub.catalogue.catalogue.agencies},
    }
    if not page.items:
        return render(request, "staff/masking_lag.html", {**context, "rows": []})
    try:
        report = await run_in_threadpool(staff.hub.masking_lag, [e.id for e in page.items])
    except UnreachableError as exc:
        log.warning("masking lag page: %s", exc)
        unavailable = render(request, "staff/masking_lag_unavailable.html", context, status=503)
        unavailable.headers["Retry-After"] = "30"
        return unavailable
    lags = {lag.dataset: lag for lag in report}
    rows = [LagRow(entry, lags[entry.id]) for entry in page.items]
    context.update(
        rows=rows,
        total=sum(row.lag.lag for row in rows),
        read_at=dt.datetime.now(dt.UTC),
    )
    return render(request, "staff/masking_lag.html", context)


ROUTES: list[BaseRoute] = [Route(MASKING_LAG.path, masking_lag_page, name="staff_masking_lag")]
