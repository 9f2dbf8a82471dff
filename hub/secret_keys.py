"""Secret keys the hub's processes share: given in a setting (hex), or on the embedded
defaults created once in a file under ``data_dir``, readable by its owner only."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from hub.errors import ConfigurationError

KEY_BYTES = 32


def load_hex_key(configured: str | None, key_file: Path, *, setting: str) -> bytes:
    """The configured key, or the key file's, created on first use. ``setting`` names the
    environment variable in messages."""
    if configured:
        try:
            key = bytes.fromhex(configured)
        except ValueError:
            raise ConfigurationError(f"{setting} phải là chuỗi hex (64 ký tự)") from None
        if len(key) < KEY_BYTES:
            raise ConfigurationError(f"{setting} phải dài ít nhất {2 * KEY_BYTES} ký tự hex")
        return key
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(KEY_BYTES))
    return load_hex_key(key_file.read_text().strip(), key_file, setting=setting)
