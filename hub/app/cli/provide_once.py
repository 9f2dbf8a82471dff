"""``kho evidence`` and ``kho subject``: the provide-once store at the command line.

- ``kho evidence feed``: finished dossiers become evidence for their applicants.
- ``kho evidence outbox``: send the update events still pending.
- ``kho evidence show`` / ``history``: what the store holds for a subject, an evidence's
  versions. Both are reads of personal data by an operator, so both are audited.
- ``kho subject token``: a sign-in token for a citizen or organisation, on the embedded
  defaults only (demo and tests); in production the province's identity provider signs them.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from hub.app.cli.console import console, err_console
from hub.app.cli.group_member import sole_member_if_embedded
from hub.app.cli.observability import MetricsPortOption, expose_metrics, sampling_lag
from hub.app.cli.shell import shell
from hub.app.wiring import Hub
from hub.audit.actions import EVIDENCE_READ
from hub.audit.entry import CLI
from hub.provide_once.dossier_feed import FEED_GROUP, SKIP_REASONS, DossierFeed, FeedRun
from hub.provide_once.evidence import EVIDENCE_DATASET, EvidenceVersion
from hub.provide_once.prefill import LEGAL_BASIS, PrefillAnswer
from hub.provide_once.subjects import parse_subject
from hub.stopping import drain_once, run_until_signalled
from hub.vietnam_time import vietnam_time

evidence_app = typer.Typer(
    help="Kho dữ liệu điện tử của tổ chức, cá nhân: giấy tờ đã cấp, nạp từ hồ sơ TTHC.",
    no_args_is_help=True,
)
subject_app = typer.Typer(
    help="Công dân, tổ chức (chủ thể dữ liệu): phiên đăng nhập thử nghiệm.",
    no_args_is_help=True,
)


@evidence_app.command("feed")
def evidence_feed(
    ctx: typer.Context,
    once: Annotated[
        bool,
        typer.Option("--once", help="Đọc tới cuối topic hồ sơ hiện có rồi thoát, in số lượng."),
    ] = False,
    batch: Annotated[int, typer.Option(min=1, help="Số hồ sơ mỗi lô.")] = 500,
    group: Annotated[str, typer.Option(help="Nhóm consumer đọc topic hồ sơ.")] = FEED_GROUP,
    report_every: Annotated[
        float, typer.Option(min=1.0, help="Ghi nhật ký tiến độ mỗi N giây.")
    ] = 30.0,
    metrics_port: MetricsPortOption = None,
) -> None:
    """Hồ sơ đã trả kết quả → giấy tờ của người nộp (nạp lại nhiều lần vẫn chỉ lưu một)."""
    hub = shell(ctx).hub()
    feed = hub.dossier_feed(group=group, batch_size=batch)
    with sole_member_if_embedded(hub, feed.group):
        if once:
            drain_once(feed.drain, lambda run: print_feed_run(run, feed), "Chưa đọc hết", console)
            return
        logging.getLogger("hub.provide_once").setLevel(logging.INFO)
        console.print(f"Đang nạp giấy tờ từ {feed.topic} (nhóm {feed.group}); Ctrl-C để dừng.")
        expose_metrics(metrics_port)
        run = run_until_signalled(
            sampling_lag(
                hub,
                feed.group,
                [feed.topic],
                lambda stop: feed.run(stop, report_every_s=report_every),
            )
        )
    console.print("Đã dừng sau khi cam kết lô cuối.")
    print_feed_run(run, feed)


@evidence_app.command("outbox")
def evidence_outbox(ctx: typer.Context) -> None:
    """Gửi các sự kiện cập nhật giấy tờ còn chờ lên topic của bộ dữ liệu giấy tờ."""
    hub = shell(ctx).hub()
    outbox = hub.evidence_outbox
    sent = outbox.drain()
    pending = outbox.pending()
    topic = hub.catalogue.entry(EVIDENCE_DATASET).topic
    console.print(f"Đã gửi {sent} sự kiện cập nhật lên {topic}; còn chờ {pending}.")


@evidence_app.command("show")
def evidence_show(
    ctx: typer.Context,
    subject_id: Annotated[str, typer.Argument(help="Số CCCD hoặc mã số thuế của chủ thể.")],
) -> None:
    """Giấy tờ hiện hành của một chủ thể (việc xem được ghi vào nhật ký kiểm toán)."""
    subject = parse_subject(subject_id)
    hub = shell(ctx).hub()
    found = hub.provide_once.evidence.current(subject.id)
    hub.audit.append(
        EVIDENCE_READ,
        actor=CLI,
        dataset=EVIDENCE_DATASET,
        details={
            "subject": subject.id,
            "evidence": [[e.evidence_id, e.version] for e in found],
            "via": "kho evidence show",
        },
        subjects=[subject.id],
    )
    names = _type_names(hub)
    if not found:
        console.print(Text(f"Kho chưa có giấy tờ nào của chủ thể {subject.id}."))
        return
    table = Table(title=Text(f"Giấy tờ của {subject.id} ({len(found)})"))
    for column in ("Mã giấy tờ", "Loại", "Cơ quan cấp", "Ngày cấp", "Hiệu lực đến"):
        table.add_column(column)
    table.add_column("Phiên bản", justify="right")
    table.add_column("Hồ sơ nguồn")
    for e in found:
        table.add_row(
            Text(e.evidence_id),
            Text(names.get(e.evidence_type, e.evidence_type)),
            Text(e.issuer),
            _date(e.issued_on),
            _date(e.valid_until) if e.valid_until else "không thời hạn",
            str(e.version),
            Text(e.source_ref or ""),
        )
    console.print(table)


@evidence_app.command("history")
def evidence_history(
    ctx: typer.Context,
    evidence_id: Annotated[str, typer.Argument(help="Mã giấy tờ, ví dụ hs:DT-250701-00001.")],
) -> None:
    """Mọi phiên bản của một giấy tờ, cũ nhất trước (việc xem được ghi vào nhật ký kiểm toán)."""
    hub = shell(ctx).hub()
    versions = hub.provide_once.evidence.history(evidence_id)
    owner = versions[-1].subject_id
    hub.audit.append(
        EVIDENCE_READ,
        actor=CLI,
        dataset=EVIDENCE_DATASET,
        details={
            "subject": owner,
            "history_of": evidence_id,
            "via": "kho evidence history",
        },
        subjects=[owner],
    )
    names = _type_names(hub)
    head = versions[-1]
    title = f"{evidence_id}: {names.get(head.evidence_type, head.evidence_type)} của {owner}"
    table = Table(title=Text(title))
    table.add_column("Phiên bản", justify="right")
    for column in ("Ghi lúc (giờ VN)", "Người ghi", "Ngày cấp", "Hiệu lực đến"):
        table.add_column(column)
    table.add_column("Hồ sơ nguồn")
    table.add_column("Lý do đính chính")
    for v in versions:
        table.add_row(
            str(v.version),
            vietnam_time(v.recorded_at),
            Text(v.recorded_by),
            _date(v.issued_on),
            _date(v.valid_until) if v.valid_until else "không thời hạn",
            Text(v.source_ref or ""),
            Text(v.correction_reason or ""),
        )
    console.print(table)
    _print_attributes(head)


@subject_app.command("token")
def subject_token(
    ctx: typer.Context,
    subject_id: Annotated[str, typer.Argument(help="Số CCCD (12 chữ số) hoặc mã số thuế.")],
    hours: Annotated[float, typer.Option(min=0.01, max=24 * 30, help="Số giờ hiệu lực.")] = 8.0,
) -> None:
    """Cấp phiên đăng nhập cho chủ thể, chỉ ở cấu hình nhúng (demo, kiểm thử)."""
    subject = parse_subject(subject_id)
    hub = shell(ctx).hub()
    token = hub.subject_tokens.issue(subject, valid_for=dt.timedelta(hours=hours))
    err_console.print(
        f"Phiên đăng nhập của {subject.id} ({subject.kind}), hiệu lực {hours:g} giờ;"
        " gửi kèm tiêu đề Authorization: Bearer <mã>"
    )
    print(token)


def print_prefill(answer: PrefillAnswer | None) -> None:
    """What a prefill gave the agency: each evidence reused and on what basis."""
    if answer is None:
        console.print("Chưa có giấy tờ nào trong kho để điền sẵn.")
        return
    table = Table(
        title=f"Điền sẵn hồ sơ {answer.procedure.name} ({answer.procedure.code}) cho"
        f" {answer.subject.id}, cơ quan {answer.agency}"
    )
    for column in ("Giấy tờ", "Loại", "Phiên bản", "Ngày cấp", "Căn cứ"):
        table.add_column(column)
    basis = {c.evidence_type: c.basis for c in answer.coverage}
    for item in answer.evidence:
        shown = "pháp luật" if basis.get(item.evidence_type) == LEGAL_BASIS else "đồng ý"
        table.add_row(
            item.evidence_id,
            item.evidence_type,
            str(item.version),
            _date(item.issued_on),
            shown,
        )
    console.print(table)
    withheld = [c.evidence_type for c in answer.coverage if c.basis is None]
    if withheld:
        console.print(f"Cần đồng ý của người dân mới dùng được: {', '.join(withheld)}")


def print_feed_run(run: FeedRun, feed: DossierFeed) -> None:
    table = Table(title=f"Nạp giấy tờ từ hồ sơ {feed.topic} (nhóm {feed.group})")
    table.add_column("Hồ sơ đọc", justify="right")
    table.add_column("Tạo mới", justify="right")
    table.add_column("Đính chính", justify="right")
    table.add_column("Không đổi", justify="right")
    table.add_column("Bỏ qua", justify="right")
    table.add_column("Thư chết (→ .dlq)", justify="right")
    table.add_column("Sự kiện đã gửi", justify="right")
    table.add_row(
        str(run.records),
        str(run.created),
        str(run.corrected),
        str(run.unchanged),
        str(run.skipped_total),
        str(run.dead_letters),
        str(run.events_sent),
    )
    console.print(table)
    if run.skipped:
        reasons = ", ".join(
            f"{SKIP_REASONS.get(reason, reason)}: {count}"
            for reason, count in run.skipped.most_common()
        )
        console.print(f"Bỏ qua: {reasons}")
    if run.outbox_error:
        console.print(
            Text(
                f"Còn {run.events_pending} sự kiện cập nhật chưa gửi ({run.outbox_error});"
                " chạy lại kho evidence outbox sau.",
                style="yellow",
            )
        )


def _type_names(hub: Hub) -> dict[str, str]:
    return {t.code: t.name for t in hub.procedures.evidence_types}


def _date(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _print_attributes(version: EvidenceVersion) -> None:
    if not version.attributes:
        return
    table = Table(title=f"Thuộc tính (phiên bản {version.version})")
    table.add_column("Thuộc tính")
    table.add_column("Giá trị")
    for name, value in sorted(version.attributes.items()):
        table.add_row(Text(name), Text(value))
    console.print(table)
