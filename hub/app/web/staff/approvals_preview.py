"""The preview on a publication's approval page: what ``kho publish --plan --only <id>`` says the
next publish would do to the portal, from the same ``Publisher.run(plan=True)``, which reads
the topic and the portal and writes nothing (no audit entry, no state, no file). The page does
not wait for another publisher's run: it says one is running."""

from __future__ import annotations

from dataclasses import dataclass

from hub.app.wiring import Hub
from hub.audit.entry import Actor
from hub.catalogue.models import DatasetEntry
from hub.errors import KhoError
from opendata.publisher import PublishResult
from opendata.specs import PublicationSpec

PLANNED_WORDS = {
    "created": "Sẽ tạo mới trên cổng dữ liệu mở",
    "updated": "Sẽ cập nhật trên cổng dữ liệu mở",
    "unchanged": "Giữ nguyên: cổng đã đúng như vậy",
    "withdrawn": "Sẽ rút khỏi cổng dữ liệu mở",
    "absent": "Không có trên cổng, và sẽ không được đưa lên",
}
RESULT_WORDS = {"waiting": "Chưa công bố", "blocked": "Bị chặn", "failed": "Lỗi"}


@dataclass(frozen=True)
class Preview:
    """What ``kho publish --plan --only <id>`` says, or why it could not say."""

    result: PublishResult | None = None
    problem: str | None = None

    @property
    def headline(self) -> str:
        r = self.result
        if r is None:
            return "Không xem trước được"
        if r.status == "planned" and r.action is not None:
            return PLANNED_WORDS[r.action]
        if r.status == "waiting" and r.action == "absent":
            return PLANNED_WORDS["absent"]
        return RESULT_WORDS.get(r.status, r.status)


class _PublisherBusy(Exception):  # noqa: N818 (a state the page reports, not a fault)
    """Another publisher of this hub holds the lock; the page does not wait for it."""


def publish_preview(
    hub: Hub, spec: PublicationSpec, entry: DatasetEntry | None, actor: Actor
) -> Preview:
    """``kho publish --plan --only <id>``: what publishing would do now; writes nothing."""
    if entry is None:
        return Preview(problem=f"Bộ dữ liệu {spec.dataset} không có trong danh mục.")

    def busy() -> None:
        raise _PublisherBusy

    try:
        results = hub.publisher(on_lock_wait=busy).run(actor, plan=True, only=[spec.id])
    except _PublisherBusy:
        return Preview(
            problem="Một lần công bố khác đang chạy; hãy tải lại trang sau ít phút để xem trước."
        )
    except KhoError as exc:
        return Preview(problem=str(exc))
    return Preview(result=results[0])
