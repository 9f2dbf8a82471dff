"""``python -m tests.load``: one load run on the real services; exits 1 when a target is
missed (an error, the hub accepting fewer records/s than the producers offer, a hub process's
memory growing 10 % or more after the warm-up, a table of expiring state over its bound)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from rich.console import Console

from tests.load.plan import LoadPlan
from tests.load.runner import run
from tests.paths import PROJECT_ROOT


def main() -> None:
    defaults = LoadPlan()
    parser = argparse.ArgumentParser(prog="python -m tests.load", description=__doc__)
    parser.add_argument("--duration", type=float, default=defaults.duration_s, help="seconds")
    parser.add_argument("--warm-up", type=float, default=defaults.warm_up_s, help="seconds")
    parser.add_argument("--rate", type=float, default=defaults.records_per_s, help="records/s")
    parser.add_argument("--producers", type=int, default=defaults.producers)
    parser.add_argument("--batch", type=int, default=defaults.batch, help="records per POST")
    parser.add_argument("--readers", type=int, default=defaults.readers, help="SSE readers")
    parser.add_argument("--prefills", type=float, default=defaults.prefills_per_s, help="per s")
    parser.add_argument("--apis", type=int, default=defaults.apis, help="kho serve processes")
    parser.add_argument(
        "--key-retention",
        type=float,
        default=defaults.idempotency_retention_s,
        help="KHO_IDEMPOTENCY_RETENTION_S of the API processes (seconds)",
    )
    kafka_port = os.environ.get("KHO_SVC_KAFKA_PORT", "19092")
    pg_port = os.environ.get("KHO_SVC_PG_PORT", "15432")
    parser.add_argument("--kafka", default=f"kafka://kho:kho@127.0.0.1:{kafka_port}")
    parser.add_argument("--postgres", default=f"postgresql://kho:kho@127.0.0.1:{pg_port}/kho")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / ".load")
    args = parser.parse_args()
    plan = LoadPlan(
        duration_s=args.duration,
        warm_up_s=args.warm_up,
        records_per_s=args.rate,
        producers=args.producers,
        batch=args.batch,
        readers=args.readers,
        prefills_per_s=args.prefills,
        apis=args.apis,
        idempotency_retention_s=args.key_retention,
    )
    outcome = run(
        plan,
        kafka_url=args.kafka,
        postgres_url=args.postgres,
        folder=args.out,
        console=Console(width=120),
    )
    if outcome.missed:
        for missed in outcome.missed:
            print(f"target missed: {missed}")
        raise SystemExit(1)
    print("every target met")


if __name__ == "__main__":
    main()
