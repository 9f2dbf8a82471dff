"""The shared-database catalogue (danh mục CSDL dùng chung), declared in YAML."""

from hub.catalogue.loader import load_catalogue
from hub.catalogue.models import (
    Agency,
    Catalogue,
    Classification,
    ContractRule,
    DatasetEntry,
    LocalizedText,
    OpenProjection,
)

__all__ = [
    "Agency",
    "Catalogue",
    "Classification",
    "ContractRule",
    "DatasetEntry",
    "LocalizedText",
    "OpenProjection",
    "load_catalogue",
]
