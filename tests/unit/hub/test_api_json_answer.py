"""The API's JSON answers: Vietnamese readable as UTF-8, compact, and a lone surrogate (which
UTF-8 cannot carry) as its JSON escape rather than a failed answer."""

from __future__ import annotations

import json

from hub.app.api.errors import VietnameseJSONResponse


def test_vietnamese_text_is_utf8_and_compact() -> None:
    body = VietnameseJSONResponse({"tên": "Sở Y tế", "số": [1, 2.5, None, True]}).body
    assert body == '{"tên":"Sở Y tế","số":[1,2.5,null,true]}'.encode()


def test_the_same_json_as_the_standard_library_gives() -> None:
    content = {"a": '\x00\x1f"\\/ \u2028', "n": 10**30, "f": 0.1, "nested": {"k": ["v"]}}
    expected = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
    assert VietnameseJSONResponse(content).body == expected


def test_a_lone_surrogate_is_answered_as_its_escape() -> None:
    body = VietnameseJSONResponse({"giá trị": "a\ud800b"}).body
    assert body == '{"giá trị":"a\\ud800b"}'.encode()
    assert json.loads(bytes(body)) == {"giá trị": "a\ud800b"}
