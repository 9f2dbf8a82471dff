"""The open-data catalogue as the national portal harvests it: every publication now public,
described in DCAT-AP 3.0.1, as JSON-LD or Turtle. Built from what the publisher last put on the
portal (opendata.state), so it lists exactly what the public can download."""

from __future__ import annotations

from typing import Literal

from hub.catalogue.models import Catalogue
from opendata.dcat import catalogue_graph, to_jsonld, to_turtle
from opendata.description import Bilingual, CatalogueDescription, PublisherAgency
from opendata.state import PublicationStates

Format = Literal["jsonld", "turtle"]
MEDIA_TYPES: dict[Format, str] = {"jsonld": "application/ld+json", "turtle": "text/turtle"}
_CATALOGUE_OWNER = "vp-ubnd"  # the Provincial People's Committee office keeps the catalogue
_EU_CC_BY_4 = "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"


def catalogue_description(
    states: PublicationStates, catalogue: Catalogue, homepage: str
) -> CatalogueDescription:
    owner = catalogue.agency(_CATALOGUE_OWNER)
    return CatalogueDescription(
        uri=f"{homepage.rstrip('/')}/catalog",
        title=Bilingual(f"Danh mục dữ liệu mở — {owner.name}", f"Open data — {owner.name_en}"),
        description=Bilingual(
            "Các bộ dữ liệu mở của tỉnh do Kho công bố: đã bỏ dữ liệu cá nhân, kiểm tra k-ẩn"
            " danh, có từ điển dữ liệu.",
            "The province's open datasets published by Kho: personal data removed,"
            " k-anonymity checked, each with a data dictionary.",
        ),
        publisher=PublisherAgency(
            owner.id, Bilingual(owner.name, owner.name_en), f"urn:kho:agency:{owner.id}"
        ),
        homepage=homepage,
        datasets=tuple(state.description for state in states.published()),
        licence_uri=_EU_CC_BY_4,
    )


def export_catalogue(description: CatalogueDescription, form: Format) -> str:
    graph = catalogue_graph(description)
    return to_jsonld(graph) if form == "jsonld" else to_turtle(graph)
