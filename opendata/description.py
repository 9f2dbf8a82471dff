"""What the publisher knows about a published dataset, for DCAT-AP and for the portal's
metadata: plain values, no RDF. ``opendata.dcat`` turns these into a DCAT-AP graph."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Bilingual:
    vi: str
    en: str


@dataclass(frozen=True)
class PublisherAgency:
    id: str  # the catalogue's agency id, e.g. "so-nnmt"
    name: Bilingual
    uri: str


@dataclass(frozen=True)
class DistributionDescription:
    uri: str
    title: Bilingual
    download_url: str
    media_type: str  # IANA, e.g. "text/csv"
    file_type: str  # EU file-type code: CSV, JSON, PARQUET
    byte_size: int
    sha256: str


@dataclass(frozen=True)
class AdminUnit:
    """A province or commune of the 34-province list (from 1 July 2025)."""

    level: str  # "province" or "commune"
    code: str  # "82", "28756"
    name: str  # "Tỉnh Đồng Tháp"


@dataclass(frozen=True)
class DatasetDescription:
    identifier: str  # the publication id, e.g. "tthc.dossiers.monthly_by_commune"
    uri: str
    landing_page: str
    title: Bilingual
    description: Bilingual
    publisher: PublisherAgency
    keywords: tuple[str, ...]  # Vietnamese
    themes: tuple[str, ...]  # EU data-theme codes: GOVE, AGRI, ...
    licence_uri: str
    frequency: str  # the catalogue's: continuous, daily, weekly, monthly, annual
    spatial: tuple[AdminUnit, ...]
    temporal_start: dt.date | None
    temporal_end: dt.date | None
    modified: dt.datetime
    distributions: tuple[DistributionDescription, ...]


@dataclass(frozen=True)
class CatalogueDescription:
    uri: str
    title: Bilingual
    description: Bilingual
    publisher: PublisherAgency
    homepage: str
    datasets: tuple[DatasetDescription, ...]
    licence_uri: str | None = None  # the catalogue's own (its metadata's): DCAT-AP recommends it
