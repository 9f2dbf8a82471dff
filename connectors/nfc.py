"""Source text in Unicode NFC, the form the mappings, the converters and the schemas use.

Vietnamese text saved on macOS, or by some older systems, arrives decomposed (NFD): "Không"
as "Kho\u0302ng", which looks the same but equals no NFC string. Every cell, header and key a
connector reads passes through ``nfc`` before it is compared or converted, as the ingest API
normalises every string of a JSON record.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import TypeVar

_V = TypeVar("_V")


def nfc(text: str) -> str:
    """The text in NFC; the same object when it already is (nothing is copied)."""
    return unicodedata.normalize("NFC", text)


def nfc_keys(cells: Mapping[str, _V]) -> dict[str, _V]:
    """The mapping with its keys in NFC (a JSON object's field names, as a mapping names them)."""
    return {nfc(key) if isinstance(key, str) else key: value for key, value in cells.items()}
