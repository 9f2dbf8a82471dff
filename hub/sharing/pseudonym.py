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
import os
import secrets
from pathlib import Path

from hub.errors import ConfigurationError

PREFIX = "ps_"
_KEY_BYTES = 32


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
    if configured:
        try:
            key = bytes.fromhex(configured)
        except ValueError:
            raise ConfigurationError("KHO_PSEUDONYM_KEY phải là chuỗi hex (64 ký tự)") from None
        if len(key) < _KEY_BYTES:
            raise ConfigurationError("KHO_PSEUDONYM_KEY phải dài ít nhất 64 ký tự hex")
        return key
    path = data_dir / "pseudonym.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(_KEY_BYTES))
    return load_pseudonym_key(path.read_text().strip(), data_dir)
