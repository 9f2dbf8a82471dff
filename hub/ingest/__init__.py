"""The write path shared by every producer: validate, encode, publish; bad records to the DLQ."""

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
