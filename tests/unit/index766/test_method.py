"""The method file: the shipped one loads with the indicators of INDEX-766, and a file with an
unknown indicator, weights over 100 or a bad value is refused naming its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import ConfigurationError
from hub.index766.method import IndexMethod, load_method
from hub.index766.ratios import COMPUTABLE
from hub.settings import KhoSettings
from tests.paths import CATALOGUE_DIR

SHIPPED = CATALOGUE_DIR / "index766.yaml"

DOCUMENTED_IDS = [
    "publicity.synced",
    "publicity.procedures_*",
    "progress.on_time",
    "online.full_online",
    "payment.dossiers_paid_online",
    "payment.procedures_paid_online",
    "payment.procedures_with_fee_dossiers",
    "digitisation.e_result",
    "digitisation.components",
    "digitisation.reuse",
    "digitisation.data_store",
    "digitisation.other",
    "satisfaction.feedback_on_time",
    "satisfaction.feedback_clean",
    "satisfaction.overall",
]


def _copy(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    text = SHIPPED.read_text(encoding="utf-8")
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    copy = tmp_path / "index766.yaml"
    copy.write_text(text, encoding="utf-8")
    return copy


def _line(path: Path, fragment: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if fragment in line)


def test_the_shipped_method_has_the_documented_indicators_and_maxima() -> None:
    """Every INDEX-766 indicator, in order, 100 points in all, 82 of them computed."""
    method = load_method(KhoSettings().index766_path)
    assert [spec.id for _, spec in method.indicators()] == DOCUMENTED_IDS
    assert [(g.id, g.max_points) for g in method.groups] == [
        ("publicity", 18),
        ("progress", 20),
        ("online", 12),
        ("payment", 10),
        ("digitisation", 22),
        ("satisfaction", 18),
    ]
    assert method.max_points_exact == 100 and method.computed_max_exact == 82
    computed = {spec.id for _, spec in method.indicators() if spec.computed}
    assert computed == COMPUTABLE
    assert "766/QĐ-TTg ngày 23/6/2022" in method.legal_basis
    assert method.thresholds.feedback_working_days == 15
    full_online = method.indicator("online.full_online")
    assert full_online is not None and (full_online.scale, full_online.target) == (12, 0.8)


def test_an_unknown_indicator_is_refused_naming_its_line(tmp_path: Path) -> None:
    """An id the code cannot compute, not declared `computed: false`, names file and line."""
    path = _copy(tmp_path, ("id: progress.on_time", "id: progress.fast"))
    with pytest.raises(ConfigurationError) as caught:
        load_method(path)
    message = str(caught.value)
    assert str(path) in message
    assert f"dòng {_line(path, 'id: progress.fast')}" in message
    assert "progress.fast" in message and "computed: false" in message


def test_an_unknown_indicator_declared_not_computed_is_accepted(tmp_path: Path) -> None:
    """A new indicator that is not hub data loads, and scores nothing."""
    path = _copy(tmp_path, ("id: digitisation.other", "id: digitisation.population_db"))
    spec = load_method(path).indicator("digitisation.population_db")
    assert spec is not None and not spec.computed


def test_weights_over_100_are_refused_naming_the_line(tmp_path: Path) -> None:
    """Raising a group and its indicator to 30 makes 110 points: refused at the group where
    the running total passes 100."""
    path = _copy(
        tmp_path,
        (
            "    title_vi: Tiến độ giải quyết\n    max_points: 20",
            "    title_vi: Tiến độ giải quyết\n    max_points: 30",
        ),
        ("        max_points: 20\n        scale: 20", "        max_points: 30\n        scale: 30"),
    )
    with pytest.raises(ConfigurationError) as caught:
        load_method(path)
    message = str(caught.value)
    assert "vượt quá 100" in message and "110" in message
    crossing = _line(path, "title_vi: Mức độ hài lòng") + 1  # where the total passes 100
    assert f"dòng {crossing}" in message and "satisfaction" in message


def test_indicators_not_adding_up_to_their_group_are_refused(tmp_path: Path) -> None:
    """An indicator's maximum changed without its group's names the group's max_points line."""
    path = _copy(
        tmp_path,
        ("        max_points: 20\n        scale: 20", "        max_points: 19\n        scale: 19"),
    )
    with pytest.raises(ConfigurationError) as caught:
        load_method(path)
    assert "progress" in str(caught.value)
    assert f"dòng {_line(path, 'title_vi: Tiến độ giải quyết') + 1}" in str(caught.value)


def test_a_bad_value_is_refused_naming_its_line(tmp_path: Path) -> None:
    """A negative target is a field error located at its line."""
    path = _copy(tmp_path, ("target: 0.9", "target: -0.9"))
    with pytest.raises(ConfigurationError) as caught:
        load_method(path)
    assert f"dòng {_line(path, 'target: -0.9')}" in str(caught.value)
    assert "target" in str(caught.value)


def test_a_missing_or_broken_file_is_refused_naming_it(tmp_path: Path) -> None:
    """No file, or not YAML: a ConfigurationError with the path."""
    with pytest.raises(ConfigurationError, match="Không tìm thấy"):
        load_method(tmp_path / "none.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("groups: [\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="không phải YAML hợp lệ"):
        load_method(broken)


def test_a_method_built_in_code_is_checked_too() -> None:
    """The rules hold for a method not read from a file (e.g. a copy with a changed weight)."""
    method = load_method(SHIPPED)
    raw = method.model_dump()
    raw["groups"][0]["max_points"] = 40
    raw["groups"][0]["indicators"][1]["max_points"] = 34
    with pytest.raises(ValueError, match="vượt quá 100"):
        IndexMethod.model_validate(raw)
