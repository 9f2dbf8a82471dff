"""The text a Prometheus server scrapes: this process's metrics, or every process's in
multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``)."""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
    start_http_server,
)

MULTIPROC_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def _registry() -> CollectorRegistry:
    if os.environ.get(MULTIPROC_DIR_VARIABLE):
        merged = CollectorRegistry()
        multiprocess.MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
        return merged
    return REGISTRY


def exposition() -> tuple[bytes, str]:
    """The metrics in the Prometheus text format, and its content type."""
    return generate_latest(_registry()), CONTENT_TYPE_LATEST


def metric_names() -> set[str]:
    """Every sample name the registry can export (``kho_records_in_total``, ``..._bucket``)."""
    names: set[str] = set()
    for family in REGISTRY.collect():
        names.add(family.name)
        for suffix in ("_total", "_created", "_bucket", "_count", "_sum"):
            names.add(family.name + suffix)
    return names


def serve_metrics(port: int, host: str = "0.0.0.0") -> None:  # noqa: S104 (scraped from outside)
    """Serve ``/metrics`` from a background thread of a process that has no HTTP app."""
    start_http_server(port, addr=host, registry=_registry())
