"""The 766 method as data (hub/defaults/catalogue/index766.yaml): groups, indicators, weights,
thresholds, version and legal basis, validated at load. A weight changes in the file, never in
code: the computation reads every maximum, scale, target and cap from here."""

from __future__ import annotations

import functools
from fractions import Fraction
from pathlib import Path

import pydantic
import yaml
from pydantic import Field, model_validator

from hub.config_files import StrictModel
from hub.errors import ConfigurationError
from hub.index766.ratios import COMPUTABLE
from hub.index766.yaml_lines import compose, line_of

_WHAT = "Tệp phương pháp chỉ số 766"


@functools.lru_cache(maxsize=1024)
def exact(value: float) -> Fraction:
    """A decimal written in the file, as the exact number a person meant (0.8 is 4/5).
    Remembered: a ranking turns the same few numbers hundreds of times."""
    return Fraction(str(value))


@functools.lru_cache(maxsize=1024)
def _per_ratio(scale: float, target: float) -> Fraction:
    """The points a ratio of 1 earns before the cap: scale ÷ target, exact."""
    return exact(scale) / exact(target)


class MethodProblem(ValueError):
    """A rule of the method broken at `path` (keys and indexes into the file)."""

    def __init__(self, message: str, path: tuple[str | int, ...]) -> None:
        super().__init__(message)
        self.path = path


class Thresholds(StrictModel):
    feedback_working_days: int = Field(default=15, ge=1, le=365)


class IndicatorSpec(StrictModel):
    """One indicator. Points = min(cap, scale × ratio ÷ target); no data scores max_points."""

    id: str = Field(pattern=r"^[a-z0-9_]+\.[a-z0-9_]+\*?$")
    title_vi: str = Field(min_length=1)
    explain_vi: str | None = Field(default=None, min_length=1)
    """A plain Vietnamese sentence on what the indicator measures, for the public pages."""
    max_points: float = Field(gt=0, le=100)
    computed: bool = True
    scale: float | None = Field(default=None, gt=0)
    target: float = Field(default=1.0, gt=0, le=1)
    cap: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _formula(self) -> IndicatorSpec:
        if self.computed and self.scale is None:
            raise MethodProblem(f"chỉ số {self.id} được tính nhưng thiếu scale", ())
        if not self.computed and (self.scale is not None or self.cap is not None):
            raise MethodProblem(
                f"chỉ số {self.id} không tính (computed: false) nên không có công thức", ()
            )
        if self.cap is not None and self.cap > self.max_points:
            raise MethodProblem(f"cap của {self.id} lớn hơn max_points", ("cap",))
        return self

    def points(self, ratio: Fraction) -> Fraction:
        """The points a ratio earns, exact (nothing rounded before multiplying)."""
        if not self.computed or self.scale is None:
            return Fraction(0)
        cap = exact(self.cap) if self.cap is not None else exact(self.max_points)
        return min(cap, _per_ratio(self.scale, self.target) * ratio)


class GroupSpec(StrictModel):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title_vi: str = Field(min_length=1)
    max_points: float = Field(gt=0, le=100)
    indicators: tuple[IndicatorSpec, ...] = Field(min_length=1)


class IndexMethod(StrictModel):
    """The whole method; `indicators()` in file order, each with its group."""

    version: str = Field(min_length=1)
    legal_basis: str = Field(min_length=1)
    thresholds: Thresholds = Thresholds()
    groups: tuple[GroupSpec, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> IndexMethod:
        seen: set[str] = set()
        for g, group in enumerate(self.groups):
            if group.id in seen:
                raise MethodProblem(f"nhóm {group.id} lặp lại", ("groups", g, "id"))
            seen.add(group.id)
            for i, spec in enumerate(group.indicators):
                where = ("groups", g, "indicators", i, "id")
                if spec.id in seen:
                    raise MethodProblem(f"chỉ số {spec.id} lặp lại", where)
                seen.add(spec.id)
                if not spec.id.startswith(f"{group.id}."):
                    raise MethodProblem(f"chỉ số {spec.id} không thuộc nhóm {group.id}", where)
                if spec.computed and spec.id not in COMPUTABLE:
                    raise MethodProblem(
                        f"chỉ số {spec.id} không phải chỉ số Kho biết cách tính "
                        f"({', '.join(sorted(COMPUTABLE))}); "
                        "chỉ số không phải dữ liệu của Kho phải khai báo computed: false",
                        where,
                    )
            total = sum((exact(s.max_points) for s in group.indicators), Fraction(0))
            if total != exact(group.max_points):
                raise MethodProblem(
                    f"điểm tối đa các chỉ số của nhóm {group.id} cộng lại là {float(total):g}, "
                    f"khác max_points của nhóm ({group.max_points:g})",
                    ("groups", g, "max_points"),
                )
        running = Fraction(0)
        for g, group in enumerate(self.groups):
            running += exact(group.max_points)
            if running > 100:
                raise MethodProblem(
                    f"tổng điểm tối đa các nhóm là {float(self.max_points_exact):g}, vượt quá 100 "
                    f"(từ nhóm {group.id})",
                    ("groups", g, "max_points"),
                )
        return self

    @property
    def max_points_exact(self) -> Fraction:
        return sum((exact(g.max_points) for g in self.groups), Fraction(0))

    @property
    def computed_max_exact(self) -> Fraction:
        """The sum of the maxima of the computed indicators (82 in the shipped method)."""
        return sum(
            (exact(s.max_points) for g in self.groups for s in g.indicators if s.computed),
            Fraction(0),
        )

    def indicators(self) -> list[tuple[GroupSpec, IndicatorSpec]]:
        return [(g, s) for g in self.groups for s in g.indicators]

    def indicator(self, indicator_id: str) -> IndicatorSpec | None:
        return next((s for _, s in self.indicators() if s.id == indicator_id), None)


def load_method(path: Path) -> IndexMethod:
    """The method file validated; any problem is a ConfigurationError naming the file and the
    line of the offending key."""
    try:
        text = path.read_text(encoding="utf-8")
        root = compose(text)
        raw = yaml.safe_load(text)
    except FileNotFoundError as exc:
        raise ConfigurationError(f"Không tìm thấy {_WHAT.lower()} {path}") from exc
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{_WHAT} {path} không phải YAML hợp lệ: {exc}") from exc
    try:
        return IndexMethod.model_validate(raw)
    except pydantic.ValidationError as exc:
        problems = []
        for error in exc.errors():
            where: tuple[str | int, ...] = tuple(error["loc"])
            cause = (error.get("ctx") or {}).get("error")
            message = str(cause) if isinstance(cause, MethodProblem) else error["msg"]
            if isinstance(cause, MethodProblem):
                where = where + cause.path
            line = line_of(root, where)
            at = f"dòng {line}" if line is not None else "(tệp rỗng)"
            field = ".".join(str(step) for step in where) or "(gốc)"
            problems.append(f"{at} ({field}): {message}")
        raise ConfigurationError(f"{_WHAT} {path} không hợp lệ: {'; '.join(problems)}") from exc
