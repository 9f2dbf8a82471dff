"""What the long-running commands share for monitoring: ``--metrics-port`` serves their
Prometheus metrics from a background thread, and their consumer group's lag is sampled into
``kho_consumer_lag`` while they run."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from typer.core import TyperGroup

from hub.errors import ConfigurationError

if TYPE_CHECKING:
    from hub.app.wiring import Hub

T = TypeVar("T")

LAG_EVERY_S = 15.0

MetricsPortOption = Annotated[
    int | None,
    typer.Option(
        "--metrics-port",
        min=1,
        max=65535,
        help="Mở /metrics (Prometheus) của tiến trình này ở cổng này.",
    ),
]


def expose_metrics(port: int | None) -> None:
    """Serve ``/metrics`` on ``port`` (all interfaces) when one is given; a port that cannot be
    opened is one line naming the option."""
    if port is None:
        return
    from hub.metrics import serve_metrics  # prometheus-client: only for the commands serving it

    try:
        serve_metrics(port)
    except OSError as exc:
        raise ConfigurationError(
            f"--metrics-port {port}: không mở được cổng cho /metrics ({exc.strerror or exc})"
        ) from None


def sampling_lag(
    hub: Hub, group: str, topics: Sequence[str], work: Callable[[threading.Event], T]
) -> Callable[[threading.Event], T]:
    """``work``, with the group's lag sampled every few seconds until ``stop`` is set."""

    from hub.metrics import LagSampler

    def run(stop: threading.Event) -> T:
        sampler = LagSampler(hub.bus, hub.group_offsets, group, topics)
        sampler.start(stop, every_s=LAG_EVERY_S)
        return work(stop)

    return run


def process_name(ctx: typer.Context) -> str:
    """The command being run, for the logs' ``process`` field: ``kho mask run``. Only command
    names are taken from the command line, never an argument's value."""
    words = ["kho"]
    sub = ctx.invoked_subcommand
    if sub is None:
        return "kho"
    words.append(sub)
    # Typer's groups (TyperGroup, on the Click it vendors) are not click.Group
    group = ctx.command.get_command(ctx, sub) if isinstance(ctx.command, TyperGroup) else None
    if isinstance(group, TyperGroup):
        rest = [a for a in sys.argv[1:] if not a.startswith("-")]
        after = rest[rest.index(sub) + 1 :] if sub in rest else []
        if after and group.get_command(ctx, after[0]) is not None:
            words.append(after[0])
    return " ".join(words)
