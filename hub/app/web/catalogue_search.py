"""Searching the open-data catalogue as people type in Vietnamese: with or without diacritics.

Both the query and the datasets' text are folded the same way (``fold``: decomposed, combining
marks dropped, đ → d, case folded), then cut into words, so "do man" finds "Độ mặn". A query
word matches a dataset word that equals it, or that it begins when it has 3 letters or more
("sali" finds "salinity"); every word must match. Text in double quotes must appear as that run
of words. A dataset scores more for words in its title than in its keywords than elsewhere, and
more again when the query's words stand together in the same order.

``parse_query`` refuses a query longer than ``MAX_QUERY_CHARS`` and says what it ignored (HTML
tags, punctuation, an unclosed quote) in ``notices``, shown to the user above the results.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

MAX_QUERY_CHARS = 200
"""Longer queries are refused with a message, never truncated silently."""

PREFIX_MIN = 3
"""A query word this long or longer also matches the words it begins."""

_WORD = re.compile(r"[a-z0-9]+")
_TAG = re.compile(r"<[^<>]*>")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})
_PHRASE = re.compile(r'"([^"]*)"')
_KEPT = re.compile(r"[\w\s\-.]")  # letters, digits, spaces and the marks inside ids
_WEIGHTS = {"title": 3, "keywords": 2, "text": 1}
_NEIGHBOURS_BONUS = {"title": 5, "keywords": 3, "text": 2}

_NO_MARKS = dict.fromkeys(c for c in range(0x10000) if unicodedata.combining(chr(c)))
"""Every combining mark of the Basic Multilingual Plane, for ``str.translate`` to drop."""

T = TypeVar("T")


def fold(text: str) -> str:
    """``"Độ Mặn"`` -> ``"do man"``: compatibility-decomposed, combining marks dropped, đ/Đ
    read as d, case folded. Both sides of a search go through it."""
    return unicodedata.normalize("NFKD", text).translate(_NO_MARKS).casefold().replace("đ", "d")


def words(text: str) -> tuple[str, ...]:
    """The folded words of a text: runs of ASCII letters and digits once folded."""
    return tuple(_WORD.findall(fold(text)))


class QueryTooLong(ValueError):
    """A query over ``MAX_QUERY_CHARS`` characters."""

    def __init__(self, length: int) -> None:
        super().__init__(f"query of {length} characters, over {MAX_QUERY_CHARS}")
        self.length = length
        self.limit = MAX_QUERY_CHARS


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What a user typed, read: the folded words (every one must match), the quoted phrases
    (each a run of folded words that must appear together), and what was ignored, to say so."""

    text: str
    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    notices: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """Nothing to search for: every dataset is shown."""
        return not self.words and not self.phrases


def parse_query(raw: str) -> SearchQuery:
    """Read a search box's text. Raises QueryTooLong over ``MAX_QUERY_CHARS`` characters."""
    text = unicodedata.normalize("NFC", raw).strip()
    if len(text) > MAX_QUERY_CHARS:
        raise QueryTooLong(len(text))
    notices: list[str] = []
    rest = text.translate(_QUOTES)
    if _TAG.search(rest):
        notices.append("Đã bỏ qua thẻ HTML trong từ khoá (ví dụ <script>): thẻ không dùng để tìm.")
        rest = _TAG.sub(" ", rest)
    phrases = tuple(p for p in (words(found) for found in _PHRASE.findall(rest)) if p)
    rest = _PHRASE.sub(" ", rest)
    if phrases:
        shown = ", ".join(f"“{' '.join(p)}”" for p in phrases)
        notices.append(f"Cụm từ trong ngoặc kép phải xuất hiện liền nhau: {shown}.")
    if '"' in rest:
        notices.append("Dấu ngoặc kép chưa được đóng nên đã bỏ qua; tìm theo từng từ.")
        rest = rest.replace('"', " ")
    ignored = sorted({c for c in rest if not _KEPT.match(c)})
    if ignored:
        notices.append("Đã bỏ qua các ký tự không dùng để tìm: " + " ".join(ignored) + ".")
    found = words(rest)
    if text and not found and not phrases:
        notices.append("Từ khoá không có chữ hay số nào để tìm; đang hiện mọi bộ dữ liệu.")
    return SearchQuery(text, found, phrases, tuple(notices))


@dataclass(frozen=True, slots=True)
class SearchText:
    """A dataset's text as search reads it, folded once: its title (both languages), its
    keywords, and the rest (id, descriptions, owner, field names...)."""

    title: tuple[str, ...]
    keywords: tuple[str, ...]
    text: tuple[str, ...]

    @classmethod
    def of(cls, title: Iterable[str], keywords: Iterable[str], text: Iterable[str]) -> SearchText:
        return cls(_words_of(title), _words_of(keywords), _words_of(text))


def _words_of(texts: Iterable[str]) -> tuple[str, ...]:
    """Each text's words, a boundary word between texts so that no phrase spans two."""
    joined: list[str] = []
    for text in texts:
        joined.extend(words(text))
        joined.append("|")
    return tuple(joined)


def score(query: SearchQuery, document: SearchText) -> int:
    """How well the document answers the query; 0 when it does not (a word or a phrase is
    missing). An empty query scores 1 on everything."""
    if query.empty:
        return 1
    fields = {"title": document.title, "keywords": document.keywords, "text": document.text}
    total = 0
    for word in query.words:
        found = _best(_WEIGHTS, fields, partial(_has_word, word=word))
        if found == 0:
            return 0
        total += found
    for phrase in query.phrases:
        found = _best(_WEIGHTS, fields, partial(_has_run, run=phrase))
        if found == 0:
            return 0
        total += 2 * found * len(phrase)
    if len(query.words) > 1:
        total += _best(_NEIGHBOURS_BONUS, fields, partial(_has_run, run=query.words))
    return total


def search(query: SearchQuery, documents: Sequence[tuple[T, SearchText]]) -> list[T]:
    """The items whose documents match, best first; ties keep the order given."""
    scored = [(score(query, doc), index, item) for index, (item, doc) in enumerate(documents)]
    ranked = sorted((s for s in scored if s[0] > 0), key=lambda s: (-s[0], s[1]))
    return [item for _, _, item in ranked]


def _best(
    weights: Mapping[str, int],
    fields: Mapping[str, tuple[str, ...]],
    holds: Callable[[tuple[str, ...]], bool],
) -> int:
    """The highest weight of the fields where ``holds``; 0 when none."""
    return max((weights[name] for name, ws in fields.items() if holds(ws)), default=0)


def _has_word(document: tuple[str, ...], word: str) -> bool:
    if len(word) >= PREFIX_MIN:
        return any(w.startswith(word) for w in document)
    return word in document


def _has_run(document: tuple[str, ...], run: tuple[str, ...]) -> bool:
    """Whether the words stand together, in this order, in the document (whole words)."""
    size = len(run)
    return any(document[i : i + size] == run for i in range(len(document) - size + 1))
