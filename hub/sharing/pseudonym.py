"""Keyed pseudonyms: the same value always gives the same pseudonym under one key, so masked
records can still be joined (a CCCD in dossiers and in feedback), but without the key nobody
can go back to the value or test a guess.

HMAC-SHA256 with a 32-byte secret. In production the key comes from ``KHO_PSEUDONYM_KEY``
(64 hex characters) and is shared by every hub process; on the embedded defaults it is created
once in ``<data_dir>/pseudonym.key``. Changing the key changes every pseudonym.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

from hub.errors import ConfigurationError
from hub.secret_keys import KEY_BYTES as _KEY_BYTES
from hub.secret_keys import load_hex_key

PREFIX = "ps_"


class Pseudonymiser:
    def __init__(self, key: bytes) -> None:
        if len(key) < _KEY_BYTES:
            raise ConfigurationError(f"Khoá bí danh phải dài ít nhất {_KEY_BYTES} byte")
        self._key = key

    def pseudonym(self, value: str) -> str:
        """``ps_`` and 26 base32 characters (130 bits of the HMAC)."""
        digest = hmac.new(self._key, value.encode("utf-8"), hashlib.sha256).digest()
        return PREFIX + base64.b32encode(digest).decode("ascii")[:26].lower()


def load_pseudonym_key(configured: str | None, data_dir: Path) -> bytes:
    """The configured key (hex), or the embedded key file, created on first use."""
    return load_hex_key(configured, data_dir / "pseudonym.key", setting="KHO_PSEUDONYM_KEY")
