"""The DCAT-AP 3.0.1 export: the official SHACL shapes accept it as JSON-LD and as Turtle, both
hold the same triples, and the same input always gives the same bytes.

Which shapes in tests/fixtures/dcat-ap-3.0.1/, and why (measured on this export, pySHACL 0.40.1):

- dcat-ap-SHACL.ttl, the consolidated 3.0.1 shapes generated from the model: every mandatory
  property, cardinality, datatype and range class, all at severity Violation. The export must
  conform with no result at all.
- shapes_recommended.ttl: the recommended properties, at severity Warning; the consolidated
  file has none of them, although its README says so. The warnings left must be exactly
  KNOWN_GAPS, so a new gap fails the test as surely as a violation.
- Not mdr-vocabularies.shape.ttl. It accepts a language, frequency, file type or publisher type
  only if the data say the term is skos:inScheme its EU vocabulary, that is, only with the EU
  vocabularies loaded as data; they are not available offline, and stating inScheme in the
  export ourselves would make the check vacuous. It also requires checksum algorithms to match
  "^https://spdx.org/rdf/terms", which spdx:checksumAlgorithm_sha256 cannot: SPDX, and
  DCAT-AP 3.0.1's own shapes, use http://spdx.org/rdf/terms#. The file is the 2.1.1 one
  (owl:versionInfo "2.1.1"). The module maps codes to EU URIs from closed lists instead.
- Not shapes.ttl + range.ttl: the same mandatory and range constraints, split by hand under
  3.0.0 URIs. The export conforms to them too, but they add nothing the consolidated file lacks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
import warnings
from dataclasses import replace
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF, SH, XSD
from rdflib.term import Node

from hub.vietnam_time import VIETNAM_TZ
from opendata import dcat_vocab
from opendata.dcat import catalogue_graph, dataset_graph, to_jsonld, to_turtle
from opendata.description import (
    AdminUnit,
    Bilingual,
    CatalogueDescription,
    DatasetDescription,
    DistributionDescription,
    PublisherAgency,
)

SHAPES = Path(__file__).parents[2] / "fixtures" / "dcat-ap-3.0.1"
SPDX = Namespace("http://spdx.org/rdf/terms#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
SITE = "https://opendata.dongthap.gov.vn"
CC_BY = "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"

# Recommended properties the descriptions cannot fill today, as (class of the node, property).
KNOWN_GAPS = {
    (DCTERMS.Location, DCAT.bbox),  # no geometry for administrative units
    (DCTERMS.Location, DCAT.centroid),
    (DCAT.Distribution, DCATAP.availability),  # a promise the province has not made
    (DCAT.Distribution, DCTERMS.description),  # a distribution has a title only
    (DCAT.Catalog, DCTERMS.issued),  # the catalogue has no release date
    (DCAT.Catalog, DCTERMS.spatial),  # nor a coverage of its own
    (DCTERMS.LicenseDocument, DCTERMS.type),  # nor the licence's ADMS licence type
}

PROVINCE = AdminUnit("province", "82", "Tỉnh Đồng Tháp")
PLACES = (
    PROVINCE,
    AdminUnit("commune", "28261", "Phường Mỹ Tho"),
    AdminUnit("commune", "28360", "Xã Cái Bè"),
)


def agency(agency_id: str, vi: str, en: str) -> PublisherAgency:
    return PublisherAgency(agency_id, Bilingual(vi, en), f"urn:kho:agency:{agency_id}")


def distributions(identifier: str, stem: str) -> tuple[DistributionDescription, ...]:
    formats = (
        ("CSV", "text/csv", "csv"),
        ("JSON", "application/json", "json"),
        ("PARQUET", "application/vnd.apache.parquet", "parquet"),
    )
    described = []
    for file_type, media_type, ext in formats:
        content = f"{identifier} {file_type} nội dung".encode()
        described.append(
            DistributionDescription(
                uri=f"{SITE}/dataset/{identifier}/{stem}.{ext}",
                title=Bilingual(
                    f"{stem}.{ext}: không có trường cá nhân", f"{stem}.{ext}: no personal fields"
                ),
                download_url=f"{SITE}/files/{identifier}/{stem}.{ext}",
                media_type=media_type,
                file_type=file_type,
                byte_size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
            )
        )
    return tuple(described)


def dataset(
    identifier: str,
    publisher: PublisherAgency,
    title: Bilingual,
    description: Bilingual,
    *,
    keywords: tuple[str, ...],
    themes: tuple[str, ...],
    frequency: str,
    modified: dt.datetime,
) -> DatasetDescription:
    stem = identifier.replace(".", "-")
    return DatasetDescription(
        identifier=identifier,
        uri=f"{SITE}/dataset/{identifier}",
        landing_page=f"{SITE}/dataset/{stem}",
        title=title,
        description=description,
        publisher=publisher,
        keywords=keywords,
        themes=themes,
        licence_uri=CC_BY,
        frequency=frequency,
        spatial=PLACES,
        temporal_start=dt.date(2025, 7, 1),
        temporal_end=dt.date(2025, 12, 31),
        modified=modified,
        distributions=distributions(identifier, stem),
    )


def province_catalogue() -> CatalogueDescription:
    """Two agencies' datasets, each in CSV, JSON and Parquet, over the province and two communes."""
    nnmt = agency(
        "so-nnmt", "Sở Nông nghiệp và Môi trường", "Department of Agriculture and Environment"
    )
    vp = agency(
        "vp-ubnd", "Văn phòng Ủy ban nhân dân tỉnh", "Office of the Provincial People's Committee"
    )
    salinity = dataset(
        "nnmt.salinity.daily_by_commune",
        nnmt,
        Bilingual(
            "Độ mặn nước mặt theo ngày và theo xã", "Daily surface-water salinity by commune"
        ),
        Bilingual(
            "Độ mặn (‰) đo tự động tại các trạm quan trắc trên sông Tiền, tổng hợp theo ngày.",
            "Salinity (‰) measured by the automatic stations on the Tiền river, daily.",
        ),
        keywords=("độ mặn", "xâm nhập mặn", "sông Tiền"),
        themes=("ENVI", "AGRI"),
        frequency="daily",
        modified=dt.datetime(2026, 1, 2, 6, 0, tzinfo=VIETNAM_TZ),
    )
    dossiers = dataset(
        "tthc.dossiers.monthly_by_commune",
        vp,
        Bilingual(
            "Hồ sơ thủ tục hành chính theo tháng và theo xã",
            "Administrative dossiers by month and commune",
        ),
        Bilingual(
            "Số hồ sơ tiếp nhận, giải quyết đúng hạn và quá hạn của từng xã, phường.",
            "Dossiers received, settled on time and overdue in each commune and ward.",
        ),
        keywords=("thủ tục hành chính", "hồ sơ", "dịch vụ công"),
        themes=("GOVE",),
        frequency="monthly",
        modified=dt.datetime(2026, 1, 1, 0, 30, tzinfo=dt.UTC),
    )
    return CatalogueDescription(
        uri=f"{SITE}/catalog",
        title=Bilingual("Dữ liệu mở tỉnh Đồng Tháp", "Đồng Tháp open data"),
        description=Bilingual(
            "Dữ liệu mở của các sở, ngành tỉnh Đồng Tháp.", "Open data of Đồng Tháp's departments."
        ),
        publisher=agency(
            "ubnd", "Ủy ban nhân dân tỉnh Đồng Tháp", "Đồng Tháp Provincial People's Committee"
        ),
        homepage=f"{SITE}/",
        datasets=(salinity, dossiers),
        licence_uri=CC_BY,
    )


def read_jsonld(text: str) -> Graph:
    """rdflib 7.6's JSON-LD parser warns about the ConjunctiveGraph it builds internally, on
    every parse; that deprecation is rdflib's own business, and warnings are errors here."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        return Graph().parse(data=text, format="json-ld")


def shapes(name: str) -> Graph:
    return Graph().parse(SHAPES / name, format="turtle")


@pytest.fixture(scope="module")
def dcat_ap() -> Graph:
    return shapes("dcat-ap-SHACL.ttl")


@pytest.fixture(scope="module")
def exported() -> dict[str, Graph]:
    """The catalogue written out and read back, once per serialisation."""
    graph = catalogue_graph(province_catalogue())
    return {
        "json-ld": read_jsonld(to_jsonld(graph)),
        "turtle": Graph().parse(data=to_turtle(graph), format="turtle"),
    }


def shacl(data: Graph, shapes_graph: Graph) -> tuple[bool, Graph, str]:
    conforms, results, text = validate(data, shacl_graph=shapes_graph, allow_warnings=True)
    return bool(conforms), results, str(text)


@pytest.mark.parametrize("syntax", ["json-ld", "turtle"])
def test_catalogue_conforms_to_dcat_ap(
    syntax: str, exported: dict[str, Graph], dcat_ap: Graph
) -> None:
    """Read back from either serialisation, the catalogue violates no DCAT-AP 3.0.1 shape."""
    conforms, results, text = shacl(exported[syntax], dcat_ap)
    assert conforms is True, text
    assert not set(results.subjects(RDF.type, SH.ValidationResult)), text


def test_dataset_graph_conforms_to_dcat_ap(dcat_ap: Graph) -> None:
    """One dataset alone, as the folder portal writes it, conforms too."""
    graph = dataset_graph(province_catalogue().datasets[1])
    conforms, _, text = shacl(read_jsonld(to_jsonld(graph)), dcat_ap)
    assert conforms is True, text


def test_recommended_properties_missing_are_only_the_known_gaps(exported: dict[str, Graph]) -> None:
    """Against the recommended shapes only warnings remain, and exactly the known gaps."""
    data = exported["turtle"]
    conforms, results, text = shacl(data, shapes("shapes_recommended.ttl"))
    assert conforms is True, text
    found = set()
    for result in results.subjects(RDF.type, SH.ValidationResult):
        assert results.value(result, SH.resultSeverity) == SH.Warning, text
        focus, path = results.value(result, SH.focusNode), results.value(result, SH.resultPath)
        found |= {(kind, path) for kind in data.objects(focus, RDF.type)}
    assert found == KNOWN_GAPS, text


@pytest.mark.parametrize(
    ("kind", "prop"),
    [
        (DCAT.Dataset, DCTERMS.description),
        (DCAT.Catalog, DCTERMS.title),
        (DCAT.Distribution, DCAT.accessURL),
    ],
)
def test_a_missing_mandatory_property_fails_validation(
    kind: Node, prop: URIRef, dcat_ap: Graph
) -> None:
    """The shapes bite: without a mandatory property the export no longer conforms."""
    graph = catalogue_graph(province_catalogue())
    node = min(graph.subjects(RDF.type, kind))
    graph.remove((node, prop, None))
    conforms, results, text = shacl(graph, dcat_ap)
    assert conforms is False
    failures = {
        (results.value(r, SH.focusNode), results.value(r, SH.resultPath))
        for r in results.subjects(RDF.type, SH.ValidationResult)
    }
    assert failures == {(node, prop)}, text


def test_jsonld_and_turtle_hold_the_same_triples(exported: dict[str, Graph]) -> None:
    """Both serialisations read back to the graph that was built."""
    built = catalogue_graph(province_catalogue())
    assert len(exported["json-ld"]) == len(exported["turtle"]) == len(built) > 100
    assert isomorphic(exported["json-ld"], exported["turtle"])
    assert isomorphic(exported["json-ld"], built)


def test_titles_are_in_vietnamese_and_english(exported: dict[str, Graph]) -> None:
    """Catalogue, datasets and distributions have one title in each language, diacritics intact."""
    catalogue = province_catalogue()
    expected = {URIRef(catalogue.uri): catalogue.title}
    for ds in catalogue.datasets:
        expected[URIRef(ds.uri)] = ds.title
        expected.update({URIRef(d.uri): d.title for d in ds.distributions})
    for data in exported.values():
        for node, title in expected.items():
            found = {(t.language, str(t)) for t in data.objects(node, DCTERMS.title)}
            assert found == {("vi", title.vi), ("en", title.en)}


def test_checksum_is_the_files_sha256(exported: dict[str, Graph]) -> None:
    """Each distribution's spdx:checksum is SHA-256, its value the given digest as xsd:hexBinary."""
    data = exported["json-ld"]
    for ds in province_catalogue().datasets:
        for dist in ds.distributions:
            (checksum,) = data.objects(URIRef(dist.uri), SPDX.checksum)
            assert data.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
            value = data.value(checksum, SPDX.checksumValue)
            assert value == Literal(dist.sha256, datatype=XSD.hexBinary)
            assert str(value) == dist.sha256


def test_same_input_gives_the_same_bytes() -> None:
    """Two exports are byte-identical, also from another process with another hash seed."""
    script = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('case', {str(Path(__file__))!r})\n"
        "case = importlib.util.module_from_spec(spec); spec.loader.exec_module(case)\n"
        "graph = case.catalogue_graph(case.province_catalogue())\n"
        "sys.stdout.buffer.write((case.to_turtle(graph) + case.to_jsonld(graph)).encode())\n"
    )
    seed = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"
    other = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "PYTHONHASHSEED": seed},
        capture_output=True,
        check=True,
    ).stdout.decode()
    first, second = (catalogue_graph(province_catalogue()) for _ in range(2))
    assert to_turtle(first) == to_turtle(second) and to_jsonld(first) == to_jsonld(second)
    assert other == to_turtle(first) + to_jsonld(first)


def test_codes_map_to_the_eu_vocabularies() -> None:
    """The catalogue's frequencies become EU frequency URIs; an unknown code is refused."""
    authority = "http://publications.europa.eu/resource/authority/"
    assert dcat_vocab.frequency("continuous") == URIRef(authority + "frequency/UPDATE_CONT")
    assert dcat_vocab.frequency("annual") == URIRef(authority + "frequency/ANNUAL")
    with pytest.raises(ValueError, match="hourly"):
        dcat_vocab.frequency("hourly")
    with pytest.raises(ValueError, match="XLSX"):
        dcat_vocab.file_type("XLSX")
    with pytest.raises(ValueError, match="5 digits"):
        dcat_vocab.admin_unit("commune", "2826")


def test_a_malformed_checksum_is_refused() -> None:
    """A digest that is not 64 lowercase hex digits never reaches the graph."""
    ds = province_catalogue().datasets[0]
    bad = replace(ds.distributions[0], sha256=ds.distributions[0].sha256.upper())
    with pytest.raises(ValueError, match="sha256"):
        dataset_graph(replace(ds, distributions=(bad,)))
