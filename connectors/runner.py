"""Running a connector: read the source, map each row, hand everything to the dataset writer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from connectors.config import ConnectorConfig
from connectors.csv_source import read_csv
from connectors.mapping import map_row
from hub.ingest.writer import DatasetWriter, IncomingRecord, IngestReport, SourceRef


def run_connector(config: ConnectorConfig, input_path: Path, writer: DatasetWriter) -> IngestReport:
    """Publish every row of the input; rows that fail go to the DLQ with their row number."""
    return writer.write(_incoming(config, input_path))


def _incoming(config: ConnectorConfig, input_path: Path) -> Iterator[IncomingRecord]:
    rows = read_csv(
        input_path, delimiter=config.source.delimiter, required_columns=config.required_columns
    )
    for row in rows:
        record, problems = map_row(config, row.cells)
        yield IncomingRecord(
            source=SourceRef(kind="csv", name=input_path.name, position=row.row_number),
            original=row.original.encode("utf-8"),
            record=None if problems else record,
            problems=tuple(problems),
        )
