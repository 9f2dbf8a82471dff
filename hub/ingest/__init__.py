"""The write path shared by every producer: validate, encode, publish; bad records to the DLQ.

Its names are imported on first use (``lazy_loader.attach``): importing one module of the package
(``hub.ingest.dead_letter`` for a DLQ entry) no longer imports the validator and, through it,
the metrics (prometheus_client, http.server)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import lazy_loader

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

__getattr__, __dir__, _ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "dead_letter": ["DeadLetter"],
        "validation": ["RecordValidator", "Violation"],
        "writer": ["DatasetWriter", "IncomingRecord", "IngestReport", "SourceRef"],
    },
)
