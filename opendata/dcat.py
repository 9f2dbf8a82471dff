"""DCAT-AP 3.0.1 for the open-data catalogue: descriptions in, an rdflib graph out, written as
JSON-LD or Turtle that are byte-identical for the same input (file hashes decide re-uploads).

Each resource a property points at is typed with the class DCAT-AP gives as that property's
range (a licence is a dct:LicenseDocument, a landing page a foaf:Document, ...), and each SKOS
concept carries its English label from the EU vocabulary, so the graph conforms to the range
shapes on its own. Blank nodes get ids derived from what they describe, never random ones."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, SKOS, XSD

from hub.vietnam_time import VIETNAM_TZ
from opendata import dcat_vocab as vocab
from opendata.dcat_vocab import CONTEXT, SPDX, VCARD
from opendata.description import (
    AdminUnit,
    Bilingual,
    CatalogueDescription,
    DatasetDescription,
    DistributionDescription,
    PublisherAgency,
)

__all__ = ["CONTEXT", "catalogue_graph", "dataset_graph", "to_jsonld", "to_turtle"]

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def catalogue_graph(catalogue: CatalogueDescription) -> Graph:
    """The dcat:Catalog, its publisher, and every dataset with its distributions."""
    graph = _new_graph()
    node = URIRef(catalogue.uri)
    graph.add((node, RDF.type, DCAT.Catalog))
    _bilingual(graph, node, DCTERMS.title, catalogue.title)
    _bilingual(graph, node, DCTERMS.description, catalogue.description)
    graph.add((node, DCTERMS.publisher, _agent(graph, catalogue.publisher)))
    graph.add((node, FOAF.homepage, _typed(graph, catalogue.homepage, FOAF.Document)))
    for language in vocab.CATALOGUE_LANGUAGES:
        graph.add((node, DCTERMS.language, _typed(graph, language, DCTERMS.LinguisticSystem)))
    themes = _typed(graph, vocab.DATA_THEME_SCHEME, SKOS.ConceptScheme)
    graph.add((themes, DCTERMS.title, Literal(vocab.DATA_THEME_SCHEME_TITLE, lang="en")))
    graph.add((node, DCAT.themeTaxonomy, themes))
    if catalogue.licence_uri is not None:
        licence = _typed(graph, catalogue.licence_uri, DCTERMS.LicenseDocument)
        graph.add((node, DCTERMS.license, licence))
    if catalogue.datasets:
        latest = max(_in_vietnam(d.modified) for d in catalogue.datasets)
        graph.add((node, DCTERMS.modified, Literal(latest.isoformat(), datatype=XSD.dateTime)))
    for dataset in catalogue.datasets:
        graph.add((node, DCAT.dataset, _add_dataset(graph, dataset)))
    return graph


def dataset_graph(dataset: DatasetDescription) -> Graph:
    """One dcat:Dataset with its distributions, publisher and places, for its own folder."""
    graph = _new_graph()
    _add_dataset(graph, dataset)
    return graph


def to_jsonld(graph: Graph) -> str:
    """Compact JSON-LD under ``CONTEXT``: one flat ``@graph``, nodes sorted by ``@id`` and each
    property's values sorted, so the text depends only on the triples."""
    document = json.loads(graph.serialize(format="json-ld", context=CONTEXT, auto_compact=True))
    nodes = document.get("@graph", [document])
    flat = [{k: _sorted(v) for k, v in node.items() if k != "@context"} for node in nodes]
    flat.sort(key=lambda n: (str(n.get("@id", "")), _canonical(n)))
    text = json.dumps({"@context": CONTEXT, "@graph": flat}, ensure_ascii=False, indent=2)
    return text + "\n"


def to_turtle(graph: Graph) -> str:
    """Turtle; rdflib's serializer sorts prefixes, subjects, predicates and objects."""
    return graph.serialize(format="turtle")


def _add_dataset(graph: Graph, dataset: DatasetDescription) -> URIRef:
    node = URIRef(dataset.uri)
    graph.add((node, RDF.type, DCAT.Dataset))
    graph.add((node, DCTERMS.identifier, Literal(dataset.identifier)))
    _bilingual(graph, node, DCTERMS.title, dataset.title)
    _bilingual(graph, node, DCTERMS.description, dataset.description)
    graph.add((node, DCTERMS.publisher, _agent(graph, dataset.publisher)))
    graph.add((node, DCAT.contactPoint, _contact(graph, dataset.publisher)))
    for code in dataset.themes:
        graph.add((node, DCAT.theme, _concept(graph, vocab.theme(code), vocab.DATA_THEMES[code])))
    for keyword in dataset.keywords:
        graph.add((node, DCAT.keyword, Literal(keyword, lang="vi")))
    frequency = _typed(graph, vocab.frequency(dataset.frequency), DCTERMS.Frequency)
    graph.add((node, DCTERMS.accrualPeriodicity, frequency))
    for unit in dataset.spatial:
        graph.add((node, DCTERMS.spatial, _location(graph, unit)))
    if dataset.temporal_start is not None or dataset.temporal_end is not None:
        graph.add((node, DCTERMS.temporal, _period(graph, dataset)))
    modified = _in_vietnam(dataset.modified).isoformat()
    graph.add((node, DCTERMS.modified, Literal(modified, datatype=XSD.dateTime)))
    graph.add((node, DCAT.landingPage, _typed(graph, dataset.landing_page, FOAF.Document)))
    for distribution in dataset.distributions:
        graph.add((node, DCAT.distribution, _add_distribution(graph, distribution, dataset)))
    return node


def _add_distribution(
    graph: Graph, distribution: DistributionDescription, dataset: DatasetDescription
) -> URIRef:
    if not _SHA256_HEX.fullmatch(distribution.sha256):
        raise ValueError(f"{distribution.uri}: sha256 must be 64 lowercase hex digits")
    if distribution.byte_size < 0:
        raise ValueError(f"{distribution.uri}: byte size {distribution.byte_size} is negative")
    node = URIRef(distribution.uri)
    graph.add((node, RDF.type, DCAT.Distribution))
    _bilingual(graph, node, DCTERMS.title, distribution.title)
    graph.add((node, DCAT.accessURL, URIRef(distribution.download_url)))
    graph.add((node, DCAT.downloadURL, URIRef(distribution.download_url)))
    file_type = _typed(graph, vocab.file_type(distribution.file_type), DCTERMS.MediaTypeOrExtent)
    graph.add((node, DCTERMS.format, file_type))
    media_type = _typed(graph, vocab.media_type(distribution.media_type), DCTERMS.MediaType)
    graph.add((node, DCAT.mediaType, media_type))
    size = Literal(str(distribution.byte_size), datatype=XSD.nonNegativeInteger)
    graph.add((node, DCAT.byteSize, size))
    checksum = _blank("checksum", distribution.uri)
    graph.add((node, SPDX.checksum, checksum))
    graph.add((checksum, RDF.type, SPDX.Checksum))
    graph.add((checksum, SPDX.algorithm, _typed(graph, vocab.SHA256, SPDX.ChecksumAlgorithm)))
    value = Literal(distribution.sha256, datatype=XSD.hexBinary)
    graph.add((checksum, SPDX.checksumValue, value))
    graph.add((node, DCTERMS.license, _typed(graph, dataset.licence_uri, DCTERMS.LicenseDocument)))
    return node


def _agent(graph: Graph, agency: PublisherAgency) -> URIRef:
    node = _typed(graph, agency.uri, FOAF.Agent)
    _bilingual(graph, node, FOAF.name, agency.name)
    kind = _concept(graph, vocab.REGIONAL_AUTHORITY, vocab.REGIONAL_AUTHORITY_LABEL)
    graph.add((node, DCTERMS.type, kind))
    return node


def _contact(graph: Graph, agency: PublisherAgency) -> BNode:
    node = _blank("contact", agency.uri)
    graph.add((node, RDF.type, VCARD.Kind))
    graph.add((node, RDF.type, VCARD.Organization))
    _bilingual(graph, node, VCARD.fn, agency.name)
    return node


def _location(graph: Graph, unit: AdminUnit) -> URIRef:
    node = _typed(graph, vocab.admin_unit(unit.level, unit.code), DCTERMS.Location)
    graph.add((node, DCTERMS.identifier, Literal(unit.code)))
    graph.add((node, SKOS.prefLabel, Literal(unit.name, lang="vi")))
    return node


def _period(graph: Graph, dataset: DatasetDescription) -> BNode:
    node = _blank("period", dataset.uri)
    graph.add((node, RDF.type, DCTERMS.PeriodOfTime))
    for prop, day in (
        (DCAT.startDate, dataset.temporal_start),
        (DCAT.endDate, dataset.temporal_end),
    ):
        if day is not None:
            graph.add((node, prop, Literal(day.isoformat(), datatype=XSD.date)))
    return node


def _concept(graph: Graph, uri: URIRef, label_en: str) -> URIRef:
    graph.add((uri, SKOS.prefLabel, Literal(label_en, lang="en")))
    return _typed(graph, uri, SKOS.Concept)


def _typed(graph: Graph, uri: str, rdf_class: URIRef) -> URIRef:
    node = URIRef(uri)
    graph.add((node, RDF.type, rdf_class))
    return node


def _bilingual(graph: Graph, node: URIRef | BNode, prop: URIRef, text: Bilingual) -> None:
    graph.add((node, prop, Literal(text.vi, lang="vi")))
    graph.add((node, prop, Literal(text.en, lang="en")))


def _blank(kind: str, key: str) -> BNode:
    return BNode(kind + hashlib.sha256(key.encode()).hexdigest()[:16])


def _in_vietnam(moment: dt.datetime) -> dt.datetime:
    """As the hub reads times everywhere: without an offset, a time is Vietnam time."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=VIETNAM_TZ)
    return moment.astimezone(VIETNAM_TZ)


def _new_graph() -> Graph:
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in CONTEXT.items():
        graph.bind(prefix, namespace)
    return graph


def _sorted(value: Any) -> Any:
    return sorted(value, key=_canonical) if isinstance(value, list) else value


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
