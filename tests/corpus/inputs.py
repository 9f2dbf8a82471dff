"""The corpus as the tests use it: bad values (``data/values.yaml``), bad bodies
(``data/bodies.yaml`` and ``data/bodies/``) and bad path parameters (``data/path_params.yaml``),
each with the outcome it must get."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

DATA = Path(__file__).parent / "data"
Expect = Literal["accepted", "refused"]
Target = Literal["text", "key", "number", "code"]


@dataclass(frozen=True)
class BadValue:
    name: str
    target: Target
    json_text: str
    """The value as JSON text, spliced into a body as it is (NaN, 1e400 and lone surrogates
    survive only this way)."""
    expect: Expect
    json_only: bool

    @property
    def value(self) -> Any:
        return json.loads(self.json_text)

    def cell_text(self) -> str:
        """The value as a spreadsheet cell holds it: text as it is, a number as its digits."""
        value = self.value
        return value if isinstance(value, str) else self.json_text


@dataclass(frozen=True)
class BadBody:
    name: str
    expect: Expect
    file: str | None = None
    from_valid: str | None = None
    generate: dict[str, Any] | None = None

    def applies_to(self, valid: bytes) -> bool:
        """Whether the body can be made from ``valid``: an encoding case needs non-ASCII text
        to mis-encode (a consent's body has none)."""
        return self.from_valid not in _NEEDS_TEXT or not valid.isascii()

    def content(self, valid: bytes, limit: int) -> bytes:
        """The body's bytes; ``valid``: the path's valid body (with non-ASCII text), ``limit``:
        the path's body size limit."""
        if self.file is not None:
            return (DATA / self.file).read_bytes()
        if self.generate is not None:
            g = self.generate
            middle = str(g.get("middle", "")) * int(g.get("middle_times", 1))
            return (g["open"] * g["times"] + middle + g["close"] * g["times"]).encode()
        return _from_valid(str(self.from_valid), valid, limit)


_NEEDS_TEXT = {"truncate-in-char", "cp1258", "mixed-encodings"}


def _from_valid(how: str, valid: bytes, limit: int) -> bytes:
    text = valid.decode("utf-8")
    if how == "truncate":
        return valid[: len(valid) // 2]
    if how == "truncate-in-char":
        first = next(i for i, byte in enumerate(valid) if byte >= 0x80)
        return valid[: first + 1]
    if how == "cp1258":
        return windows_1258(text)
    if how == "mixed-encodings":
        last = max(i for i, c in enumerate(text) if not c.isascii())  # its last letter in 1258
        return text[:last].encode("utf-8") + windows_1258(text[last:])
    if how == "utf8-bom":
        return b"\xef\xbb\xbf" + valid
    if how == "over-limit":
        padding = b" " * (limit + 1 - len(valid))
        return valid[:-1] + padding + valid[-1:]
    raise ValueError(f"unknown from_valid {how!r}")


def windows_1258(text: str) -> bytes:
    """Vietnamese as Windows-1258 writes it: a base letter it has (â, ơ, đ...) followed by a
    combining tone mark ("ấ" as "â" + U+0301), which Python's cp1258 codec does not compose."""
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", char)
            tones = "".join(c for c in decomposed if c in _TONE_MARKS)
            base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in tones))
            out += (base + tones).encode("cp1258", "replace")
    return bytes(out)


_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
"""Grave, acute, tilde, hook above, dot below: Windows-1258 writes them after the letter."""


def _generated_text(spec: dict[str, Any]) -> str:
    return json.dumps(str(spec["repeat"]) * int(spec["times"]), ensure_ascii=False)


def bad_values() -> list[BadValue]:
    listed = yaml.safe_load((DATA / "values.yaml").read_text(encoding="utf-8"))["values"]
    return [
        BadValue(
            name=v["name"],
            target=v["target"],
            json_text=v["json"] if "json" in v else _generated_text(v["generate"]),
            expect=v["expect"],
            json_only=bool(v.get("json_only", False)),
        )
        for v in listed
    ]


def bad_bodies() -> list[BadBody]:
    listed = yaml.safe_load((DATA / "bodies.yaml").read_text(encoding="utf-8"))["bodies"]
    return [
        BadBody(
            name=b["name"],
            expect=b.get("expect", "refused"),
            file=b.get("file"),
            from_valid=b.get("from_valid"),
            generate=b.get("generate"),
        )
        for b in listed
    ]


def bad_path_params() -> list[str]:
    listed = yaml.safe_load((DATA / "path_params.yaml").read_text(encoding="utf-8"))
    return [str(p) for p in listed["path_params"]]


def splice(document: dict[str, Any], field: str, value: BadValue) -> bytes:
    """``document`` as UTF-8 JSON with ``field`` replaced by the value's JSON text."""
    marker = "\x01corpus\x01"
    text = json.dumps({**document, field: marker}, ensure_ascii=False)
    spliced = text.replace(json.dumps(marker), value.json_text)
    return spliced.encode("utf-8", "surrogatepass")
