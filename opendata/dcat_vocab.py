"""The vocabularies DCAT-AP 3.0.1 asks for, and the catalogue's codes mapped onto their URIs.

An unknown code raises ``ValueError`` rather than producing a URI no vocabulary holds."""

from __future__ import annotations

import re

from rdflib import Namespace, URIRef

SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
LOCN = Namespace("http://www.w3.org/ns/locn#")

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "locn": str(LOCN),
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "spdx": str(SPDX),
    "vcard": str(VCARD),
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

_AUTHORITY = "http://publications.europa.eu/resource/authority/"
DATA_THEME_SCHEME = URIRef(_AUTHORITY + "data-theme")
DATA_THEME_SCHEME_TITLE = "Data theme"
CATALOGUE_LANGUAGES = (URIRef(_AUTHORITY + "language/VIE"), URIRef(_AUTHORITY + "language/ENG"))
SHA256 = SPDX.checksumAlgorithm_sha256

# ADMS publisher type: every agency of the hub is a provincial department.
REGIONAL_AUTHORITY = URIRef("http://purl.org/adms/publishertype/RegionalAuthority")
REGIONAL_AUTHORITY_LABEL = "Regional authority"

# The catalogue's update_frequency -> EU frequency code. UPDATE_CONT is "continuously updated";
# CONT ("continuous") describes how data are collected, not how often the dataset changes.
_FREQUENCIES = {
    "continuous": "UPDATE_CONT",
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "monthly": "MONTHLY",
    "annual": "ANNUAL",
}

# EU data themes with their English labels (skos:prefLabel@en in the EU vocabulary).
DATA_THEMES = {
    "AGRI": "Agriculture, fisheries, forestry and food",
    "ECON": "Economy and finance",
    "EDUC": "Education, culture and sport",
    "ENER": "Energy",
    "ENVI": "Environment",
    "GOVE": "Government and public sector",
    "HEAL": "Health",
    "INTR": "International issues",
    "JUST": "Justice, legal system and public safety",
    "OP_DATPRO": "Provisional data",
    "REGI": "Regions and cities",
    "SOCI": "Population and society",
    "TECH": "Science and technology",
    "TRAN": "Transport",
}

# The EU file types the publisher writes; add one here when the publisher learns a new format.
_FILE_TYPES = frozenset({"CSV", "JSON", "PARQUET"})

_MEDIA_TYPE = re.compile(r"[a-z]+/[a-z0-9][a-z0-9!#$&^_.+-]*")
_ADMIN_CODE_DIGITS = {"province": 2, "commune": 5}


def frequency(code: str) -> URIRef:
    if code not in _FREQUENCIES:
        raise ValueError(f"unknown update frequency {code!r}; known: {sorted(_FREQUENCIES)}")
    return URIRef(f"{_AUTHORITY}frequency/{_FREQUENCIES[code]}")


def theme(code: str) -> URIRef:
    if code not in DATA_THEMES:
        raise ValueError(f"unknown EU data theme {code!r}; known: {sorted(DATA_THEMES)}")
    return URIRef(f"{_AUTHORITY}data-theme/{code}")


def file_type(code: str) -> URIRef:
    if code not in _FILE_TYPES:
        raise ValueError(f"unknown EU file type {code!r}; known: {sorted(_FILE_TYPES)}")
    return URIRef(f"{_AUTHORITY}file-type/{code}")


def media_type(name: str) -> URIRef:
    if not _MEDIA_TYPE.fullmatch(name):
        raise ValueError(f"not an IANA media type: {name!r} (expected e.g. 'text/csv')")
    return URIRef(f"https://www.iana.org/assignments/media-types/{name}")


def admin_unit(level: str, code: str) -> URIRef:
    """A stable URI for a unit of the 2025 administrative-unit list (there is no official one).

    The edition is part of the URI because codes were reused on 1 July 2025: 82 was Tiền Giang
    before the merger and is Đồng Tháp after it."""
    digits = _ADMIN_CODE_DIGITS.get(level)
    if digits is None:
        raise ValueError(f"unknown administrative level {level!r}; known: province, commune")
    if not (code.isascii() and code.isdigit() and len(code) == digits):
        raise ValueError(f"a {level} code has {digits} digits, got {code!r}")
    return URIRef(f"urn:vn:dvhc:2025:{level}:{code}")
