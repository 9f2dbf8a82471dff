"""A file a department exported (CSV or an Excel sheet) as a batch source.

The stream is the file's name and the digest of its bytes: the same export run again resumes
where it stopped (or finds nothing left), while a new export under the same name is new data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from connectors.config import ConnectorConfig, CsvSource, FolderSource, XlsxSource
from connectors.csv_source import FileRow, read_csv
from connectors.errors import ConnectorError
from connectors.sources.port import SourceRecord
from connectors.xlsx_source import read_xlsx

_CHUNK = 1 << 20


def file_format(config: ConnectorConfig) -> CsvSource | XlsxSource:
    """How the connector's files are read: its source, or its watched folder's format."""
    source = config.source
    if isinstance(source, CsvSource | XlsxSource):
        return source
    if isinstance(source, FolderSource):
        return source.format
    raise ConnectorError(f"Connector {config.name} không đọc tệp (nguồn: {source.kind})")


class FileSource:
    def __init__(self, config: ConnectorConfig, path: Path) -> None:
        self._config = config
        self._format = file_format(config)
        self._path = path
        self._digest = _sha256(path)

    @property
    def kind(self) -> str:
        return self._format.kind

    @property
    def path(self) -> Path:
        return self._path

    @property
    def name(self) -> str:
        return self._path.name

    @property
    def stream(self) -> str:
        return f"{self._path.name}@sha256:{self._digest[:16]}"

    def estimated_total(self, after: Any) -> int | None:
        if isinstance(self._format, XlsxSource):
            return None
        with self._path.open("rb") as handle:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(_CHUNK), b""))
        return max(0, lines - max(int(after or 1), 1))  # the header is row 1

    def records(self, after: Any) -> Iterator[SourceRecord]:
        done = int(after or 0)
        for row in self.rows():
            if row.row_number > done:
                yield SourceRecord(row.row_number, row.cells, row.original.encode("utf-8"))

    def rows(self) -> Iterator[FileRow]:
        source = self._format
        if isinstance(source, XlsxSource):
            return read_xlsx(
                self._path,
                sheet=source.sheet,
                required_columns=self._config.required_columns,
                header_search_rows=source.header_search_rows,
            )
        return read_csv(
            self._path, delimiter=source.delimiter, required_columns=self._config.required_columns
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                digest.update(chunk)
    except FileNotFoundError as exc:
        raise ConnectorError(f"Không tìm thấy tệp {path}") from exc
    except IsADirectoryError as exc:
        raise ConnectorError(f"{path} là một thư mục, không phải tệp") from exc
    return digest.hexdigest()
