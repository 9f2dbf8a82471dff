"""``mask_text`` skips the patterns a text cannot match: what it writes is what the four
substitutions write on every text."""

from __future__ import annotations

import pytest

from hub.logs.secrets import (
    _ASSIGNED,
    _BEARER,
    _QUERY_SECRET,
    _URL_PASSWORD,
    MASK,
    mask_secrets,
    mask_text,
)


def _every_pattern(text: str) -> str:
    text = _URL_PASSWORD.sub(rf"\g<head>{MASK}\g<at>", text)
    text = _QUERY_SECRET.sub(rf"\g<head>{MASK}", text)
    text = _BEARER.sub(rf"\g<head>{MASK}", text)
    return _ASSIGNED.sub(rf"\g<head>{MASK}", text)


SAMPLES = [
    "GET",
    "/api/v1/subjects/001203004567/prefill",
    "/api/v1/subjects/001203004567/prefill?procedure=1.003614",
    "/dang-nhap/xong?code=abc123&state=xyz",
    "postgresql://kho:s3cret@127.0.0.1:15432/kho",
    "kafka://user:pw@broker",
    "Authorization: Bearer kho_0123456789ab_secret",
    "BASIC dXNlcjpwYXNz",
    "bearer kho_abc",
    "token=abc",
    'api_key: "xyz"',
    "password:hunter2",
    "client_secret = q",
    "so-yt",
    "Mã truy cập không đúng",
    "a@b",
    "no secrets here: just a colon",
    "",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_the_shortcuts_write_what_every_pattern_writes(text: str) -> None:
    assert mask_text(text) == _every_pattern(text)


def test_the_samples_hold_secrets_that_are_masked() -> None:
    masked = [mask_text(text) for text in SAMPLES]
    assert sum(MASK in text for text in masked) >= 10
    assert not any("hunter2" in text or "s3cret" in text for text in masked)


def test_a_field_named_for_a_secret_is_masked_every_time() -> None:
    for _ in range(3):  # the name's verdict is remembered
        event = mask_secrets(None, "info", {"token": "kho_x_y", "route": "/api/v1/me"})
        assert event == {"token": MASK, "route": "/api/v1/me"}
