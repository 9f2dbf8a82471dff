"""Which dataset and which dead letter a URL of ``/quan-ly/ban-ghi-loi`` names, for the person
signed in, by the API's rules: a restricted dataset of another agency does not exist (404),
another agency's dataset is refused (403), an unknown dataset or letter, or an address that is
not one, is not found (404) and the page names it."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from hub.app.web.staff.guard import Staff, forbidden, not_found
from hub.catalogue.models import DatasetEntry
from hub.dlq.desk import LetterView, StewardDesk
from hub.dlq.errors import BadAddressError, UnknownLetterError
from hub.errors import ConfigurationError


def dataset_of(request: Request, staff: Staff) -> DatasetEntry | Response:
    """The dataset named in the URL, if this person may act on its dead letters; else the
    page that says why not."""
    dataset_id = str(request.path_params["dataset"])
    try:
        entry = staff.hub.catalogue.entry(dataset_id)
    except ConfigurationError:
        entry = None
    if entry is None or not staff.sees(entry):
        return not_found(request, f"Không có bộ dữ liệu “{dataset_id}” trong danh mục.")
    if not staff.owns(entry):
        return forbidden(
            request,
            f"Bản ghi lỗi của bộ dữ liệu “{entry.title.vi}” do {agency_name(staff, entry.owner)}"
            " quản lý: chỉ cán bộ quản lý dữ liệu của cơ quan đó (hoặc quản trị viên) được xem,"
            " sửa và phát lại.",
        )
    return entry


async def letter_of(request: Request, staff: Staff) -> tuple[StewardDesk, LetterView] | Response:
    """The desk of the dataset named in the URL and the letter at the URL's address."""
    entry = dataset_of(request, staff)
    if isinstance(entry, Response):
        return entry
    desk = desk_for(staff, entry)
    address = str(request.path_params["address"])
    try:
        view = await run_in_threadpool(desk.letter, address)
    except BadAddressError:
        message = (
            f"“{address}” không phải địa chỉ của một bản ghi lỗi: địa chỉ có dạng"
            " <phân vùng>:<offset>, ví dụ 0:12."
        )
        return not_found(request, message)
    except UnknownLetterError:
        message = f"Không có bản ghi lỗi “{address}” trong bộ dữ liệu “{entry.title.vi}”."
        return not_found(request, message)
    return desk, view


def desk_for(staff: Staff, entry: DatasetEntry) -> StewardDesk:
    """The desk ``kho dlq`` uses, acting as the signed-in person."""
    return staff.hub.steward_desk(entry.id, actor=staff.actor)


def agency_name(staff: Staff, agency: str) -> str:
    try:
        return staff.hub.catalogue.catalogue.agency(agency).name
    except KeyError:
        return agency
