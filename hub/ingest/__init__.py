"""The write path shared by every producer: validate, encode, publish; bad records to the DLQ.

Its names are imported on first use (hub.lazy_names): importing one module of the package
(``hub.ingest.dead_letter`` for a DLQ entry) no longer imports the validator and, through it,
the metrics (prometheus_client, http.server)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.lazy_names import lazy_names

if TYPE_CHECKING:
    from hub.ingest.dead_letter import DeadLetter
    from hub.ingest.validation import RecordValidator, Violation
    from hub.ingest.writer import DatasetWriter, IncomingRecord, IngestReport, SourceRef

__all__ = [
    "DatasetWriter",
    "DeadLetter",
    "IncomingRecord",
    "IngestReport",
    "RecordValidator",
    "SourceRef",
    "Violation",
]

__getattr__ = lazy_names(
    __name__,
    {
        "DatasetWriter": "hub.ingest.writer",
        "DeadLetter": "hub.ingest.dead_letter",
        "IncomingRecord": "hub.ingest.writer",
        "IngestReport": "hub.ingest.writer",
        "RecordValidator": "hub.ingest.validation",
        "SourceRef": "hub.ingest.writer",
        "Violation": "hub.ingest.validation",
    },
)
