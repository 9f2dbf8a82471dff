"""``kho mask``: run the masking worker and see how far behind it is."""

from __future__ import annotations

import logging
import os
import socket
from typing import Annotated

import typer
from rich.table import Table

from hub.app.cli.console import console
from hub.app.cli.group_member import sole_member_if_embedded
from hub.app.cli.observability import MetricsPortOption, expose_metrics, sampling_lag
from hub.app.cli.shell import shell
from hub.app.wiring import Hub
from hub.sharing.mask_lag import DatasetLag
from hub.sharing.masked_records import MASKER_GROUP
from hub.sharing.masked_worker import MaskingRun
from hub.stopping import drain_once, run_until_signalled

mask_app = typer.Typer(
    help="Bản che dữ liệu cá nhân <topic>.masked: chạy tiến trình che và xem độ trễ.",
    no_args_is_help=True,
)

DatasetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--dataset", help="Chỉ bộ dữ liệu này (lặp lại được); mặc định: mọi bộ có bản che."
    ),
]


@mask_app.command("run")
def mask_run(
    ctx: typer.Context,
    dataset: DatasetOption = None,
    once: Annotated[
        bool, typer.Option("--once", help="Che hết bản ghi hiện có rồi thoát, in số lượng.")
    ] = False,
    batch: Annotated[int, typer.Option(min=1, help="Số bản ghi mỗi giao dịch.")] = 500,
    report_every: Annotated[
        float, typer.Option(min=1.0, help="Ghi nhật ký tiến độ và độ trễ mỗi N giây.")
    ] = 30.0,
    instance: Annotated[
        str | None,
        typer.Option(
            help="Tên tiến trình (transactional id kho.masker.<tên>) trên Kafka; mặc định"
            " <máy>-<pid>, để nhiều tiến trình cùng chạy. Đặt tên cố định cho mỗi bản sao"
            " để tiến trình khởi động lại hủy ngay giao dịch dở của bản trước."
        ),
    ] = None,
    metrics_port: MetricsPortOption = None,
) -> None:
    """Che trường cá nhân: <topic> → <topic>.masked, đúng một lần (giao dịch)."""
    hub = shell(ctx).hub()
    # Each instance its own transactional id: two with one id would fence each other. Zombies
    # are fenced by the group's generation (KIP-447), not by the id.
    instance = instance or f"{socket.gethostname()}-{os.getpid()}"
    worker = hub.masking_worker(dataset, batch_size=batch, instance=instance)
    with sole_member_if_embedded(hub, MASKER_GROUP):
        if once:
            drain_once(
                worker.drain, lambda run: print_masking_run(run, hub), "Chưa che hết", console
            )
            return
        logging.getLogger("hub.sharing").setLevel(logging.INFO)
        console.print(
            f"Đang che {len(worker.entries)} bộ dữ liệu ({worker.transactional_id});"
            " Ctrl-C để dừng."
        )
        expose_metrics(metrics_port)
        run = run_until_signalled(
            sampling_lag(
                hub,
                MASKER_GROUP,
                worker.topics,
                lambda stop: worker.run(stop, report_every_s=report_every),
            )
        )
    console.print("Đã dừng sau khi cam kết lô cuối.")
    print_masking_run(run, hub)


@mask_app.command("status")
def mask_status(ctx: typer.Context, dataset: DatasetOption = None) -> None:
    """Độ trễ của kho.masker theo bộ dữ liệu và phân vùng."""
    hub = shell(ctx).hub()
    console.print(lag_table(hub.masking_lag(dataset)))


def lag_table(report: list[DatasetLag]) -> Table:
    table = Table(title="Độ trễ của tiến trình che (nhóm kho.masker)")
    table.add_column("Bộ dữ liệu")
    table.add_column("Phân vùng", justify="right")
    table.add_column("Cuối topic gốc", justify="right")
    table.add_column("Đã cam kết", justify="right")
    table.add_column("Độ trễ", justify="right")
    table.add_column("Cuối topic .masked", justify="right")
    for dataset in report:
        if not dataset.partitions:
            table.add_row(dataset.dataset, "—", "chưa có topic", "", "", "")
        for p in dataset.partitions:
            table.add_row(
                dataset.dataset,
                str(p.partition),
                str(p.input_end),
                "—" if p.committed is None else str(p.committed),
                str(p.lag),
                "—" if p.masked_end is None else str(p.masked_end),
            )
    return table


def print_masking_run(run: MaskingRun, hub: Hub) -> None:
    table = Table(title="Bản che dữ liệu cá nhân")
    table.add_column("Bộ dữ liệu")
    table.add_column("Topic che")
    table.add_column("Đã che", justify="right")
    table.add_column("Thư chết (→ .dlq)", justify="right")
    for dataset_id, counts in run.counts.items():
        entry = hub.catalogue.entry(dataset_id)
        table.add_row(dataset_id, entry.masked_topic, str(counts.masked), str(counts.dead_letters))
    console.print(table)
