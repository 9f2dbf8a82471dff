"""What Kho ships with, as package data: the shared-database catalogue, the procedures, the
open-data publications (``catalogue/``) and the Avro schemas (``schemas/``).

Settings point here unless an operator overrides them (``KHO_CATALOGUE_PATH`` and friends), so
an installed wheel runs from any directory.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path


def shipped(package: str, *parts: str) -> Path:
    """A file or folder shipped inside `package`, as a path on disk.

    The package is found, not imported: the settings name ``connectors/configs``, and importing
    ``connectors`` loads its runners and spreadsheet readers, which most commands never use.
    Wheels install unpacked, so the resource is a real file; a zipped install is refused with a
    clear message instead of a path that does not exist."""
    spec = find_spec(package)
    folders = list(spec.submodule_search_locations or ()) if spec is not None else []
    if not folders or not Path(folders[0]).is_dir():
        raise RuntimeError(f"{package} is not installed as files on disk: {folders}")
    return Path(folders[0]).joinpath(*parts)


def default_path(*parts: str) -> Path:
    """A file or folder of Kho's defaults, e.g. ``default_path("catalogue", "datasets.yaml")``."""
    return shipped(__name__, *parts)
