"""One dataset's DCAT-AP 3.0.1 description, served by the hub: every publication of the dataset
now on the portal, described from what the publisher recorded (the same descriptions
``kho dcat`` exports for the whole catalogue, and the folder portal writes as dataset.jsonld)."""

from __future__ import annotations

from dataclasses import dataclass

from hub.app.web.catalogue_publications import published_descriptions
from hub.app.wiring import Hub
from opendata.catalogue_export import MEDIA_TYPES
from opendata.dcat import dataset_graph, to_jsonld, to_turtle

FORMS = {"jsonld": "jsonld", "ttl": "turtle"}
"""The URL's extension -> the serialisation."""


@dataclass(frozen=True, slots=True)
class DcatDocument:
    text: str
    media_type: str


def dataset_dcat(hub: Hub, dataset_id: str, extension: str) -> DcatDocument | None:
    """The document in the form the extension names (``jsonld`` or ``ttl``); None when the
    extension is neither or nothing of the dataset is published."""
    form = FORMS.get(extension)
    descriptions = published_descriptions(hub, dataset_id)
    if form is None or not descriptions:
        return None
    graph = dataset_graph(descriptions[0])
    for description in descriptions[1:]:
        graph += dataset_graph(description)
    if form == "jsonld":
        return DcatDocument(to_jsonld(graph), MEDIA_TYPES["jsonld"])
    return DcatDocument(to_turtle(graph), f"{MEDIA_TYPES['turtle']}; charset=utf-8")
