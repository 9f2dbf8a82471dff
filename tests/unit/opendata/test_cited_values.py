"""A publication's description citing its data as ``{column}``: filled with the column's distinct
published values in both languages, checked against the schema like any field the spec names,
and blocking its publication when the column is not published."""

from __future__ import annotations

import pytest

from hub.avro.schema import load_schema
from hub.catalogue.models import LocalizedText
from opendata.cited_values import cited_columns, fill_citations
from opendata.description import Bilingual
from opendata.errors import PublishBlocked
from opendata.spec_check import check_spec
from opendata.specs import PublicationSpec
from opendata.table import Column, Table
from tests.paths import SCHEMAS_DIR

TEXT = LocalizedText(
    vi="Theo phương pháp phiên bản {method_version}; {month} tháng; {không đổi}",
    en="By method version {method_version}; months {month}; {Kept}",
)


def _table(rows: list[tuple[object, ...]]) -> Table:
    columns = tuple(
        Column(name, "string", Bilingual(name, name), nullable=True)
        for name in ("month", "method_version")
    )
    return Table(columns, rows)


def test_a_citation_becomes_the_distinct_values_sorted_in_both_languages() -> None:
    """Two versions in the rows are both named, once each; braces around anything that is not
    a column name stay as written."""
    table = _table([("2025-08", "2022.766-2"), ("2025-07", "2022.766-1"), ("2025-08", None)])

    filled = fill_citations(TEXT, table)

    assert filled.vi == (
        "Theo phương pháp phiên bản 2022.766-1, 2022.766-2; 2025-07, 2025-08 tháng; {không đổi}"
    )
    assert filled.en == "By method version 2022.766-1, 2022.766-2; months 2025-07, 2025-08; {Kept}"
    assert cited_columns(TEXT) == ("method_version", "month")


def test_a_cited_column_left_out_of_the_files_blocks_the_publication() -> None:
    """The reason names the column and the columns that are published."""
    text = LocalizedText(vi="Khóa {row_id}", en="Key {row_id}")
    with pytest.raises(PublishBlocked, match=r"\{row_id\}.*month, method_version"):
        fill_citations(text, _table([("2025-08", "2022.766-1")]))


def test_a_cited_field_is_checked_against_the_schema_like_the_others() -> None:
    """A field the schema lacks, or a personal one, stops the spec before any read."""
    schema = load_schema(SCHEMAS_DIR / "tthc" / "dossier.avsc")
    for cited, reason in (
        ("no_such_field", "không có trong lược đồ"),
        ("applicant_name", "cá nhân"),
    ):
        spec = PublicationSpec(
            id="tthc.dossiers",
            dataset="tthc.dossiers",
            kind="snapshot",
            description=LocalizedText(vi=f"Xem {{{cited}}}", en=f"See {{{cited}}}"),
        )
        assert cited in spec.fields
        with pytest.raises(PublishBlocked, match=reason):
            check_spec(spec, schema)
