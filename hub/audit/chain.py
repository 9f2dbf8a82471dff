"""How an entry is chained to the one before: SHA-256 over the previous hash and a canonical
JSON of the entry's fields.

Canonical JSON: keys sorted, no whitespace, UTF-8 text left unescaped (``ensure_ascii=False``),
times as ISO 8601 in UTC with microseconds. The first entry's previous hash is 64 zeros.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

GENESIS_HASH: Final = "0" * 64


def canonical_json(value: object) -> str:
    """The one text a JSON value hashes as. Dates and times become ISO 8601; other values JSON
    does not know become their ``str``."""
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_plain,
    )


def canonical_details(details: Mapping[str, Any] | None) -> str:
    """The details of an entry as stored: canonical JSON of an object (``{}`` when none)."""
    return canonical_json(dict(details or {}))


def utc_iso(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: audit times are aware")
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True, slots=True)
class Content:
    """The fields of an entry that its hash covers, besides the previous hash."""

    seq: int
    at: dt.datetime
    actor: str
    actor_agency: str | None
    action: str
    dataset: str | None
    details: str
    """The stored canonical JSON text of the details object."""

    def digest(self, prev_hash: str) -> str:
        """The entry's hash when it follows the entry whose hash is ``prev_hash``."""
        try:
            details: object = json.loads(self.details)
        except ValueError:
            details = self.details  # altered into something that is not JSON: cannot match
        document = {
            "seq": self.seq,
            "at": utc_iso(self.at),
            "actor": self.actor,
            "actor_agency": self.actor_agency,
            "action": self.action,
            "dataset": self.dataset,
            "details": details,
        }
        text = prev_hash + canonical_json(document)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plain(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)
