"""How the CKAN adapter splits a dataset's changed files into uploads (one package_revise each)."""

from __future__ import annotations

from opendata.portal.ckan import GROUP_BYTES, upload_groups
from opendata.portal.port import PortalResource


def _file(name: str, size: int) -> PortalResource:
    return PortalResource(
        name=name, filename=name, content=b"x" * size, format="CSV", media_type="text/csv"
    )


def _names(groups: list[list[PortalResource]]) -> list[list[str]]:
    return [[resource.name for resource in group] for group in groups]


def test_small_files_within_the_limit_go_in_one_upload() -> None:
    files = [_file("a.csv", 300), _file("b.json", 300), _file("c.parquet", 400)]
    assert _names(upload_groups(files, 1000)) == [["a.csv", "b.json", "c.parquet"]]


def test_a_file_that_would_pass_the_limit_starts_the_next_upload_in_order() -> None:
    files = [_file("a.csv", 600), _file("b.json", 500), _file("c.parquet", 400), _file("d", 1)]
    assert _names(upload_groups(files, 1000)) == [["a.csv"], ["b.json", "c.parquet", "d"]]


def test_a_file_over_the_limit_goes_alone_and_the_small_ones_still_travel_together() -> None:
    files = [_file("a.csv", 10), _file("big.csv", 5000), _file("c.csv", 10)]
    assert _names(upload_groups(files, 1000)) == [["big.csv"], ["a.csv", "c.csv"]]


def test_a_portal_limit_above_the_group_size_still_caps_an_upload_at_the_group_size() -> None:
    large = GROUP_BYTES // 2 + 1
    files = [_file("history.csv", large), _file("history.json", large), _file("dict.csv", 10)]
    groups = upload_groups(files, 512 * 2**20)
    assert _names(groups) == [["history.csv"], ["history.json", "dict.csv"]]


def test_without_a_known_limit_each_file_is_its_own_upload() -> None:
    files = [_file("a.csv", 1), _file("b.json", 1)]
    assert _names(upload_groups(files, None)) == [["a.csv"], ["b.json"]]


def test_nothing_changed_means_no_upload() -> None:
    assert upload_groups([], 1000) == []
