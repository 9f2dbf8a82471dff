"""The CKAN fields from which ckanext-dcat 2.4.4 (profile ``euro_dcat_ap_3``, no
ckanext-scheming) serves DCAT-AP 3 for a Kho dataset at ``/dataset/<name>.ttl``.

Without scheming the profile reads plain package extras and resource fields, and most of them
must hold an IRI to come out as the IRI DCAT-AP asks for: a literal ``text/csv`` or ``CSV``
would be a literal ``dcat:mediaType`` or ``dct:format``, which the DCAT-AP shapes reject.
What CKAN's own fields carry stays with the caller: ``title``/``notes`` (Vietnamese),
``tags`` (``dcat:keyword``), ``url`` (``dcat:landingPage``), ``version``. The profile reads
``title_translated``/``notes_translated`` only as top-level fields, which only
ckanext-fluent with ckanext-scheming adds: no extra carries the English title into DCAT.
"""

from __future__ import annotations

import json

from opendata import dcat_vocab as vocab
from opendata.description import DatasetDescription, DistributionDescription

_EU = "http://publications.europa.eu/resource/authority/"


def ckan_dcat_fields(description: DatasetDescription) -> dict[str, str]:
    """The package extras (key → value) for a dataset. Lists are JSON arrays, which the
    profile splits into one triple each."""
    publisher = description.publisher
    fields = {
        "uri": description.uri,  # the dataset's subject IRI, as in Kho's own catalogue
        "identifier": description.identifier,
        "modified": description.modified.isoformat(),
        "language": _json([f"{_EU}language/VIE"]),
        "frequency": str(vocab.frequency(description.frequency)),
        "access_rights": f"{_EU}access-right/PUBLIC",
        "publisher_uri": publisher.uri,
        "publisher_name": publisher.name.vi,
        "publisher_identifier": publisher.id,
        "publisher_type": str(vocab.REGIONAL_AUTHORITY),
        "contact_name": publisher.name.vi,
    }
    if description.themes:
        fields["theme"] = _json([str(vocab.theme(code)) for code in description.themes])
    if description.spatial:
        # The extras hold one dct:Location (a label, an IRI, no geometry): several units
        # become one location labelled with all their names, and only a single unit its IRI.
        fields["spatial_text"] = "; ".join(unit.name for unit in description.spatial)
        if len(description.spatial) == 1:
            unit = description.spatial[0]
            fields["spatial_uri"] = str(vocab.admin_unit(unit.level, unit.code))
    if description.temporal_start is not None:
        fields["temporal_start"] = description.temporal_start.isoformat()
    if description.temporal_end is not None:
        fields["temporal_end"] = description.temporal_end.isoformat()
    return fields


def ckan_resource_dcat_fields(
    distribution: DistributionDescription, *, licence_uri: str | None = None
) -> dict[str, str]:
    """The resource fields for one distribution. ``hash`` stays the bare hex SHA-256 (the
    CKAN adapter compares it); CKAN replaces ``size`` with the uploaded file's size. The
    profile also types every ``license`` as ADMS "Unknown IPR", which no field changes."""
    fields = {
        "uri": distribution.uri,
        "format": str(vocab.file_type(distribution.file_type)),
        "mimetype": str(vocab.media_type(distribution.media_type)),
        "size": str(distribution.byte_size),
        "hash": distribution.sha256,
        "hash_algorithm": str(vocab.SHA256),
        "download_url": distribution.download_url,
    }
    if licence_uri:
        fields["license"] = licence_uri
    return fields


def _json(values: list[str]) -> str:
    return json.dumps(values, ensure_ascii=False)
