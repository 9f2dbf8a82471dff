"""The registry port over HTTP, for any Confluent-compatible schema registry (Confluent's own,
or another hub's ``/registry``). The only module of the registry that imports ``httpx``.

Schemas never change behind an id, so each id's text is fetched once; a schema registered once
under a subject is not sent again. Every HTTP failure becomes a registry error here, in
``_raise_for``: a Confluent ``error_code`` maps back to the same refusal the hub's own registry
raises (the table of ``hub.registry.errors``).
"""

from __future__ import annotations

import json
from typing import Any, NoReturn
from urllib.parse import quote

import httpx

from hub.registry.errors import (
    INVALID_SCHEMA,
    REFUSALS_BY_CODE,
    RegistryUnavailable,
    refusal_from,
)
from hub.registry.port import RegistryError, SchemaId, Subject
from hub.registry.store import fingerprint

MEDIA_TYPE = "application/vnd.schemaregistry.v1+json"
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=3.0)
_UNAVAILABLE_STATUSES = frozenset({502, 503, 504})


class ConfluentRegistryClient:
    """A SchemaRegistry on a Confluent-compatible REST API at ``url`` (may carry a path)."""

    def __init__(
        self,
        url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        base = httpx.URL(url.rstrip("/") + "/")
        # user:password in the URL is sent as HTTP Basic (for the hub: any user, a token)
        auth = httpx.BasicAuth(base.username, base.password) if base.password else None
        base = base.copy_with(username=None, password=None)
        self._where = str(base).rstrip("/")
        self._client = httpx.Client(
            base_url=base,
            auth=auth,
            transport=transport,
            timeout=timeout,
            headers={"Accept": f"{MEDIA_TYPE}, application/json"},
        )
        self._by_id: dict[int, str] = {}
        self._registered: dict[tuple[str, str], SchemaId] = {}

    @property
    def description(self) -> str:
        return f"sổ đăng ký lược đồ {self._where}"

    def register(self, subject: Subject | str, schema_text: str) -> SchemaId:
        try:
            key = (str(subject), fingerprint(schema_text))
        except json.JSONDecodeError as exc:
            raise INVALID_SCHEMA(reason=f"Lược đồ không phải JSON hợp lệ: {exc}") from exc
        if key in self._registered:
            return self._registered[key]
        body = self._call(
            "POST",
            f"subjects/{quote(str(subject), safe='')}/versions",
            {"schema": schema_text, "schemaType": "AVRO"},
        )
        schema_id = SchemaId(int(_field(body, "id", self._where)))
        self._registered[key] = schema_id
        return schema_id

    def schema_text(self, schema_id: SchemaId | int) -> str:
        if schema_id not in self._by_id:
            body = self._call("GET", f"schemas/ids/{int(schema_id)}")
            self._by_id[int(schema_id)] = str(_field(body, "schema", self._where))
        return self._by_id[schema_id]

    def ping(self) -> None:
        """One cheap call (the global compatibility level): raises when the registry does not
        answer. For readiness checks."""
        self._call("GET", "config")

    def close(self) -> None:
        self._client.close()

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        content = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {} if body is None else {"Content-Type": MEDIA_TYPE}
        try:
            response = self._client.request(method, path, content=content, headers=headers)
        except httpx.TimeoutException as exc:
            raise RegistryUnavailable(
                "sổ đăng ký lược đồ", self._where, "hết thời gian chờ"
            ) from exc
        except httpx.TransportError as exc:
            raise RegistryUnavailable(
                "sổ đăng ký lược đồ", self._where, type(exc).__name__
            ) from exc
        if not response.is_success:
            _raise_for(response, self._where)
        try:
            return response.json()
        except ValueError as exc:
            raise RegistryError(
                f"Sổ đăng ký lược đồ {self._where} trả lời không phải JSON ({method} {path})"
            ) from exc


def _raise_for(response: httpx.Response, where: str) -> NoReturn:
    """The registry error for a failed answer, in one place."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = {}
    code = body.get("error_code") if isinstance(body, dict) else None
    message = str(body.get("message") or response.reason_phrase) if isinstance(body, dict) else ""
    if status in _UNAVAILABLE_STATUSES:
        raise RegistryUnavailable("sổ đăng ký lược đồ", where, f"HTTP {status}")
    kind = REFUSALS_BY_CODE.get(code) if isinstance(code, int) else None
    if kind is not None:
        raise refusal_from(kind, message)
    if status in (401, 403):
        raise RegistryError(f"Sổ đăng ký lược đồ {where} từ chối quyền truy cập (HTTP {status})")
    raise RegistryError(f"Sổ đăng ký lược đồ {where} trả lỗi HTTP {status} (mã {code}): {message}")


def _field(body: Any, name: str, where: str) -> Any:
    if not isinstance(body, dict) or name not in body:
        raise RegistryError(f"Sổ đăng ký lược đồ {where} trả lời thiếu trường {name!r}")
    return body[name]
