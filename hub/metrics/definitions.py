"""Every metric the hub exports, with bounded labels: a dataset id, a rule name, a consumer
group, a topic and partition, a route template, never a record key or a raw path."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Gauge, Histogram

RECORDS_IN = Counter(
    "kho_records_in",
    "Records written for a dataset: accepted onto its topic or rejected to its dead letters",
    ["dataset", "outcome"],
)
RECORDS_OUT = Counter(
    "kho_records_out",
    "Records a worker took from a dataset's topic and delivered (masked, evidence, index, portal)",
    ["dataset", "sink"],
)
DEAD_LETTERS = Counter(
    "kho_dead_letters",
    "Dead letters written, by dataset, the kind of source or worker that refused the record"
    " (csv, api, masker, ...) and its first rule",
    ["dataset", "source", "rule"],
)
CONTRACT_FAILURES = Counter(
    "kho_contract_failures",
    "Records a dataset's data contract refused, by rule (Avro type failures excluded)",
    ["dataset", "rule"],
)
CONSUMER_LAG = Gauge(
    "kho_consumer_lag",
    "Records on a partition the worker's consumer group has not committed yet",
    ["group", "topic", "partition"],
    multiprocess_mode="mostrecent",
)
PUBLISH_DURATION = Histogram(
    "kho_publish_duration_seconds",
    "Time to send one publication's files and metadata to the open-data portal",
    ["dataset", "outcome"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)
PUBLICATIONS = Counter(
    "kho_publications",
    "Publications sent to the open-data portal, by outcome (created, updated, unchanged, error)",
    ["dataset", "outcome"],
)
HTTP_REQUEST_DURATION = Histogram(
    "kho_http_request_duration_seconds",
    "HTTP requests served, by method, route template and status",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

RATE_LIMIT_UNCHECKED = Counter(
    "kho_rate_limit_unchecked",
    "Requests let through without a rate-limit check: the shared storage (Redis) did not answer",
)


def count_dead_letters(dataset: str, source: str, first_rules: Iterable[str]) -> None:
    """One dead letter per rule given (each letter's first rule)."""
    for rule in first_rules:
        DEAD_LETTERS.labels(dataset=dataset, source=source, rule=rule).inc()


@contextmanager
def timed_publication(dataset: str) -> Iterator[list[str]]:
    """Times a portal call; the caller appends the portal's action to the yielded list. An
    exception counts as outcome ``error`` and goes up."""
    outcome: list[str] = []
    started = time.perf_counter()
    try:
        yield outcome
    except BaseException:
        outcome[:] = ["error"]
        raise
    finally:
        label = outcome[-1] if outcome else "error"
        PUBLISH_DURATION.labels(dataset=dataset, outcome=label).observe(
            time.perf_counter() - started
        )
        PUBLICATIONS.labels(dataset=dataset, outcome=label).inc()
