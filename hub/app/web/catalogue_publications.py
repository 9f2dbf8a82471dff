"""A dataset's open-data publications as its page shows them: each declared publication with
where it stands (opendata.approvals) and, once published, where: the portal's landing page and
files, read from what the publisher recorded (opendata.state). Files of the folder portal
(``file:`` URLs nobody's browser may open) are served by the hub at ``file_path``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlparse
from urllib.request import url2pathname

from hub.app.wiring import Hub
from opendata.approvals import PublicationStatus
from opendata.description import DatasetDescription as PublishedDescription
from opendata.state import PublicationStates

KINDS = {
    "snapshot": "Bản mới nhất của mỗi bản ghi",
    "history": "Toàn bộ các bản ghi theo thời gian",
    "aggregation": "Số liệu tổng hợp",
}

STATUSES = {
    PublicationStatus.OPEN: "Dữ liệu mở: công bố không cần phê duyệt",
    PublicationStatus.APPROVED: "Đã được cơ quan chủ quản phê duyệt",
    PublicationStatus.STALE: "Đặc tả đã sửa sau lần phê duyệt; chờ phê duyệt lại",
    PublicationStatus.REVOKED: "Phê duyệt đã bị thu hồi",
    PublicationStatus.PENDING: "Chờ cơ quan chủ quản phê duyệt",
    PublicationStatus.BLOCKED: "Danh mục không cho phép công bố",
}


@dataclass(frozen=True, slots=True)
class FileLink:
    """A published file: its name, what it holds, its format and size, and where to get it."""

    filename: str
    title: str
    file_type: str
    byte_size: int
    href: str


@dataclass(frozen=True, slots=True)
class PublicationView:
    id: str
    title_vi: str
    title_en: str
    kind: str
    status: str
    status_label: str
    published: bool
    landing_page: str | None  # on a web portal (CKAN); None for the folder portal
    modified: dt.datetime | None
    files: tuple[FileLink, ...]


def dataset_publications(hub: Hub, dataset_id: str) -> list[PublicationView]:
    """The dataset's declared publications, in declared order, with their published files."""
    entry = hub.catalogue.catalogue.dataset(dataset_id)
    reviews = [r for r in hub.approvals.overview() if r.spec.dataset == dataset_id]
    states = _states(hub)
    views = []
    for review in reviews:
        spec = review.spec
        title = spec.title or entry.title
        state = states.get(spec.id)
        described = state.description if state and state.status == "published" else None
        views.append(
            PublicationView(
                id=spec.id,
                title_vi=title.vi,
                title_en=title.en,
                kind=KINDS.get(spec.kind, spec.kind),
                status=review.status.value,
                status_label=STATUSES[review.status],
                published=described is not None,
                landing_page=_web(described.landing_page) if described else None,
                modified=described.modified if described else None,
                files=_files(dataset_id, described) if described else (),
            )
        )
    return views


def published_descriptions(hub: Hub, dataset_id: str) -> list[PublishedDescription]:
    """What the publisher put on the portal for the dataset's publications now published."""
    states = _states(hub)
    found = []
    for spec in hub.publications.publications:
        if spec.dataset != dataset_id:
            continue
        state = states.get(spec.id)
        if state is not None and state.status == "published":
            found.append(state.description)
    return found


def file_path(hub: Hub, dataset_id: str, publication_id: str, filename: str) -> Path | None:
    """The folder portal's copy of a file the publication has published now; None when the
    publication is not the dataset's, is not published, has no such file, or is on a web
    portal (whose own address the page links to)."""
    for described in published_descriptions(hub, dataset_id):
        if described.identifier != publication_id:
            continue
        for distribution in described.distributions:
            url = urlparse(distribution.download_url)
            if url.scheme == "file" and _filename(distribution.download_url) == filename:
                path = Path(url2pathname(url.path))
                return path if path.is_file() else None
    return None


def _states(hub: Hub) -> PublicationStates:
    """What the publisher recorded. Its table is created with the approvals' on first use of
    ``hub.approvals`` (opendata's tables join the metadata only when it is imported)."""
    _ = hub.approvals
    return PublicationStates(hub.engine)


def _files(dataset_id: str, described: PublishedDescription) -> tuple[FileLink, ...]:
    links = []
    for distribution in described.distributions:
        filename = _filename(distribution.download_url)
        href = _web(distribution.download_url) or (
            f"/du-lieu/{quote(dataset_id)}/tep/{quote(described.identifier)}/{quote(filename)}"
        )
        _, _, about = distribution.title.vi.partition(": ")
        links.append(
            FileLink(
                filename=filename,
                title=about or distribution.title.vi,
                file_type=distribution.file_type,
                byte_size=distribution.byte_size,
                href=href,
            )
        )
    return tuple(links)


def _filename(url: str) -> str:
    return unquote(urlparse(url).path.rsplit("/", 1)[-1])


def _web(url: str) -> str | None:
    """The address when a browser may follow it (http or https), else None."""
    return url if urlparse(url).scheme in ("http", "https") else None
