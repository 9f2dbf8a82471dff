"""The embedded portal: each dataset in a folder with its files and DCAT-AP JSON-LD.

Layout: ``<root>/<dataset>/`` holding the resource files and ``dataset.jsonld`` (which names the
publishing agency).
A file is rewritten only when its bytes differ, so an unchanged run touches nothing. A withdrawn
dataset's folder moves to ``<root>/.withdrawn/`` (private) or is removed (delete, a private
one too); a private dataset published again moves back, as CKAN makes the same package public
again, and only the files that changed are written.
A file over ``max_resource_bytes`` blocks its dataset, as on the production portal, so that
what publishes here publishes there.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from opendata.portal.limits import check_resource_sizes
from opendata.portal.port import Action, PortalDataset, PortalPlan, PublishOutcome, WithdrawMode


class FolderPortal:
    def __init__(self, root: Path, *, max_resource_bytes: int | None = None) -> None:
        self._root = root
        self._max_bytes = max_resource_bytes

    @property
    def description(self) -> str:
        return f"thư mục {self._root}"

    @property
    def home_url(self) -> str:
        return self._root.resolve().as_uri()

    def dataset_url(self, name: str) -> str:
        return (self._root / name).resolve().as_uri()

    def resource_url(self, name: str, filename: str) -> str:
        return f"{self.dataset_url(name)}/{filename}"

    def dataset_dir(self, dataset: PortalDataset) -> Path:
        return self._root / dataset.name

    def plan(self, dataset: PortalDataset) -> PortalPlan:
        check_resource_sizes(dataset, self._max_bytes, "cổng thư mục")
        folder = self.dataset_dir(dataset)
        hidden = self._hidden(dataset.name)
        private = not folder.exists() and hidden.is_dir()
        if private:
            folder = hidden
        elif not folder.exists():
            return PortalPlan(dataset.name, "created", tuple(r.name for r in dataset.resources))
        uploads = tuple(
            r.name for r in dataset.resources if not _holds(folder / r.filename, r.content)
        )
        changed = private or not _holds(folder / "dataset.jsonld", _metadata(dataset))
        action: Action = "updated" if uploads or changed else "unchanged"
        return PortalPlan(dataset.name, action, uploads, changed)

    def publish(self, dataset: PortalDataset) -> PublishOutcome:
        check_resource_sizes(dataset, self._max_bytes, "cổng thư mục")
        folder = self.dataset_dir(dataset)
        hidden = self._hidden(dataset.name)
        restored = not folder.exists() and hidden.is_dir()
        if restored:
            folder.parent.mkdir(parents=True, exist_ok=True)
            hidden.rename(folder)
        created = not folder.exists()
        folder.mkdir(parents=True, exist_ok=True)
        uploaded = tuple(
            r.name for r in dataset.resources if _write_if_changed(folder / r.filename, r.content)
        )
        metadata_changed = _write_if_changed(folder / "dataset.jsonld", _metadata(dataset))
        changed = restored or uploaded or metadata_changed
        action: Action = "created" if created else ("updated" if changed else "unchanged")
        return PublishOutcome(dataset.name, action, str(folder), uploaded)

    def plan_withdrawal(self, name: str) -> PortalPlan:
        return PortalPlan(name, "withdrawn" if (self._root / name).is_dir() else "absent")

    def withdraw(self, name: str, mode: WithdrawMode) -> PublishOutcome:
        folder = self._root / name
        hidden = self._hidden(name)
        if mode == "delete" and not folder.is_dir() and hidden.is_dir():
            shutil.rmtree(hidden)  # a private dataset deleted: nothing of it may stay
            return PublishOutcome(name, "withdrawn", str(folder))
        if not folder.is_dir():
            return PublishOutcome(name, "absent", "")
        shutil.rmtree(hidden, ignore_errors=True)
        if mode == "delete":
            shutil.rmtree(folder)
        else:
            hidden.parent.mkdir(parents=True, exist_ok=True)
            folder.rename(hidden)
        return PublishOutcome(name, "withdrawn", str(folder))

    def _hidden(self, name: str) -> Path:
        """Where a dataset withdrawn as private is kept."""
        return self._root / ".withdrawn" / name


def _metadata(dataset: PortalDataset) -> bytes:
    document = json.dumps(dataset.dcat, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return document.encode("utf-8")


def _holds(path: Path, content: bytes) -> bool:
    return path.exists() and path.read_bytes() == content


def _write_if_changed(path: Path, content: bytes) -> bool:
    if _holds(path, content):
        return False
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_bytes(content)
    os.replace(partial, path)
    return True
