"""The embedded portal: each dataset in a folder with its files and DCAT JSON-LD.

Layout: ``<root>/<organisation>/<dataset>/`` holding the resource files and ``dataset.jsonld``.
A file is rewritten only when its bytes differ, so an unchanged run touches nothing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from opendata.dcat import CONTEXT
from opendata.portal.port import Action, PortalDataset, PublishOutcome


class FolderPortal:
    def __init__(self, root: Path) -> None:
        self._root = root

    @property
    def description(self) -> str:
        return f"thư mục {self._root}"

    def dataset_dir(self, dataset: PortalDataset) -> Path:
        return self._root / dataset.organisation.name / dataset.name

    def publish(self, dataset: PortalDataset) -> PublishOutcome:
        folder = self.dataset_dir(dataset)
        created = not folder.exists()
        folder.mkdir(parents=True, exist_ok=True)
        uploaded = tuple(
            r.name for r in dataset.resources if _write_if_changed(folder / r.filename, r.content)
        )
        metadata = dataset.dcat or {"@context": CONTEXT, "dct:title": dataset.title}
        document = json.dumps(metadata, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        metadata_changed = _write_if_changed(folder / "dataset.jsonld", document.encode("utf-8"))
        action: Action = (
            "created" if created else ("updated" if uploaded or metadata_changed else "unchanged")
        )
        return PublishOutcome(dataset.name, action, str(folder), uploaded)


def _write_if_changed(path: Path, content: bytes) -> bool:
    if path.exists() and path.read_bytes() == content:
        return False
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_bytes(content)
    os.replace(partial, path)
    return True
