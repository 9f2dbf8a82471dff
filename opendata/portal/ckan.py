"""The CKAN adapter of the portal port, over ckanapi. The only module that imports ``ckanapi``.

- One organisation per owning agency; the dataset name comes from the publication id.
- Every change to an existing dataset goes through ``package_revise`` (never a partial
  ``package_update``, which drops the resources and extras it omits), matched on the dataset's
  ``metadata_modified``: if another publisher changed it since we read it, CKAN refuses the
  change and we read again and redo the difference. Two publishers cannot overwrite each
  other's half-done work.
- Resource ids are UUIDs derived from the dataset and file names, so a file keeps its id (and
  its download URL) across runs, and a run killed half-way cannot leave a second copy.
- Each resource keeps the SHA-256 of its file in ``hash``; an unchanged file is never uploaded
  again, and an unchanged run changes nothing.
- Small changed files go up together in one ``package_revise`` (``upload_groups``): CKAN
  validates the whole dataset and indexes it in Solr on every change, once a call.
- CKAN down, or answering 5xx, raises ``PortalUnavailable``; the publisher retries.
"""

from __future__ import annotations

import io
import json
import random
import time
import uuid
from typing import Any, NoReturn

import ckanapi
import requests

from opendata.errors import PortalUnavailable, PublishBlocked, PublishError
from opendata.portal.limits import check_resource_sizes
from opendata.portal.port import (
    Action,
    PortalDataset,
    PortalPlan,
    PortalResource,
    PublishOutcome,
    WithdrawMode,
)

_RESOURCE_IDS = uuid.UUID("6f1c4d52-8a57-4c1e-9a43-0d5b7c2e9f10")  # namespace of Kho's files
_CONFLICT_ATTEMPTS = 5
_TIMEOUT_S = (10.0, 600.0)  # connect, read: an upload of a large file takes a while
# Files up to this size, together, go up in one call. Each call has CKAN validate the dataset and
# index it in Solr (0.1-0.3 s here); sending 16 MiB on a local network takes about as long.
GROUP_BYTES = 16 * 2**20


class _ServerError(Exception):
    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}: {body[:200]}")


class _Conflict(Exception):
    """Another publisher changed the dataset between our read and our write."""


class _RemoteCkan(ckanapi.RemoteCKAN):  # type: ignore[misc]
    """ckanapi reads a 5xx page as an unknown error; here it is a server error, to retry."""

    def _request_fn(self, *args: Any) -> tuple[int, str]:
        status, body = super()._request_fn(*args)
        if status >= 500:
            raise _ServerError(status, body)
        return status, body


def resource_id(dataset_name: str, filename: str) -> str:
    return str(uuid.uuid5(_RESOURCE_IDS, f"{dataset_name}/{filename}"))


class CkanPortal:
    def __init__(
        self,
        url: str,
        api_token: str,
        *,
        max_resource_bytes: int | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self._url = url.rstrip("/")
        self._max_bytes = max_resource_bytes
        self._ckan = _RemoteCkan(
            self._url, apikey=api_token, user_agent="kho-publisher/0.1", session=session
        )

    @property
    def description(self) -> str:
        return f"CKAN {self._url}"

    @property
    def home_url(self) -> str:
        return self._url

    def dataset_url(self, name: str) -> str:
        return f"{self._url}/dataset/{name}"

    def resource_url(self, name: str, filename: str) -> str:
        return (
            f"{self._url}/dataset/{name}/resource/{resource_id(name, filename)}/download/{filename}"
        )

    def plan(self, dataset: PortalDataset) -> PortalPlan:
        self._check_sizes(dataset)
        current = self._package_or_none(dataset.name)
        if current is None:
            return PortalPlan(dataset.name, "created", tuple(r.name for r in dataset.resources))
        uploads = tuple(r.name for r in self._stale_resources(current, dataset))
        changed = self._metadata_differs(current, dataset)
        action: Action = "updated" if changed or uploads else "unchanged"
        return PortalPlan(dataset.name, action, uploads, changed)

    def publish(self, dataset: PortalDataset) -> PublishOutcome:
        self._check_sizes(dataset)
        # Each of the other publisher's writes (its create, metadata, every upload) can win one
        # race against ours: allow that many, and back off a little so one of us gets through.
        for attempt in range(_CONFLICT_ATTEMPTS + 2 * len(dataset.resources)):
            try:
                return self._apply(dataset)
            except _Conflict:
                time.sleep(random.uniform(0.05, 0.2) * (1 + attempt))  # noqa: S311 (jitter)
        raise PublishError(
            f"CKAN {self._url}: bộ dữ liệu {dataset.name} bị tiến trình khác sửa liên tục;"
            " chạy lại sau"
        )

    def plan_withdrawal(self, name: str) -> PortalPlan:
        current = self._package_or_none(name)
        public = current is not None and current.get("state") == "active" and not current["private"]
        return PortalPlan(name, "withdrawn" if public else "absent")

    def withdraw(self, name: str, mode: WithdrawMode) -> PublishOutcome:
        for _ in range(_CONFLICT_ATTEMPTS):
            current = self._package_or_none(name)
            if current is None or current.get("state") != "active":
                return PublishOutcome(name, "absent", self.dataset_url(name))
            if mode == "delete":
                self._call("package_delete", {"id": current["id"]})
                return PublishOutcome(name, "withdrawn", self.dataset_url(name))
            if current["private"]:
                return PublishOutcome(name, "absent", self.dataset_url(name))
            try:
                self._revise(current, {"update": {"private": True}})
            except _Conflict:
                continue
            return PublishOutcome(name, "withdrawn", self.dataset_url(name))
        raise PublishError(f"CKAN {self._url}: không rút được {name}: bị sửa liên tục")

    def _apply(self, dataset: PortalDataset) -> PublishOutcome:
        self._ensure_organisation(dataset)
        current = self._package_or_none(dataset.name)
        action: Action = "unchanged"
        if current is None:
            current = self._create(dataset)
            action = "created"
        elif self._metadata_differs(current, dataset):
            update = {k: v for k, v in self._package_fields(dataset).items() if k != "name"}
            current = self._revise(current, {"update": update})
            action = "updated"
        stale = self._stale_resources(current, dataset)
        for group in upload_groups(stale, self._max_bytes):
            current = self._upload(current, dataset.name, group)
        if stale and action == "unchanged":
            action = "updated"
        uploaded = tuple(resource.name for resource in stale)
        return PublishOutcome(dataset.name, action, self.dataset_url(dataset.name), uploaded)

    def _create(self, dataset: PortalDataset) -> dict[str, Any]:
        try:
            created: dict[str, Any] = self._call("package_create", self._package_fields(dataset))
        except ckanapi.ValidationError as exc:
            if "name" in (exc.error_dict or {}):  # created meanwhile by another publisher
                raise _Conflict from exc
            raise self._refused("package_create", exc) from exc
        return created

    def _revise(self, current: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
        """package_revise, only if nobody changed the dataset since ``current`` was read."""
        match = {"id": current["id"], "metadata_modified": current["metadata_modified"]}
        return self._revise_call({"match": match, **change}, None)

    def _upload(
        self, current: dict[str, Any], name: str, resources: list[PortalResource]
    ) -> dict[str, Any]:
        """One ``package_revise`` that stores every file of ``resources``: CKAN validates and
        indexes the dataset once for all of them, not once a file."""
        held = {r["id"] for r in current.get("resources", [])}
        data: dict[str, Any] = {
            "match__id": current["id"],
            "match__metadata_modified": current["metadata_modified"],
        }
        added: list[dict[str, str]] = []
        files: dict[str, tuple[str, io.BytesIO]] = {}
        for resource in resources:
            rid = resource_id(name, resource.filename)
            fields = _resource_fields(rid, resource)
            if rid in held:
                data.update({f"update__resources__{rid}__{k}": v for k, v in fields.items()})
            else:
                added.append(fields)
            # CKAN applies ``extend`` before the other keys, so a new resource's file can be
            # addressed by its id, as an existing one's is
            upload = (resource.filename, io.BytesIO(resource.content))
            files[f"update__resources__{rid}__upload"] = upload
        if added:
            data["update__resources__extend"] = json.dumps(added, ensure_ascii=False)
        return self._revise_call(data, files)

    def _revise_call(self, data: dict[str, Any], files: dict[str, Any] | None) -> dict[str, Any]:
        try:
            revised: dict[str, Any] = self._call("package_revise", data, files)["package"]
        except ckanapi.ValidationError as exc:
            if "match" in (exc.error_dict or {}):
                raise _Conflict from exc
            raise self._refused("package_revise", exc) from exc
        return revised

    def _stale_resources(
        self, current: dict[str, Any], dataset: PortalDataset
    ) -> list[PortalResource]:
        held = {r["id"]: r for r in current.get("resources", [])}
        stale = []
        for resource in dataset.resources:
            existing = held.get(resource_id(dataset.name, resource.filename))
            if (
                existing is None
                or existing.get("hash") != resource.sha256
                or existing.get("url_type") != "upload"
                or any(str(existing.get(k)) != v for k, v in resource.extras.items())
            ):
                stale.append(resource)
        return stale

    def _check_sizes(self, dataset: PortalDataset) -> None:
        check_resource_sizes(dataset, self._max_bytes, "CKAN (ckan.max_resource_size)")

    def _ensure_organisation(self, dataset: PortalDataset) -> None:
        org = dataset.organisation
        try:
            self._call("organization_show", {"id": org.name})
            return
        except ckanapi.NotFound:
            pass
        try:
            self._call(
                "organization_create",
                {"name": org.name, "title": org.title, "description": org.description},
            )
        except ckanapi.ValidationError as exc:
            if "name" not in (exc.error_dict or {}):  # not "created meanwhile"
                raise self._refused("organization_create", exc) from exc

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
            "state": "active",
            "tags": [{"name": t} for t in dataset.tags],
            "extras": [{"key": k, "value": v} for k, v in sorted(dataset.extras.items())],
        }

    def _metadata_differs(self, current: dict[str, Any], dataset: PortalDataset) -> bool:
        wanted = self._package_fields(dataset)
        keys = ("title", "notes", "license_id", "private", "state")
        if any(current.get(k) != wanted[k] for k in keys):
            return True
        if (current.get("organization") or {}).get("name") != dataset.organisation.name:
            return True
        if sorted(t["name"] for t in current.get("tags", [])) != sorted(dataset.tags):
            return True
        extras = {e["key"]: e["value"] for e in current.get("extras", [])}
        return extras != dataset.extras

    def _refused(self, action: str, exc: ckanapi.ValidationError) -> PublishError:
        errors = {k: v for k, v in (exc.error_dict or {}).items() if k != "__type"}
        if any("too large" in str(v).lower() for v in errors.values()):
            return PublishBlocked(f"CKAN {self._url} từ chối tệp quá lớn khi {action}: {errors}")
        return PublishError(f"CKAN {self._url} không chấp nhận {action}: {errors}")

    def _call(self, action: str, data: dict[str, Any], files: dict[str, Any] | None = None) -> Any:
        try:
            return self._ckan.call_action(
                action, data, files=files, requests_kwargs={"timeout": _TIMEOUT_S}
            )
        except (ckanapi.NotFound, ckanapi.ValidationError):
            raise
        except ckanapi.NotAuthorized as exc:
            raise PublishBlocked(
                f"CKAN {self._url} từ chối quyền cho thao tác {action}: mã API"
                " (KHO_CKAN_API_TOKEN) không có quyền này với tổ chức hoặc bộ dữ liệu"
            ) from exc
        except (requests.RequestException, _ServerError) as exc:
            _unreachable(self._url, exc)
        except ckanapi.CKANAPIError as exc:
            raise PublishError(f"CKAN {self._url} lỗi khi {action}: {exc}") from exc


def upload_groups(
    resources: list[PortalResource], max_bytes: int | None
) -> list[list[PortalResource]]:
    """``resources`` in as few uploads as make sense. Small files travel together, up to
    ``GROUP_BYTES`` and the portal's limit ``max_bytes`` (CKAN's per-file limit, which a proxy
    in front of CKAN usually applies to a whole request); a larger file goes alone, since its
    bytes take longer to send than the call saves, and ckanapi holds a request's whole body in
    memory. With the limit unknown, each file goes alone."""
    if max_bytes is None:
        return [[resource] for resource in resources]
    limit = min(max_bytes, GROUP_BYTES)
    groups: list[list[PortalResource]] = []
    small: list[PortalResource] = []
    size = 0
    for resource in resources:
        length = len(resource.content)
        if length > limit:
            groups.append([resource])
            continue
        if small and size + length > limit:
            groups.append(small)
            small, size = [], 0
        small.append(resource)
        size += length
    if small:
        groups.append(small)
    return groups


def _resource_fields(rid: str, resource: PortalResource) -> dict[str, str]:
    return {
        "id": rid,
        "name": resource.name,
        "format": resource.format,
        "mimetype": resource.media_type,
        "description": resource.description,
        "hash": resource.sha256,
        "size": str(len(resource.content)),
        **resource.extras,
    }


def _unreachable(url: str, exc: Exception) -> NoReturn:
    raise PortalUnavailable("cổng dữ liệu mở CKAN", url, str(exc)[:200]) from exc
