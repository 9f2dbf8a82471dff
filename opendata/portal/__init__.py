"""The open-data portal port and its adapters: CKAN, and a local folder."""

from opendata.portal.factory import open_portal
from opendata.portal.port import (
    OpenDataPortal,
    PortalDataset,
    PortalOrganisation,
    PortalResource,
    PublishOutcome,
)

__all__ = [
    "OpenDataPortal",
    "PortalDataset",
    "PortalOrganisation",
    "PortalResource",
    "PublishOutcome",
    "open_portal",
]
