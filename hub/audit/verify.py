"""Walking the chain: the first entry that was modified, deleted or moved, named in words.

The walk reads entries in ``seq`` order and knows everything before the current one is intact.
For the entry at position ``n`` it asks two questions: does its hash match its own content
(``seq`` included), and does its previous hash match the hash of entry ``n - 1``?

- a gap in ``seq``: the missing entries were **deleted**;
- the link holds but the content does not: entry ``n`` was **modified** in place;
- the link is broken and the entry that should follow ``n - 1`` (the one whose previous hash is
  its hash) sits at another position: the entries were **reordered**;
- the link is broken and entry ``n`` follows an entry ``k`` further back (its previous hash is
  the hash of ``k``): entries ``k + 1`` to ``n - 1`` were **inserted** (and the rest renumbered);
- the link is broken and that entry is nowhere: entries were **deleted and the rest renumbered**
  (or the entry was altered with its link);
- the link is broken but the entry is consistent in itself: entry ``n - 1`` was **modified and
  its hash recomputed**;
- a stored value no append could have written (a time that does not parse, NULL where a value
  is required, a number where text belongs, details that are not a JSON object): the entry was
  **modified**, and the report names the column and what it holds (``UnreadableEntry``, made by
  ``stored``), instead of the walk failing on it.

A chain proves nothing about its own length: entries cut from the end leave a shorter, valid
chain, and a chain recomputed from an edited entry is valid too. Heads kept elsewhere close
both gaps: the signed anchors (``anchor``) and an expected head ``SEQ:HASH`` given by hand
(every successful verify prints one). The log must reach the highest of them (else it was
**truncated**), and its entry at each anchored ``seq`` must have the anchored hash (else it
**diverged**: rewritten from an entry after the last anchor it still matches).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from hub.audit.chain import GENESIS_HASH, Content
from hub.errors import KhoError

_HEAD = re.compile(r"^\s*(\d{1,19})\s*:\s*([0-9a-fA-F]{64})\s*$")
_RECENT_HASHES = 4096
"""How far back the walk looks for the entry an entry follows, to name inserted entries."""


class AuditError(KhoError):
    """A request to the audit log that cannot be carried out as given."""


@dataclass(frozen=True, slots=True)
class ChainHead:
    """An entry's position and hash, written ``SEQ:HASH``: enough to anchor the chain."""

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> ChainHead:
        match = _HEAD.match(text)
        if match is None or int(match.group(1)) < 1:
            raise AuditError(
                f"Mốc {text!r} không hợp lệ: cần dạng SỐ_THỨ_TỰ:BĂM (băm SHA-256 gồm 64 ký tự"
                " hex), như kho audit verify đã in"
            )
        return cls(int(match.group(1)), match.group(2).lower())


class Problem(StrEnum):
    MODIFIED = "modified"
    DELETED = "deleted"
    INSERTED = "inserted"
    REORDERED = "reordered"
    TRUNCATED = "truncated"
    DIVERGED = "diverged"


@dataclass(frozen=True, slots=True)
class Breach:
    """The first entry found not to be what was written, and why (in Vietnamese)."""

    seq: int
    problem: Problem
    message: str


@dataclass(frozen=True, slots=True)
class VerifyReport:
    checked: int
    """How many entries were found intact, from the first."""
    head: ChainHead | None
    """The last intact entry (the head of the log when ``ok``); None when there is none."""
    breach: Breach | None = None
    anchored: ChainHead | None = None
    """The newest signed anchor checked against, when there is one."""
    forged: tuple[str, ...] = ()
    """Anchors whose signature does not check, in Vietnamese: reported, never trusted."""

    @property
    def ok(self) -> bool:
        return self.breach is None

    @property
    def first_bad_seq(self) -> int | None:
        return self.breach.seq if self.breach else None


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """An entry as read from the table, before anything is trusted."""

    content: Content
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class UnreadableEntry:
    """An entry holding a value that cannot be what was written; nothing in it can be trusted,
    so the walk stops there."""

    seq: int | None
    """Its ``seq``, or None when that column itself cannot be read."""
    problem: str
    """Which column holds what, in Vietnamese."""


SuccessorLookup = Callable[[str, int], int | None]
"""``(hash, position)`` → the position of another entry whose previous hash is ``hash``."""
HashLookup = Callable[[str], int | None]
"""``hash`` → the position of an entry with that hash."""


def _nowhere(_hash: str) -> int | None:
    return None


def walk(
    entries: Iterable[StoredEntry | UnreadableEntry],
    successor_elsewhere: SuccessorLookup,
    expected: ChainHead | None = None,
    anchors: Sequence[ChainHead] = (),
    position_of: HashLookup = _nowhere,
) -> VerifyReport:
    """Check the entries, in ``seq`` order, and stop at the first breach. ``expected`` and
    ``anchors`` are heads kept outside the database, all checked alike; ``position_of`` finds
    where an anchored entry went when entries were inserted before it."""
    marks: dict[int, set[str]] = {}
    for mark in [*anchors, *([expected] if expected is not None else [])]:
        marks.setdefault(mark.seq, set()).add(mark.hash)
    checked = 0
    head: ChainHead | None = None
    matched: ChainHead | None = None  # the last entry found equal to a head kept elsewhere
    prev_hash = GENESIS_HASH
    recent: OrderedDict[str, int] = OrderedDict()  # hash -> seq of the last intact entries
    for entry in entries:
        if isinstance(entry, UnreadableEntry):
            return VerifyReport(checked, head, _unreadable(entry, checked + 1))
        seq = entry.content.seq
        breach = _breach(entry, checked + 1, prev_hash, successor_elsewhere, recent)
        if breach is None and seq in marks:
            breach = _diverged(entry, marks[seq], matched, position_of)
            if breach is not None:  # entries after the last match are not proven intact
                return VerifyReport(matched.seq if matched else 0, matched, breach)
            matched = ChainHead(seq, entry.hash)
        if breach is not None:
            return VerifyReport(checked, head, breach)
        checked += 1
        prev_hash = entry.hash
        head = ChainHead(seq, entry.hash)
        recent[entry.hash] = seq
        if len(recent) > _RECENT_HASHES:
            recent.popitem(last=False)
    if marks and checked < max(marks):
        return VerifyReport(checked, head, _truncated(checked, max(marks)))
    return VerifyReport(checked, head)


def _unreadable(entry: UnreadableEntry, position: int) -> Breach:
    if entry.seq is None:
        return Breach(
            position, Problem.MODIFIED, f"Mục ở vị trí {position} đã bị sửa: {entry.problem}"
        )
    misplaced = _misplaced(entry.seq, position)
    if misplaced is not None:
        return misplaced
    return Breach(entry.seq, Problem.MODIFIED, f"Mục {entry.seq} đã bị sửa: {entry.problem}")


def _misplaced(seq: int, position: int) -> Breach | None:
    """A ``seq`` that is not the position the entry holds: entries before it were deleted."""
    if seq > position:
        missing = f"{position}" if seq == position + 1 else f"{position} đến {seq - 1}"
        return Breach(
            position,
            Problem.DELETED,
            f"Mục {missing} đã bị xoá: sau mục {position - 1} là mục {seq}",
        )
    if seq < position:  # only a seq below 1 can sort before the position it should hold
        return Breach(seq, Problem.MODIFIED, f"Mục mang số thứ tự {seq} không hợp lệ (từ 1)")
    return None


def _breach(
    entry: StoredEntry,
    position: int,
    prev_hash: str,
    successor_elsewhere: SuccessorLookup,
    recent: Mapping[str, int],
) -> Breach | None:
    seq = entry.content.seq
    misplaced = _misplaced(seq, position)
    if misplaced is not None:
        return misplaced
    self_consistent = entry.content.digest(entry.prev_hash) == entry.hash
    if entry.prev_hash == prev_hash:
        if self_consistent:
            return None
        return Breach(
            seq, Problem.MODIFIED, f"Mục {seq} đã bị sửa: nội dung không khớp với băm của nó"
        )
    rightful = successor_elsewhere(prev_hash, seq)
    if rightful is not None:
        return Breach(
            seq,
            Problem.REORDERED,
            f"Thứ tự đã bị đảo: mục ở vị trí {seq} không nối tiếp mục {seq - 1};"
            f" mục nối tiếp đúng đang ở vị trí {rightful}",
        )
    follows = recent.get(entry.prev_hash)
    if follows is not None:
        added = f"Mục {follows + 1}" + (f" đến {seq - 1}" if follows + 1 < seq - 1 else "")
        return Breach(
            follows + 1,
            Problem.INSERTED,
            f"{added} đã bị chèn thêm: mục {seq} vốn nối tiếp ngay sau mục {follows}",
        )
    if self_consistent and seq > 1:
        return Breach(
            seq - 1,
            Problem.MODIFIED,
            f"Mục {seq - 1} đã bị sửa rồi tính lại băm: mục {seq} ghi nhận một băm khác"
            " cho mục đứng trước nó",
        )
    if seq == 1:
        return Breach(1, Problem.MODIFIED, "Mục 1 đã bị sửa: băm của mục trước nó phải là 64 số 0")
    return Breach(
        seq,
        Problem.DELETED,
        f"Mục nối tiếp mục {seq - 1} không còn trong bảng: các mục đã bị xoá rồi đánh số lại"
        f" (mục ở vị trí {seq} vốn thuộc chỗ khác)",
    )


def _diverged(
    entry: StoredEntry, hashes: set[str], matched: ChainHead | None, position_of: HashLookup
) -> Breach | None:
    if hashes == {entry.hash}:
        return None
    seq = entry.content.seq
    other = min(hashes - {entry.hash})
    moved = position_of(other)
    if moved is not None and moved > seq:
        added = f"Mục {seq}" + (f" đến {moved - 1}" if moved - 1 > seq else "")
        return Breach(
            seq,
            Problem.INSERTED,
            f"{added} đã bị chèn thêm: mục đã ký ở vị trí {seq} nay ở vị trí {moved}",
        )
    since = matched.seq + 1 if matched is not None else 1
    where = (
        f"mục {seq} đã bị sửa rồi tính lại băm"
        if since == seq
        else f"nhật ký đã bị viết lại (rồi tính lại băm) từ một mục trong khoảng {since} đến {seq}"
    )
    kept = f"; mục {matched.seq} vẫn khớp mốc" if matched is not None else ""
    return Breach(
        seq,
        Problem.DIVERGED,
        f"Mục {seq} có băm {entry.hash[:12]}… khác với mốc đã lưu {other[:12]}…: {where}{kept}",
    )


def _truncated(count: int, anchored: int) -> Breach:
    missing = f"mục {anchored}" if count + 1 == anchored else f"các mục {count + 1} đến {anchored}"
    return Breach(
        count + 1,
        Problem.TRUNCATED,
        f"Nhật ký chỉ có {count} mục, ngắn hơn mốc đã lưu ({anchored}):"
        f" {missing} đã bị cắt khỏi cuối",
    )
