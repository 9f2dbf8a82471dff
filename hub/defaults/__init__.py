"""What Kho ships with, as package data: the shared-database catalogue, the procedures, the
open-data publications (``catalogue/``) and the Avro schemas (``schemas/``).

Settings point here unless an operator overrides them (``KHO_CATALOGUE_PATH`` and friends), so
an installed wheel runs from any directory.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def shipped(package: str, *parts: str) -> Path:
    """A file or folder shipped inside `package`, as a path on disk.

    Wheels install unpacked, so the resource is a real file; a zipped install is refused with a
    clear message instead of a path that does not exist."""
    resource = files(package).joinpath(*parts)
    if not isinstance(resource, Path):
        raise RuntimeError(f"{package} is not installed as files on disk: {resource}")
    return resource


def default_path(*parts: str) -> Path:
    """A file or folder of Kho's defaults, e.g. ``default_path("catalogue", "datasets.yaml")``."""
    return shipped(__name__, *parts)
