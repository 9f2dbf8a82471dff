"""One Kafka user per agency: ``User:<agency id>``, with a SCRAM-SHA-512 password from Kho."""

from __future__ import annotations

import secrets
from typing import Protocol

from hub.catalogue.loader import LoadedCatalogue
from hub.errors import ConfigurationError


class CredentialAdmin(Protocol):
    def set_scram_password(self, user: str, password: str) -> None: ...


def new_password() -> str:
    """32 URL-safe characters (192 bits): usable as is in a kafka:// URL and a JAAS string."""
    return secrets.token_urlsafe(24)


def set_agency_password(admin: CredentialAdmin, loaded: LoadedCatalogue, agency: str) -> str:
    """Create or rotate the agency's Kafka credential and return the new password, which Kho
    does not keep. Refuses an agency the catalogue does not list."""
    try:
        loaded.catalogue.agency(agency)
    except KeyError:
        raise ConfigurationError(f"Cơ quan {agency!r} không có trong danh mục") from None
    password = new_password()
    admin.set_scram_password(agency, password)
    return password
