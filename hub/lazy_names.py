"""A package's names loaded from their modules on first use (PEP 562's module ``__getattr__``).

A package whose ``__init__`` imported every module to re-export their names made importing any
one of its modules import them all: ``hub.ingest.dead_letter`` pulled in the validator and the
metrics. With ``__getattr__ = lazy_names(__name__, {...})`` the package imports nothing until a
name is asked for; the package keeps the same names under ``if TYPE_CHECKING:`` for the type
checker."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(package: str, module_of: Mapping[str, str]) -> Callable[[str], Any]:
    """The ``__getattr__`` of ``package``: each name of ``module_of`` imported from the module
    it maps to on first use, then kept on the package; any other name is an AttributeError."""

    def load(name: str) -> Any:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    return load
