"""Choose the portal adapter from a URL in the settings."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from hub.errors import ConfigurationError
from opendata.portal.port import OpenDataPortal


def open_portal(
    url: str, api_token: SecretStr | None, *, max_resource_bytes: int | None = None
) -> OpenDataPortal:
    """``folder:<directory>`` or ``ckan+http(s)://host[:port]`` (needs an API token)."""
    if url.startswith("folder:"):
        from opendata.portal.folder import FolderPortal

        root = Path(url.removeprefix("folder:").removeprefix("//"))
        return FolderPortal(root, max_resource_bytes=max_resource_bytes)
    if url.startswith(("ckan+http://", "ckan+https://")):
        from opendata.portal.ckan import CkanPortal

        if api_token is None or not api_token.get_secret_value():
            raise ConfigurationError("Cổng CKAN cần mã API: đặt KHO_CKAN_API_TOKEN")
        return CkanPortal(
            url.removeprefix("ckan+"),
            api_token.get_secret_value(),
            max_resource_bytes=max_resource_bytes,
        )
    raise ConfigurationError(
        f"KHO_PORTAL_URL không hợp lệ: {url!r}; dùng folder:<thư mục> hoặc ckan+http://host:port"
    )
