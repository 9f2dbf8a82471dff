"""The catalogue page's pure parts: folding Vietnamese for search, reading a query, ranking,
the filters, and how codes and values are written for a reader."""

from __future__ import annotations

import unicodedata

import pytest

from hub.app.web.catalogue_filters import (
    Faceted,
    FacetValue,
    FilterError,
    apply_filters,
    facet_choices,
    read_filters,
)
from hub.app.web.catalogue_labels import SECTORS, label, retention_text
from hub.app.web.catalogue_preview import display
from hub.app.web.catalogue_search import (
    MAX_QUERY_CHARS,
    QueryTooLong,
    SearchText,
    fold,
    parse_query,
    search,
    words,
)


def test_fold_strips_every_vietnamese_mark_and_reads_d_bar_as_d() -> None:
    """Tones, vowel marks and đ/Đ fold away, in NFC and NFD input alike."""
    assert fold("Độ Mặn") == "do man"
    assert fold("ĐỒNG THÁP") == "dong thap"
    assert fold("Sở Nông nghiệp") == fold("So Nong nghiep")
    assert fold(unicodedata.normalize("NFD", "Đo độ mặn")) == "do do man"


def test_words_cut_folded_text_into_ascii_words() -> None:
    """Punctuation and ids split into words; digits stay."""
    assert words("salinity.readings, Đường dây nóng 1022!") == (
        "salinity",
        "readings",
        "duong",
        "day",
        "nong",
        "1022",
    )


def _documents() -> list[tuple[str, SearchText]]:
    return [
        (
            "crops",
            SearchText.of(["Diện tích gieo trồng"], ["xâm nhập mặn"], ["đo đạc năng suất, độ ẩm"]),
        ),
        ("salinity", SearchText.of(["Số đo độ mặn tại các cửa sông"], ["độ mặn"], ["trạm"])),
        ("schools", SearchText.of(["Trường học"], ["giáo dục"], ["học sinh"])),
    ]


def test_a_query_without_marks_finds_the_marked_title_first() -> None:
    """ "do man" finds "Số đo độ mặn" first, and every word must match somewhere."""
    found = search(parse_query("do man"), _documents())
    assert found[0] == "salinity"
    assert "schools" not in found
    assert search(parse_query("ĐỘ MẶN"), _documents())[0] == "salinity"


def test_long_words_match_as_prefixes_and_short_ones_only_whole() -> None:
    """ "truo" finds "Trường"; "tr" does not find "trạm" or "Trường"."""
    assert search(parse_query("truo"), _documents()) == ["schools"]
    assert search(parse_query("tr"), _documents()) == []


def test_a_quoted_phrase_must_appear_as_a_run_of_words() -> None:
    """ "độ mặn" in quotes matches the salinity title, not words apart."""
    query = parse_query('"độ mặn"')
    assert query.phrases == (("do", "man"),)
    assert search(query, _documents()) == ["salinity"]
    assert any("liền nhau" in notice for notice in query.notices)
    assert search(parse_query("“mặn độ”"), _documents()) == []


def test_an_unclosed_quote_is_ignored_with_a_notice() -> None:
    """A lone quote searches word by word and says so."""
    query = parse_query('"do man')
    assert query.words == ("do", "man")
    assert any("chưa được đóng" in notice for notice in query.notices)


def test_html_tags_and_punctuation_are_left_out_and_named() -> None:
    """Tags and marks that are not letters do not search, and the notices say what went."""
    query = parse_query("<script>alert('x')</script> mặn; =")
    assert query.words == ("alert", "x", "man")
    assert any("thẻ HTML" in notice for notice in query.notices)
    ignored = next(n for n in query.notices if "ký tự" in n)
    for mark in ("'", "(", ")", ";", "="):
        assert mark in ignored


def test_a_query_of_nothing_searchable_shows_everything_and_says_so() -> None:
    """Only punctuation: every dataset, with a notice; an empty box: no notice."""
    query = parse_query("!!! ???")
    assert query.empty
    assert len(search(query, _documents())) == 3
    assert any("không có chữ hay số" in notice for notice in query.notices)
    assert parse_query("   ").notices == ()


def test_an_overlong_query_is_refused_with_its_length() -> None:
    """10,000 characters raise QueryTooLong naming the length and the limit; the limit passes."""
    with pytest.raises(QueryTooLong) as refused:
        parse_query("a" * 10_000)
    assert refused.value.length == 10_000
    assert refused.value.limit == MAX_QUERY_CHARS
    assert parse_query("a" * MAX_QUERY_CHARS).words == ("a" * MAX_QUERY_CHARS,)


def _faceted() -> list[Faceted[str]]:
    def item(name: str, sector: str, cls: str) -> Faceted[str]:
        return Faceted(
            name,
            {
                "sector": FacetValue(sector, label(SECTORS, sector)),
                "agency": FacetValue("so-nnmt", "Sở Nông nghiệp và Môi trường"),
                "class": FacetValue(cls, cls),
                "licence": FacetValue("CC-BY-4.0", "CC BY 4.0"),
                "frequency": FacetValue("daily", "Hằng ngày"),
            },
        )

    return [
        item("salinity", "agriculture-environment", "open"),
        item("ocop", "agriculture-environment", "shared"),
        item("schools", "education", "shared"),
    ]


def test_filters_keep_the_datasets_with_every_chosen_value() -> None:
    """sector and class together keep one dataset; empty values choose nothing."""
    items = _faceted()
    chosen = read_filters(
        {"sector": "agriculture-environment", "class": "shared", "agency": ""}, items
    )
    assert chosen == {"sector": "agriculture-environment", "class": "shared"}
    assert apply_filters(chosen, items) == ["ocop"]
    assert apply_filters({}, items) == ["salinity", "ocop", "schools"]


def test_an_unknown_filter_value_names_the_filter() -> None:
    """A value no dataset has raises FilterError with the filter's Vietnamese name."""
    with pytest.raises(FilterError) as refused:
        read_filters({"sector": "<b>xyz</b>"}, _faceted())
    assert refused.value.facet.name == "Lĩnh vực"
    assert refused.value.value == "<b>xyz</b>"


def test_choices_count_what_each_value_would_show_with_the_other_filters() -> None:
    """With class=shared chosen, the sector choices count shared datasets only, and the class
    choices count as if class were not chosen; labels are sorted, the chosen one selected."""
    items = _faceted()
    choices = {c.facet.param: c.choices for c in facet_choices({"class": "shared"}, items)}
    sectors = {c.value: c.count for c in choices["sector"]}
    assert sectors == {"agriculture-environment": 1, "education": 1}
    classes = {c.value: (c.count, c.selected) for c in choices["class"]}
    assert classes == {"open": (1, False), "shared": (2, True)}
    assert [c.label for c in choices["sector"]] == [
        "Giáo dục và đào tạo",
        "Nông nghiệp và môi trường",
    ]


def test_choices_keep_every_value_when_a_search_matched_fewer() -> None:
    """Values absent from the matched items stay offered, with a count of 0."""
    items = _faceted()
    choices = {c.facet.param: c.choices for c in facet_choices({}, items, items[:1])}
    assert {c.value: c.count for c in choices["sector"]} == {
        "agriculture-environment": 1,
        "education": 0,
    }


def test_retention_and_labels_read_in_vietnamese() -> None:
    """ISO durations become years and months; an unknown code shows as it is."""
    assert retention_text("P10Y") == "10 năm"
    assert retention_text("P1Y6M") == "1 năm 6 tháng"
    assert label(SECTORS, "health") == "Y tế"
    assert label(SECTORS, "space") == "space"


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        ("2025-08-13T11:33:00+07:00", "datetime", "13/08/2025 11:33"),
        ("2025-08-13", "date", "13/08/2025"),
        (True, "bool", "Có"),
        (False, "bool", "Không"),
        (1_250_000, "count", "1.250.000"),
        (2.5, "number", "2,5"),
        (2025, "text", "2025"),
        (None, "text", "–"),
        ("<b>x</b>", "text", "<b>x</b>"),
    ],
)
def test_preview_cells_are_written_the_vietnamese_way(value: object, kind: str, shown: str) -> None:
    """Dates dd/mm/yyyy in Vietnam time, numbers 1.234,5, booleans Có/Không, years as typed."""
    assert display(value, kind) == shown
