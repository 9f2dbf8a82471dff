"""Signed anchors of the chain's head, kept where the database cannot rewrite them.

A chain proves nothing about its own length, and whoever can rewrite the table can recompute
every hash after an edit. An *anchor* closes both gaps: ``{seq, hash, count, at}`` of the head
at some moment, signed with an Ed25519 key the database never holds, appended to a store the
database cannot rewrite. ``verify`` reads the latest anchors back and reports a log shorter
than one (truncated) or whose entry at an anchored ``seq`` has another hash (recomputed).

- Ed25519, not HMAC: checking an anchor needs only the public key, so a host that verifies
  (``KHO_AUDIT_ANCHOR_PUBLIC_KEY``) cannot forge one; the private key file
  (``KHO_AUDIT_ANCHOR_KEY_FILE``, PKCS#8 PEM, created readable by its owner only on first use)
  stays with the processes that append.
- ``count`` is how many entries the log held: the log numbers them 1, 2, 3… without gaps, so it
  equals ``seq``; it is signed on its own so that a reader need not know that rule.
- An anchor whose signature does not check is *forged*: reported, never trusted.

The store is a port: ``FileAnchors`` here (a JSON-lines file opened for appending only, the
embedded defaults' store), ``anchor_topic.TopicAnchors`` for a Kafka topic in production.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from hub.audit.chain import canonical_json, utc_iso
from hub.audit.verify import ChainHead
from hub.errors import ConfigurationError

# cryptography (~45 ms to import) is imported when a key is used, not by every command that
# appends to the log.
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

RECENT = 1000
"""How many of the newest anchors ``verify`` reads back."""


@dataclass(frozen=True, slots=True)
class Anchor:
    """The head of the log at ``at``: entry ``seq`` with ``hash``, ``count`` entries in all."""

    seq: int
    hash: str
    count: int
    at: dt.datetime

    @property
    def head(self) -> ChainHead:
        return ChainHead(self.seq, self.hash)

    def payload(self, key_id: str) -> dict[str, object]:
        return {
            "seq": self.seq,
            "hash": self.hash,
            "count": self.count,
            "at": utc_iso(self.at),
            "key": key_id,
        }


@dataclass(frozen=True, slots=True)
class ReadAnchor:
    """One stored anchor as read back: the anchor when its signature checks, else why not."""

    where: str
    """Where it is stored (``dòng 3``, ``offset 17``), for the report."""
    anchor: Anchor | None
    problem: str | None = None


class AnchorStore(Protocol):
    """Where anchors are appended and read back; the database cannot write there."""

    @property
    def description(self) -> str: ...

    def append(self, record: bytes) -> None: ...

    def recent(self, limit: int) -> list[tuple[str, bytes]]:
        """The newest ``limit`` records, oldest first, each with where it is stored."""
        ...

    def close(self) -> None: ...


def key_id(public: Ed25519PublicKey) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_hex(public: Ed25519PublicKey) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()


def sign(anchor: Anchor, private: Ed25519PrivateKey) -> bytes:
    """The record stored for ``anchor``: its payload and the signature over its canonical JSON."""
    payload = anchor.payload(key_id(private.public_key()))
    signature = private.sign(canonical_json(payload).encode("utf-8"))
    return canonical_json({"anchor": payload, "signature": signature.hex()}).encode("utf-8")


def check(record: bytes, public: Ed25519PublicKey, where: str) -> ReadAnchor:
    """The anchor in ``record`` if it is well formed and signed by ``public``."""
    from cryptography.exceptions import InvalidSignature

    try:
        document = json.loads(record)
        payload = document["anchor"]
        signature = bytes.fromhex(document["signature"])
        public.verify(signature, canonical_json(payload).encode("utf-8"))
    except InvalidSignature:
        return ReadAnchor(where, None, "chữ ký không khớp khoá công khai của Kho")
    except (ValueError, TypeError, KeyError, AttributeError):
        return ReadAnchor(where, None, "không phải một mốc đã ký (JSON sai dạng)")
    try:
        anchor = Anchor(
            seq=_positive(payload["seq"]),
            hash=str(payload["hash"]),
            count=_positive(payload["count"]),
            at=dt.datetime.fromisoformat(payload["at"]),
        )
    except (ValueError, TypeError, KeyError):
        return ReadAnchor(where, None, "chữ ký đúng nhưng nội dung sai dạng")
    return ReadAnchor(where, anchor)


def _positive(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{value!r} is not a positive integer")
    return value


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The signing key in ``path`` (PKCS#8 PEM), created readable by its owner only on first
    use."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(f"Tệp khoá ký mốc {path} không đọc được: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(f"Tệp khoá ký mốc {path} không phải khoá Ed25519")
    return key


def parse_public_key(text: str) -> Ed25519PublicKey:
    """A public key given as 64 hex characters (``KHO_AUDIT_ANCHOR_PUBLIC_KEY``)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(text.strip()))
    except ValueError:
        raise ConfigurationError(
            "KHO_AUDIT_ANCHOR_PUBLIC_KEY phải là khoá công khai Ed25519: 64 ký tự hex"
        ) from None


class FileAnchors:
    """Anchors as JSON lines in a file opened for appending only: the embedded defaults' store.
    Whoever can write ``data_dir`` can rewrite it, as they can the SQLite database; production
    keeps anchors on a Kafka topic (``anchor_topic``)."""

    def __init__(self, path: Path) -> None:
        self._path = path

    @property
    def description(self) -> str:
        return f"tệp {self._path}"

    def append(self, record: bytes) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, record.replace(b"\n", b" ") + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)

    def recent(self, limit: int) -> list[tuple[str, bytes]]:
        if not self._path.exists():
            return []
        lines = self._path.read_bytes().splitlines()
        numbered = [(f"dòng {n}", line) for n, line in enumerate(lines, 1) if line.strip()]
        return numbered[-limit:]

    def close(self) -> None:
        pass  # nothing held open between calls


def checked(records: Sequence[tuple[str, bytes]], public: Ed25519PublicKey) -> list[ReadAnchor]:
    return [check(record, public, where) for where, record in records]
