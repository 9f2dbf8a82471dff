"""How the CKAN adapter splits a dataset's changed files into uploads (one package_revise each)."""

from __future__ import annotations

from opendata.portal.ckan import upload_groups
from opendata.portal.port import PortalResource


def _file(name: str, size: int) -> PortalResource:
    return PortalResource(
        name=name, filename=name, content=b"x" * size, format="CSV", media_type="text/csv"
    )


def _names(groups: list[list[PortalResource]]) -> list[list[str]]:
    return [[resource.name for resource in group] for group in groups]


def test_files_within_the_limit_together_go_in_one_upload() -> None:
    files = [_file("a.csv", 300), _file("b.json", 300), _file("c.parquet", 400)]
    assert _names(upload_groups(files, 1000)) == [["a.csv", "b.json", "c.parquet"]]


def test_a_file_that_would_pass_the_limit_starts_the_next_upload_in_order() -> None:
    files = [_file("a.csv", 600), _file("b.json", 500), _file("c.parquet", 400), _file("d", 1)]
    assert _names(upload_groups(files, 1000)) == [["a.csv"], ["b.json", "c.parquet", "d"]]


def test_a_file_over_the_limit_goes_alone() -> None:
    files = [_file("a.csv", 10), _file("big.csv", 5000), _file("c.csv", 10)]
    assert _names(upload_groups(files, 1000)) == [["a.csv"], ["big.csv"], ["c.csv"]]


def test_without_a_known_limit_each_file_is_its_own_upload() -> None:
    files = [_file("a.csv", 1), _file("b.json", 1)]
    assert _names(upload_groups(files, None)) == [["a.csv"], ["b.json"]]


def test_nothing_changed_means_no_upload() -> None:
    assert upload_groups([], 1000) == []
