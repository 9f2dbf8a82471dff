"""The CEL engine (the ``common-expression-language`` package) imported without its shell.

The package's ``cel/__init__`` imports its own command-line REPL (``cel.cli``: prompt_toolkit,
pygments) before the compiled engine, about 100-200 ms that every command loading the catalogue
paid for a shell it never opens. Here the package is set up as its ``__init__`` would, minus
that import: the compiled module ``cel.cel``, its names on the package (``from .cel import
*``), and ``cel.stdlib``. ``cel.cli`` stays importable on demand (``import cel.cli``). If the
package was imported before, it is used as it is. The contracts import CEL from here."""

from __future__ import annotations

import importlib
import importlib.util
import sys


def _package_without_cli() -> None:
    if "cel" in sys.modules:
        return
    spec = importlib.util.find_spec("cel")
    if spec is None:
        raise ModuleNotFoundError("No module named 'cel'", name="cel")
    package = importlib.util.module_from_spec(spec)
    sys.modules["cel"] = package
    try:
        engine = importlib.import_module("cel.cel")
        for name in engine.__all__:
            setattr(package, name, getattr(engine, name))
        importlib.import_module("cel.stdlib")
    except BaseException:
        for name in ("cel", "cel.cel", "cel.stdlib"):
            sys.modules.pop(name, None)
        raise


_package_without_cli()

import cel  # noqa: E402
from cel import stdlib  # noqa: E402

__all__ = ["cel", "stdlib"]
