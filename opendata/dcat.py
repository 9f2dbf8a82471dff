"""DCAT-AP metadata for a published dataset, as JSON-LD."""

from __future__ import annotations

from typing import Any

from hub.catalogue.models import DatasetEntry

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
_FREQUENCIES = {
    "continuous": "CONT",
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "monthly": "MONTHLY",
    "annual": "ANNUAL",
}
_LICENCES = {"CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/"}


def dataset_jsonld(
    entry: DatasetEntry,
    publisher_name: str,
    dataset_uri: str,
    distributions: list[dict[str, str]],
) -> dict[str, Any]:
    """A dcat:Dataset with Vietnamese and English title and description, and one
    dcat:Distribution per file ({'uri', 'download_url', 'media_type', 'sha256', 'title'})."""
    licence = _LICENCES.get(entry.licence, entry.licence)
    return {
        "@context": CONTEXT,
        "@id": dataset_uri,
        "@type": "dcat:Dataset",
        "dct:identifier": entry.id,
        "dct:title": [
            {"@value": entry.title.vi, "@language": "vi"},
            {"@value": entry.title.en, "@language": "en"},
        ],
        "dct:description": [
            {"@value": entry.description.vi, "@language": "vi"},
            {"@value": entry.description.en, "@language": "en"},
        ],
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": publisher_name},
        "dct:accrualPeriodicity": {"@id": _FREQUENCY + _FREQUENCIES[entry.update_frequency]},
        "dcat:keyword": [{"@value": k, "@language": "vi"} for k in entry.keywords],
        "dcat:distribution": [
            {
                "@id": d["uri"],
                "@type": "dcat:Distribution",
                "dct:title": d["title"],
                "dcat:downloadURL": {"@id": d["download_url"]},
                "dcat:accessURL": {"@id": d["download_url"]},
                "dcat:mediaType": {
                    "@id": f"https://www.iana.org/assignments/media-types/{d['media_type']}"
                },
                "dct:license": {"@id": licence},
                "spdx:checksum": {
                    "@type": "spdx:Checksum",
                    "spdx:algorithm": {"@id": "spdx:checksumAlgorithm_sha256"},
                    "spdx:checksumValue": d["sha256"],
                },
            }
            for d in distributions
        ],
    }
