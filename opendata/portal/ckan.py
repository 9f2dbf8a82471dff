"""The CKAN adapter of the portal port, over ckanapi. The only module that imports ``ckanapi``.

One organisation per owning agency; the dataset name comes from the catalogue id. Every change
to an existing dataset goes through ``package_revise`` (never a partial ``package_update``, which
drops the resources and extras it omits). Each resource keeps the SHA-256 of its file in CKAN's
``hash`` field, so an unchanged file is never uploaded again and an unchanged run changes nothing.
"""

from __future__ import annotations

import io
import json
from typing import Any, NoReturn

import ckanapi
import requests

from opendata.errors import PortalUnavailable, PublishError
from opendata.portal.port import Action, PortalDataset, PortalResource, PublishOutcome


class CkanPortal:
    def __init__(
        self, url: str, api_token: str, *, session: requests.Session | None = None
    ) -> None:
        self._url = url.rstrip("/")
        self._ckan = ckanapi.RemoteCKAN(
            self._url, apikey=api_token, user_agent="kho-publisher/0.1", session=session
        )

    @property
    def description(self) -> str:
        return f"CKAN {self._url}"

    def publish(self, dataset: PortalDataset) -> PublishOutcome:
        self._ensure_organisation(dataset)
        current = self._package_or_none(dataset.name)
        action: Action = "unchanged"
        if current is None:
            current = self._call("package_create", self._package_fields(dataset))
            action = "created"
        elif self._metadata_differs(current, dataset):
            update = {k: v for k, v in self._package_fields(dataset).items() if k != "name"}
            current = self._call(
                "package_revise", {"match": {"id": current["id"]}, "update": update}
            )["package"]
            action = "updated"
        uploaded = []
        for resource in dataset.resources:
            if self._upload_if_changed(current, resource):
                uploaded.append(resource.name)
        if uploaded and action == "unchanged":
            action = "updated"
        location = f"{self._url}/dataset/{dataset.name}"
        return PublishOutcome(dataset.name, action, location, tuple(uploaded))

    def _ensure_organisation(self, dataset: PortalDataset) -> None:
        org = dataset.organisation
        try:
            self._call("organization_show", {"id": org.name})
        except ckanapi.NotFound:
            self._call(
                "organization_create",
                {"name": org.name, "title": org.title, "description": org.description},
            )

    def _package_or_none(self, name: str) -> dict[str, Any] | None:
        try:
            found: dict[str, Any] = self._call("package_show", {"id": name})
        except ckanapi.NotFound:
            return None
        return found

    def _package_fields(self, dataset: PortalDataset) -> dict[str, Any]:
        return {
            "name": dataset.name,
            "title": dataset.title,
            "notes": dataset.notes,
            "owner_org": dataset.organisation.name,
            "license_id": dataset.licence_id,
            "private": False,
            "tags": [{"name": t} for t in dataset.tags],
            "extras": [{"key": k, "value": v} for k, v in sorted(dataset.extras.items())],
        }

    def _metadata_differs(self, current: dict[str, Any], dataset: PortalDataset) -> bool:
        wanted = self._package_fields(dataset)
        if any(current.get(k) != wanted[k] for k in ("title", "notes", "license_id", "private")):
            return True
        if current.get("organization", {}).get("name") != dataset.organisation.name:
            return True
        if sorted(t["name"] for t in current.get("tags", [])) != sorted(dataset.tags):
            return True
        extras = {e["key"]: e["value"] for e in current.get("extras", [])}
        return extras != dataset.extras

    def _upload_if_changed(self, package: dict[str, Any], resource: PortalResource) -> bool:
        existing = next(
            (r for r in package.get("resources", []) if r["name"] == resource.name), None
        )
        if existing is not None and existing.get("hash") == resource.sha256:
            return False
        fields = {
            "name": resource.name,
            "format": resource.format,
            "mimetype": resource.media_type,
            "description": resource.description,
            "hash": resource.sha256,
            "size": str(len(resource.content)),
        }
        data: dict[str, Any] = {"match__id": package["id"]}
        if existing is None:
            data["update__resources__extend"] = json.dumps([fields], ensure_ascii=False)
            slot = "-1"
        else:
            slot = existing["id"]
            data.update({f"update__resources__{slot}__{k}": v for k, v in fields.items()})
        files = {
            f"update__resources__{slot}__upload": (resource.filename, io.BytesIO(resource.content))
        }
        self._call("package_revise", data, files=files)
        return True

    def _call(self, action: str, data: dict[str, Any], files: dict[str, Any] | None = None) -> Any:
        try:
            return self._ckan.call_action(action, data, files=files)
        except ckanapi.NotFound:
            raise
        except ckanapi.NotAuthorized as exc:
            raise PublishError(
                f"CKAN {self._url} từ chối quyền cho thao tác {action}: kiểm tra mã API"
            ) from exc
        except ckanapi.ValidationError as exc:
            raise PublishError(f"CKAN {self._url} không chấp nhận {action}: {exc}") from exc
        except requests.RequestException as exc:
            _unreachable(self._url, exc)
        except ckanapi.CKANAPIError as exc:
            raise PublishError(f"CKAN {self._url} lỗi khi {action}: {exc}") from exc


def _unreachable(url: str, exc: Exception) -> NoReturn:
    raise PortalUnavailable("cổng dữ liệu mở CKAN", url, type(exc).__name__) from exc
