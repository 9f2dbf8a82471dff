"""What a load run does: its rates, its length, and where the generator finds the hub."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class LoadPlan:
    duration_s: float = 600.0
    warm_up_s: float = 120.0
    """Memory growth is measured from the end of the warm-up to the end of the run."""
    records_per_s: float = 2000.0
    producers: int = 8
    batch: int = 100
    """Records per POST. 100 amortises a request's fixed cost (token check, Idempotency-Key
    claim and lease, one Kafka flush awaited for acks=all) over many records, yet keeps a body
    near 60 KB and gives 20 posts/s in all: 12,000 latency samples in ten minutes."""
    readers: int = 50
    sensor_per_s: float = 2.0
    prefills_per_s: float = 20.0
    apis: int = 2
    idempotency_retention_s: float = 60.0
    sample_every_s: float = 10.0
    subjects: int = 300
    """Citizens seeded with evidence for the prefills."""

    def validate(self) -> None:
        if self.warm_up_s >= self.duration_s:
            raise ValueError("the warm-up must end before the run does")
        for name in ("records_per_s", "producers", "batch", "apis", "subjects"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")


@dataclass(frozen=True)
class Target:
    """The hub as the generator reaches it (written to a JSON file for its process)."""

    plan: LoadPlan
    run: str
    api_urls: list[str]
    producer_token: str
    sensor_token: str
    prefill_token: str
    subjects: list[str]
    dossiers: str
    procedure: str
    results_path: str

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)), "utf-8")

    @classmethod
    def read(cls, path: Path) -> Target:
        raw = json.loads(path.read_text("utf-8"))
        return cls(**{**raw, "plan": LoadPlan(**raw["plan"])})
