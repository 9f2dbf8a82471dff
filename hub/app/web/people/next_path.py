"""Where to go after signing in: a path on this hub only, never another site."""

from __future__ import annotations

from urllib.parse import urlsplit

HOME = "/"
_MAX_LENGTH = 2000


def local_path(value: str | None) -> str:
    """``value`` when it is a path on this hub (``/x?y``), else ``/``. Refused: absolute URLs,
    scheme-relative ``//host``, backslashes (browsers read ``/\\host`` as a host), control
    characters, and anything too long."""
    if not value or len(value) > _MAX_LENGTH or not value.startswith("/"):
        return HOME
    if (
        value.startswith("//")
        or "\\" in value
        or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value)
    ):
        return HOME
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return HOME
    return value
