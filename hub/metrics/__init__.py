"""The hub's Prometheus metrics, defined once: domain code counts what it does on these objects
and the shell exposes them (``/metrics`` on the API, ``--metrics-port`` on the workers).

Under several processes (uvicorn workers) prometheus-client keeps each value in a file of
``PROMETHEUS_MULTIPROC_DIR`` when that variable is set before this module is imported;
``exposition`` then merges every process's files. Without it the default registry serves.
"""

from __future__ import annotations

from hub.metrics.definitions import (
    CONSUMER_LAG,
    CONTRACT_FAILURES,
    DEAD_LETTERS,
    HTTP_REQUEST_DURATION,
    PUBLICATIONS,
    PUBLISH_DURATION,
    RECORDS_IN,
    RECORDS_OUT,
    count_dead_letters,
    timed_publication,
)
from hub.metrics.exposition import exposition, metric_names, serve_metrics
from hub.metrics.lag import LagSampler

__all__ = [
    "CONSUMER_LAG",
    "CONTRACT_FAILURES",
    "DEAD_LETTERS",
    "HTTP_REQUEST_DURATION",
    "PUBLICATIONS",
    "PUBLISH_DURATION",
    "RECORDS_IN",
    "RECORDS_OUT",
    "LagSampler",
    "count_dead_letters",
    "exposition",
    "metric_names",
    "serve_metrics",
    "timed_publication",
]
