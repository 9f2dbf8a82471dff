"""The house rules, read from the code's own imports: the shell (hub/app) is imported by nothing,
and each domain package imports only the packages on the floors below it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.paths import PROJECT_ROOT

# Bottom to top. A package may import its own modules and those of any lower floor; a floor
# may hold several packages that do not import each other.
FLOORS: list[tuple[str, ...]] = [
    ("hub.errors",),
    (
        "hub.vietnam_time",
        "hub.identifiers",
        "hub.stopping",
        "hub.defaults",
        "hub.secret_keys",
        "hub.metrics",
        "hub.logs",
        "hub.disk_space",
    ),
    ("hub.config_files", "hub.db", "hub.async_postgres"),
    ("hub.bus",),
    ("hub.registry",),
    ("hub.avro",),
    ("hub.contracts",),
    ("hub.catalogue",),
    ("hub.ingest", "hub.audit"),
    ("hub.sharing",),
    ("hub.auth", "hub.acl", "hub.dlq"),
    ("hub.provide_once",),
    ("connectors", "opendata", "hub.index766"),
    ("hub.settings", "hub.production"),
    ("hub.app",),
]
ROOTS = ("hub", "connectors", "opendata")
SHELL = "hub.app"


def unit_of(module: str) -> str:
    """The package a module belongs to, as the floors name it."""
    parts = module.split(".")
    if parts[0] == "hub" and len(parts) > 1:
        return f"hub.{parts[1]}"
    return parts[0]


def floor_of(unit: str) -> int:
    for number, floor in enumerate(FLOORS):
        if unit in floor:
            return number
    raise KeyError(unit)


def source_modules() -> Iterator[tuple[str, Path]]:
    for root in ROOTS:
        for path in sorted((PROJECT_ROOT / root).rglob("*.py")):
            parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield ".".join(parts), path


def imported_modules(path: Path) -> Iterator[tuple[int, str]]:
    """Every absolute import of the project's packages in the file, at any depth (inside
    functions and ``if TYPE_CHECKING`` blocks too), with its line."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] in ROOTS:
                yield node.lineno, name


def all_imports() -> list[tuple[str, Path, int, str]]:
    return [
        (module, path, line, imported)
        for module, path in source_modules()
        for line, imported in imported_modules(path)
    ]


def test_every_package_has_a_floor() -> None:
    """Each package under hub/, connectors/ and opendata/ is placed on a floor, so a new one
    cannot escape the rule."""
    units = {unit_of(module) for module, _ in source_modules()} - {"hub"}
    unplaced = sorted(u for u in units if not any(u in floor for floor in FLOORS))
    assert unplaced == []


def test_nothing_outside_the_shell_imports_it() -> None:
    """Only hub/app imports hub.app: the composition root, CLI and HTTP app stay at the top."""
    offenders = [
        f"{path.relative_to(PROJECT_ROOT)}:{line} imports {imported}"
        for module, path, line, imported in all_imports()
        if unit_of(imported) == SHELL and unit_of(module) != SHELL
    ]
    assert offenders == []


def test_domain_packages_import_only_downward() -> None:
    """A package imports only from the floors below its own (or itself)."""
    offenders = []
    for module, path, line, imported in all_imports():
        source, target = unit_of(module), unit_of(imported)
        if source == target or source == "hub":
            continue
        if floor_of(target) >= floor_of(source):
            offenders.append(f"{path.relative_to(PROJECT_ROOT)}:{line} imports {imported}")
    assert offenders == []


@pytest.mark.parametrize("imported", ["hub.settings"])
def test_domain_packages_do_not_read_settings(imported: str) -> None:
    """Settings are built once by the shell and passed down as values: no domain module
    imports the settings object."""
    offenders = [
        f"{path.relative_to(PROJECT_ROOT)}:{line}"
        for module, path, line, name in all_imports()
        if name == imported and unit_of(module) not in (SHELL, "hub.settings")
    ]
    assert offenders == []
