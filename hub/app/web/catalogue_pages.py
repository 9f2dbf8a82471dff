"""``/du-lieu``: the catalogue's datasets as the public sees them, searched and filtered through a
GET form (every view its own URL), and each dataset's page. Both render the model the API's
``GET /api/v1/catalogue`` and ``/api/v1/datasets/{id}`` answer a caller without a token
(``describe_dataset``), and read records through the sharing policy the API applies to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from hub.app.api.answers import DatasetDescription
from hub.app.api.datasets import describe_dataset
from hub.app.web import catalogue_dcat
from hub.app.web.catalogue_filters import (
    Faceted,
    FacetValue,
    FilterError,
    apply_filters,
    facet_choices,
    read_filters,
)
from hub.app.web.catalogue_labels import (
    CLASSES,
    FREQUENCIES,
    LICENCE_LINKS,
    LICENCES,
    SECTORS,
    label,
    retention_text,
)
from hub.app.web.catalogue_preview import Preview, read_preview
from hub.app.web.catalogue_publications import PublicationView, dataset_publications, file_path
from hub.app.web.catalogue_search import (
    MAX_QUERY_CHARS,
    QueryTooLong,
    SearchText,
    parse_query,
    search,
)
from hub.app.web.errors import not_found_page
from hub.app.web.templating import render, vn_number
from hub.app.wiring import Hub
from hub.auth.policy import ReadAccess, is_visible, read_access
from hub.catalogue.models import DatasetEntry
from hub.errors import UnreachableError

LABELS = {
    "sectors": SECTORS,
    "classes": CLASSES,
    "frequencies": FREQUENCIES,
    "licences": LICENCES,
}


_LATER = "hãy thử lại sau ít phút."


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def public_entry(hub: Hub, dataset_id: str) -> DatasetEntry | None:
    """The catalogue's entry when the public may know the dataset exists, else None."""
    try:
        entry = hub.catalogue.catalogue.dataset(dataset_id)
    except KeyError:
        return None
    return entry if is_visible(None, entry) else None


def unknown_dataset_page(request: Request, dataset_id: str) -> Response:
    return not_found_page(
        request, f"Không có bộ dữ liệu «{dataset_id}» trong danh mục dữ liệu của tỉnh."
    )


@dataclass(frozen=True, slots=True)
class Listed:
    """A dataset as the list shows it (the API's description for the public) and searches it."""

    described: DatasetDescription
    text: SearchText


def public_catalogue(request: Request) -> list[Faceted[Listed]]:
    """The datasets the public may see, described, folded for search and faceted: built once
    per app, on the first request (the catalogue is loaded once, when the hub starts)."""
    cached: list[Faceted[Listed]] | None = getattr(request.app.state, "public_catalogue", None)
    if cached is None:
        hub = _hub(request)
        cached = []
        for entry in hub.catalogue.catalogue.datasets:
            if is_visible(None, entry):
                described = describe_dataset(hub, entry, None)
                listed = Listed(described, _search_text(entry, described))
                cached.append(Faceted(listed, _facets(described)))
        request.app.state.public_catalogue = cached
    return cached


async def catalogue_page(request: Request) -> Response:
    raw = request.query_params.get("q", "")
    items = public_catalogue(request)
    context: dict[str, Any] = {
        "query_text": raw[:MAX_QUERY_CHARS],
        "max_query_chars": MAX_QUERY_CHARS,
        "notices": (),
        "error": None,
        "results": [],
        "facets": facet_choices({}, items),
        "total": len(items),
        "filtered": False,
        "chosen_filters": 0,
        **LABELS,
    }
    try:
        query = parse_query(raw)
        filters = read_filters(request.query_params, items)
    except QueryTooLong as exc:
        context["error"] = (
            f"Từ khoá dài {vn_number(exc.length, 0)} ký tự, quá giới hạn"
            f" {exc.limit} ký tự. Hãy nhập ngắn hơn rồi tìm lại."
        )
        return render(request, "catalogue/list.html", context, status=400)
    except FilterError as exc:
        context["error"] = (
            f"{exc.facet.name} «{exc.value}» không có trong danh mục; hãy chọn trong danh sách."
        )
        return render(request, "catalogue/list.html", context, status=400)
    ranked = search(query, [(item, item.item.text) for item in items])
    context.update(
        notices=query.notices,
        results=[listed.described for listed in apply_filters(filters, ranked)],
        facets=facet_choices(filters, items, ranked),
        filtered=bool(filters) or not query.empty,
        chosen_filters=len(filters),
    )
    return render(request, "catalogue/list.html", context)


def _search_text(entry: DatasetEntry, described: DatasetDescription) -> SearchText:
    return SearchText.of(
        title=(described.title.vi, described.title.en),
        keywords=entry.keywords,
        text=(
            described.id,
            described.description.vi,
            described.description.en,
            described.owner.name,
            label(SECTORS, described.sector),
            *(f.name for f in described.fields),
        ),
    )


def _facets(described: DatasetDescription) -> dict[str, FacetValue]:
    return {
        "sector": FacetValue(described.sector, label(SECTORS, described.sector)),
        "agency": FacetValue(described.owner.id, described.owner.name),
        "class": FacetValue(described.classification, label(CLASSES, described.classification)),
        "licence": FacetValue(described.licence, label(LICENCES, described.licence)),
        "frequency": FacetValue(
            described.update_frequency, label(FREQUENCIES, described.update_frequency)
        ),
    }


async def dataset_page(request: Request) -> Response:
    hub = _hub(request)
    dataset_id = request.path_params["dataset_id"]
    entry = public_entry(hub, dataset_id)
    if entry is None:
        return unknown_dataset_page(request, dataset_id)
    described = describe_dataset(hub, entry, None)
    publications: list[PublicationView] = []
    publications_error = None
    try:
        publications = await run_in_threadpool(dataset_publications, hub, entry.id)
    except UnreachableError:
        publications_error = f"Lúc này không đọc được các ấn phẩm; {_LATER}"
    access = read_access(None, entry)
    preview: Preview | None = None
    preview_error = None
    if isinstance(access, ReadAccess):
        try:
            preview = await run_in_threadpool(read_preview, hub, entry, access.projection)
        except UnreachableError:
            preview_error = f"Lúc này không đọc được dữ liệu để xem trước; {_LATER}"
    agencies = {a.id: a.name for a in hub.catalogue.catalogue.agencies}
    context = {
        "dataset": described,
        "keywords": entry.keywords,
        "retention": retention_text(described.retention),
        "licence_link": LICENCE_LINKS.get(described.licence),
        "public_projection": isinstance(access, ReadAccess),
        "preview": preview,
        "preview_error": preview_error,
        "publications": publications,
        "publications_error": publications_error,
        "has_dcat": any(p.published for p in publications),
        "consumers": [(agencies.get(c.agency, c.agency), c) for c in described.consumers],
        "personal_count": sum(1 for f in described.fields if f.personal),
        **LABELS,
    }
    return render(request, "catalogue/dataset.html", context)


async def dcat_page(request: Request) -> Response:
    """The hub's DCAT-AP 3.0.1 for the dataset's publications now on the portal."""
    hub = _hub(request)
    dataset_id = request.path_params["dataset_id"]
    form = request.path_params["form"]
    entry = public_entry(hub, dataset_id)
    if entry is None:
        return unknown_dataset_page(request, dataset_id)
    if form not in catalogue_dcat.FORMS:
        return not_found_page(request)
    document = await run_in_threadpool(catalogue_dcat.dataset_dcat, hub, entry.id, form)
    if document is None:
        return not_found_page(
            request,
            f"Bộ dữ liệu «{entry.id}» chưa có ấn phẩm nào trên cổng dữ liệu mở nên chưa có mô tả"
            " DCAT-AP.",
        )
    return Response(document.text, media_type=document.media_type)


async def published_file(request: Request) -> Response:
    """A file of the folder portal, when the publication has published it."""
    hub = _hub(request)
    params = request.path_params
    entry = public_entry(hub, params["dataset_id"])
    if entry is None:
        return unknown_dataset_page(request, params["dataset_id"])
    path = await run_in_threadpool(
        file_path, hub, entry.id, params["publication_id"], params["filename"]
    )
    if path is None:
        return not_found_page(
            request, f"Không có tệp «{params['filename']}» trong các ấn phẩm đang công bố."
        )
    return FileResponse(path, filename=path.name)


CATALOGUE_PAGES: list[BaseRoute] = [
    Route("/du-lieu", catalogue_page, name="catalogue"),
    Route("/du-lieu/{dataset_id}", dataset_page, name="dataset"),
    Route("/du-lieu/{dataset_id}/dcat.{form:str}", dcat_page, name="dataset_dcat"),
    Route(
        "/du-lieu/{dataset_id}/tep/{publication_id}/{filename}",
        published_file,
        name="published_file",
    ),
]
