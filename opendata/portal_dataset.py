"""From a materialised publication to what the portal holds: its files (CSV, JSON, Parquet and
the data dictionary), their DCAT-AP description, and the portal dataset carrying both."""

from __future__ import annotations

import datetime as dt
import json

from hub.catalogue.models import Catalogue, LocalizedText
from opendata.cited_values import fill_citations
from opendata.coverage import Coverage
from opendata.dcat import dataset_graph, to_jsonld
from opendata.description import (
    Bilingual,
    DatasetDescription,
    DistributionDescription,
    PublisherAgency,
)
from opendata.files import data_dictionary, sha256_hex, table_csv, table_json, table_parquet
from opendata.portal.ckan_dcat import ckan_dcat_fields, ckan_resource_dcat_fields
from opendata.portal.port import OpenDataPortal, PortalDataset, PortalOrganisation, PortalResource
from opendata.specs import PublicationSpec
from opendata.table import Table

_LICENCES = {
    "CC-BY-4.0": ("cc-by", "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0")
}
_DICTIONARY_SUFFIX = "-tu-dien-du-lieu.csv"


def publication_files(name: str, table: Table) -> list[PortalResource]:
    """The publication's four files, each with a bilingual description."""
    rows = len(table.rows)
    suppressed = (
        f"; {table.suppressed_groups} nhóm dưới ngưỡng để trống" if table.suppressed_groups else ""
    )
    return [
        PortalResource(
            name=f"{name}.csv",
            filename=f"{name}.csv",
            content=table_csv(table),
            format="CSV",
            media_type="text/csv",
            description=f"{rows} dòng{suppressed}. CSV UTF-8 có BOM, mở được bằng Excel"
            f" | {rows} rows. UTF-8 CSV with a byte-order mark, opens in Excel",
        ),
        PortalResource(
            name=f"{name}.json",
            filename=f"{name}.json",
            content=table_json(table),
            format="JSON",
            media_type="application/json",
            description=f"{rows} bản ghi, mảng JSON | {rows} records, a JSON array",
        ),
        PortalResource(
            name=f"{name}.parquet",
            filename=f"{name}.parquet",
            content=table_parquet(table),
            format="PARQUET",
            media_type="application/vnd.apache.parquet",
            description=f"{rows} dòng, Apache Parquet có kiểu dữ liệu | {rows} rows, typed"
            " Apache Parquet",
        ),
        PortalResource(
            name=f"{name}{_DICTIONARY_SUFFIX}",
            filename=f"{name}{_DICTIONARY_SUFFIX}",
            content=data_dictionary(table.columns),
            format="CSV",
            media_type="text/csv",
            description="Từ điển dữ liệu: tên, kiểu và ý nghĩa từng cột"
            " | Data dictionary: each column's name, type and meaning",
        ),
    ]


def content_digest(files: list[PortalResource]) -> str:
    """One digest for the publication's data: it changes exactly when a file's bytes do."""
    return sha256_hex("\n".join(f"{f.filename} {f.sha256}" for f in files).encode())


def build_portal_dataset(
    spec: PublicationSpec,
    catalogue: Catalogue,
    portal: OpenDataPortal,
    name: str,
    files: list[PortalResource],
    coverage: Coverage,
    modified: dt.datetime,
    table: Table | None = None,
) -> tuple[PortalDataset, DatasetDescription]:
    """``table``: the published rows, whose values fill the ``{column}`` citations of the
    spec's description (``opendata.cited_values``)."""
    entry = catalogue.dataset(spec.dataset)
    agency = catalogue.agency(entry.owner)
    title = spec.title or entry.title
    about: LocalizedText | Bilingual = entry.description
    if spec.description is not None:
        about = spec.description if table is None else fill_citations(spec.description, table)
    licence_id, licence_uri = _LICENCES.get(entry.licence, (entry.licence, entry.licence))
    description = DatasetDescription(
        identifier=spec.id,
        uri=portal.dataset_url(name),
        landing_page=portal.dataset_url(name),
        title=Bilingual(title.vi, title.en),
        description=Bilingual(about.vi, about.en),
        publisher=PublisherAgency(
            agency.id, Bilingual(agency.name, agency.name_en), f"urn:kho:agency:{agency.id}"
        ),
        keywords=entry.keywords,
        themes=spec.themes,
        licence_uri=licence_uri,
        frequency=entry.update_frequency,
        spatial=coverage.spatial(),
        temporal_start=coverage.start,
        temporal_end=coverage.end,
        modified=modified,
        distributions=tuple(_distribution(portal, name, f) for f in files),
    )
    resources = tuple(
        f.with_extras(ckan_resource_dcat_fields(d, licence_uri=licence_uri))
        for f, d in zip(files, description.distributions, strict=True)
    )
    dataset = PortalDataset(
        name=name,
        title=title.vi,
        notes=f"{about.vi}\n\n{title.en}: {about.en}",
        organisation=PortalOrganisation(agency.id, agency.name, agency.name_en),
        licence_id=licence_id,
        tags=entry.keywords,
        extras={
            **ckan_dcat_fields(description),
            "kho_publication_id": spec.id,
            "kho_dataset_id": entry.id,
            "kho_spec_digest": spec.digest,
            "kho_classification": entry.classification.value,
        },
        resources=resources,
        dcat=json.loads(to_jsonld(dataset_graph(description))),
    )
    return dataset, description


def _distribution(
    portal: OpenDataPortal, name: str, resource: PortalResource
) -> DistributionDescription:
    vi, _, en = resource.description.partition(" | ")
    url = portal.resource_url(name, resource.filename)
    return DistributionDescription(
        uri=url,
        title=Bilingual(f"{resource.filename}: {vi}", f"{resource.filename}: {en or vi}"),
        download_url=url,
        media_type=resource.media_type,
        file_type=resource.format,
        byte_size=len(resource.content),
        sha256=resource.sha256,
    )
