"""Publishing: materialise each publishable dataset's topic, drop personal fields, write files,
describe them in DCAT-AP, and make the portal match. One dataset's failure does not stop the
others; the result says which failed and why."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from hub.bus.port import EventBus
from hub.catalogue.loader import LoadedCatalogue
from hub.catalogue.models import DatasetEntry
from hub.errors import KhoError, UnreachableError
from hub.registry.port import SchemaRegistry
from opendata.dcat import dataset_jsonld
from opendata.files import csv_bytes, sha256_hex
from opendata.materialise import latest_by_key
from opendata.portal.port import (
    OpenDataPortal,
    PortalDataset,
    PortalOrganisation,
    PortalResource,
    PublishOutcome,
)


@dataclass(frozen=True)
class PublishResult:
    dataset_id: str
    outcome: PublishOutcome | None
    rows: int = 0
    error: str | None = None
    skipped: str | None = None


def portal_name(dataset_id: str) -> str:
    """A CKAN-safe name from a catalogue id: 'tthc.dossiers' -> 'tthc-dossiers'."""
    ascii_only = unicodedata.normalize("NFKD", dataset_id).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9_-]+", "-", ascii_only.lower()).strip("-")[:100]


class Publisher:
    def __init__(
        self,
        bus: EventBus,
        registry: SchemaRegistry,
        catalogue: LoadedCatalogue,
        portal: OpenDataPortal,
    ) -> None:
        self._bus = bus
        self._registry = registry
        self._catalogue = catalogue
        self._portal = portal

    def publish_all(self) -> list[PublishResult]:
        results = []
        for entry in self._catalogue.catalogue.datasets:
            if not entry.publishable:
                continue
            if not any(self._bus.end_offsets(entry.topic).values()):
                results.append(PublishResult(entry.id, None, skipped="chưa có bản ghi nào"))
                continue
            try:
                results.append(self.publish(entry.id))
            except UnreachableError:
                raise  # the portal or bus is down: no other dataset can publish either
            except KhoError as exc:
                results.append(PublishResult(entry.id, None, error=str(exc)))
        return results

    def publish(self, dataset_id: str) -> PublishResult:
        entry = self._catalogue.entry(dataset_id)
        schema = self._catalogue.schema(dataset_id)
        columns = [f for f in schema.field_names if f not in schema.personal_fields]
        latest = latest_by_key(self._bus, self._registry, entry.topic)
        rows = [latest[k] for k in sorted(latest)]
        content = csv_bytes(columns, rows)
        dataset = self._portal_dataset(entry, content)
        outcome = self._portal.publish(dataset)
        return PublishResult(dataset_id, outcome, rows=len(rows))

    def _portal_dataset(self, entry: DatasetEntry, content: bytes) -> PortalDataset:
        agency = self._catalogue.catalogue.agency(entry.owner)
        name = portal_name(entry.id)
        filename = f"{name}.csv"
        resource = PortalResource(
            name=filename,
            filename=filename,
            content=content,
            format="CSV",
            media_type="text/csv",
            description=f"{entry.title.vi} (không có trường dữ liệu cá nhân) — CSV UTF-8",
        )
        dcat = dataset_jsonld(
            entry,
            publisher_name=agency.name,
            dataset_uri=f"urn:kho:dataset:{entry.id}",
            distributions=[
                {
                    "uri": f"urn:kho:dataset:{entry.id}:{filename}",
                    "title": filename,
                    "download_url": filename,
                    "media_type": "text/csv",
                    "sha256": sha256_hex(content),
                }
            ],
        )
        return PortalDataset(
            name=name,
            title=f"{entry.title.vi} | {entry.title.en}",
            notes=f"{entry.description.vi}\n\n{entry.description.en}",
            organisation=PortalOrganisation(agency.id, agency.name, agency.name_en),
            licence_id="cc-by" if entry.licence == "CC-BY-4.0" else entry.licence,
            tags=entry.keywords,
            extras={
                "kho_dataset_id": entry.id,
                "kho_classification": entry.classification.value,
                "update_frequency": entry.update_frequency,
            },
            resources=(resource,),
            dcat=dcat,
        )
