"""Running a connector: read the source, map each row, hand everything to the dataset writer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from connectors.config import ConnectorConfig, XlsxSource
from connectors.csv_source import FileRow, read_csv
from connectors.mapping import map_row
from connectors.xlsx_source import read_xlsx
from hub.ingest.writer import DatasetWriter, IncomingRecord, IngestReport, SourceRef


def run_connector(config: ConnectorConfig, input_path: Path, writer: DatasetWriter) -> IngestReport:
    """Publish every row of the input; rows that fail go to the DLQ with their row number."""
    return writer.write(_incoming(config, input_path))


def read_rows(config: ConnectorConfig, input_path: Path) -> Iterator[FileRow]:
    """The source's rows, read as its configuration says."""
    source = config.source
    if isinstance(source, XlsxSource):
        return read_xlsx(
            input_path,
            sheet=source.sheet,
            required_columns=config.required_columns,
            header_search_rows=source.header_search_rows,
        )
    return read_csv(
        input_path, delimiter=source.delimiter, required_columns=config.required_columns
    )


def _incoming(config: ConnectorConfig, input_path: Path) -> Iterator[IncomingRecord]:
    for row in read_rows(config, input_path):
        record, problems = map_row(config, row.cells)
        yield IncomingRecord(
            source=SourceRef(
                kind=config.source.kind, name=input_path.name, position=row.row_number
            ),
            original=row.original.encode("utf-8"),
            record=None if problems else record,
            problems=tuple(problems),
        )
