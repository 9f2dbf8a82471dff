"""The name a publication goes by on the portal, derived from its id."""

from __future__ import annotations

import re
import unicodedata


def portal_name(publication_id: str) -> str:
    """A CKAN-safe name from a publication id: 'tthc.dossiers' -> 'tthc-dossiers'."""
    ascii_only = unicodedata.normalize("NFKD", publication_id).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9-]+", "-", ascii_only.lower()).strip("-")[:100]
