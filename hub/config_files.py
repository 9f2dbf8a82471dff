"""Reading a YAML file into a pydantic model, with errors that name the file and each field."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import pydantic
import yaml

try:  # libyaml's parser, which PyYAML's wheels include: 5-10 times faster than Python's
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader  # type: ignore[assignment]

from hub.errors import ConfigurationError, KhoError

ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)


class StrictModel(pydantic.BaseModel):
    """The base of every model read from a configuration file: an unknown key is an error
    (a typo must not pass silently), and the loaded value cannot be changed."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)


def load_yaml_model(
    path: Path,
    model: type[ModelT],
    *,
    what: str,
    error: type[KhoError] = ConfigurationError,
) -> ModelT:
    """The file's content validated as `model`; `what` names the file for people
    (e.g. "tệp danh mục"), `error` is the exception raised."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SafeLoader)
    except FileNotFoundError as exc:
        raise error(f"Không tìm thấy {what} {path}") from exc
    except yaml.YAMLError as exc:
        raise error(f"{what.capitalize()} {path} không phải YAML hợp lệ: {exc}") from exc
    try:
        return model.model_validate(raw)
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(gốc)'}: {e['msg']}" for e in exc.errors()
        )
        raise error(f"{what.capitalize()} {path} không hợp lệ: {problems}") from exc
