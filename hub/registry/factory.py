"""Choose the registry adapter from ``registry_url`` in the settings."""

from __future__ import annotations

import sqlalchemy as sa

from hub.errors import ConfigurationError
from hub.logs.secrets import shown_url
from hub.registry.port import SchemaRegistry


def open_registry(url: str, engine: sa.Engine) -> SchemaRegistry:
    """``embedded``: the hub's own registry in its database; ``http(s)://host:port[/path]``:
    an external Confluent-compatible registry."""
    if url == "embedded":
        from hub.registry.embedded import DatabaseSchemaRegistry

        return DatabaseSchemaRegistry(engine)
    if url.startswith(("http://", "https://")):
        from hub.registry.http import ConfluentRegistryClient

        return ConfluentRegistryClient(url)
    raise ConfigurationError(
        f"KHO_REGISTRY_URL không hợp lệ: {shown_url(url)!r}; dùng embedded hoặc"
        " http(s)://máy:cổng[/đường-dẫn]"
    )
