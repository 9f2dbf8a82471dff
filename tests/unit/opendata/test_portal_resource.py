"""A portal file's SHA-256 is computed once, also across the copy that gets its DCAT extras."""

from __future__ import annotations

import hashlib

import pytest

from opendata.portal import port
from opendata.portal.port import PortalResource

CONTENT = "mã hồ sơ,trạng thái\n".encode() * 1000


def resource() -> PortalResource:
    return PortalResource("a.csv", "a.csv", CONTENT, "CSV", "text/csv", "Tệp | File")


def test_the_copy_with_extras_keeps_the_hash_computed_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hashed: list[int] = []
    real = port.sha256_hex

    def counted(content: bytes) -> str:  # a spy on the real function
        hashed.append(len(content))
        return real(content)

    monkeypatch.setattr(port, "sha256_hex", counted)
    first = resource()
    assert first.sha256 == hashlib.sha256(CONTENT).hexdigest()
    described = first.with_extras({"rights": "CC-BY-4.0"})
    assert described.sha256 == first.sha256 and described.content is first.content
    assert described.extras == {"rights": "CC-BY-4.0"} and first.extras == {}
    assert hashed == [len(CONTENT)]  # once, not once per copy


def test_a_copy_made_before_any_hash_computes_its_own() -> None:
    described = resource().with_extras({"rights": "CC-BY-4.0"})
    assert "sha256" not in described.__dict__
    assert described.sha256 == hashlib.sha256(CONTENT).hexdigest()
