"""A data steward's operations on one dataset's dead letters: list, look at one, replay."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hub.audit.entry import CLI, Actor
from hub.audit.log import AuditLog
from hub.audit.trail import record_replay
from hub.bus.port import EventBus
from hub.catalogue.models import DatasetEntry
from hub.dlq.address import LetterAddress
from hub.dlq.correction import Correction, load_correction
from hub.dlq.errors import AlreadyReplayedError, DlqError, ReplayClaimedError
from hub.dlq.queue import DeadLetterQueue, StoredLetter
from hub.dlq.replay import Replayer, stored_document
from hub.dlq.status import LetterStatus, ReplayClaim, ReplayLog, ReplayOutcome
from hub.ingest.validation import Violation
from hub.ingest.writer import DatasetWriter
from hub.vietnam_time import vietnam_time


@dataclass(frozen=True)
class LetterView:
    """A letter with what became of it."""

    stored: StoredLetter
    last_replay: ReplayOutcome | None

    @property
    def address(self) -> LetterAddress:
        return self.stored.address

    @property
    def status(self) -> LetterStatus:
        return self.last_replay.status if self.last_replay else LetterStatus.PENDING


@dataclass(frozen=True)
class LetterPage:
    letters: list[LetterView]
    matching: int
    """How many letters matched before the limit."""


@dataclass(frozen=True)
class ReplayRun:
    outcomes: list[ReplayOutcome]
    skipped: list[LetterAddress]
    """Pending letters ``--all-pending`` left alone: they hold no record to replay."""
    taken: list[LetterAddress] = field(default_factory=list)
    """Pending letters ``--all-pending`` left alone: another replay claimed them first."""


@dataclass(frozen=True)
class DeskPorts:
    """What the desk works with; the shell builds them (``Hub.steward_desk``)."""

    bus: EventBus
    replays: ReplayLog
    audit: AuditLog
    writer: Callable[[], DatasetWriter]
    """The dataset's writer, asked for on the first replay."""


class StewardDesk:
    """The dead letters of one catalogue dataset. ``field_names``: the dataset schema's fields,
    for the template of a letter that holds no record."""

    def __init__(
        self,
        entry: DatasetEntry,
        field_names: Sequence[str],
        ports: DeskPorts,
        *,
        actor: Actor = CLI,
    ) -> None:
        self._ports = ports
        self._actor = actor
        self.entry = entry
        self._field_names = list(field_names)
        self.queue = DeadLetterQueue(ports.bus, entry.id, entry.dlq_topic)
        self.log = ports.replays
        self._replayer: Replayer | None = None

    @property
    def topic(self) -> str:
        return self.queue.topic

    def letters(self, *, rule: str | None = None, limit: int | None = None) -> LetterPage:
        """The letters, oldest first; with a limit, the most recent ``limit`` of them."""
        replays = self.log.latest(self.topic)
        found = [
            LetterView(stored, replays.get(stored.address))
            for stored in self.queue.letters()
            if rule is None or any(v.rule == rule for v in stored.letter.violations)
        ]
        found.sort(key=lambda v: (v.stored.letter.at, v.address))
        shown = found[-limit:] if limit is not None and limit < len(found) else found
        return LetterPage(shown, len(found))

    def letter(self, address: str) -> LetterView:
        stored = self.queue.get(self.queue.address(address))
        return LetterView(stored, self.log.latest_for(self.topic, stored.address))

    def editable_record(self, view: LetterView) -> tuple[dict[str, Any], bool]:
        """What a steward edits to correct the letter, and whether it is only a template: the
        letter's record, else its original if that is a JSON object (as the ingest API
        receives), else every field of the schema, empty."""
        document = stored_document(view.stored.letter)
        if isinstance(document, dict):
            return document, False
        return dict.fromkeys(self._field_names), True

    def replay(
        self,
        addresses: Sequence[str],
        *,
        record_file: Path | None = None,
        correction: Correction | None = None,
        all_pending: bool = False,
        force: bool = False,
    ) -> ReplayRun:
        """Replay the letters, each recorded in the replay log. Every check is made before the
        first write: unknown addresses, letters already replayed (unless ``force``), the file.

        Each letter is claimed in the replay log before anything is written, so of two replays
        of one letter at the same moment only one writes; a replay that fails before writing
        gives its claims back.

        ``all_pending`` replays every letter never replayed that holds a record; letters that
        hold none (a CSV row that could not be mapped) need a corrected file, and are skipped,
        as are letters another replay claimed first.

        ``correction``: the corrected record already read (the staff pages' form), instead of
        ``record_file``."""
        skipped: list[LetterAddress] = []
        targets = self._targets(addresses, all_pending=all_pending, force=force)
        if all_pending:
            skipped = [v.address for v in targets if stored_document(v.stored.letter) is None]
            targets = [v for v in targets if v.address not in skipped]
        if (record_file is not None or correction is not None) and len(targets) != 1:
            raise DlqError("--record chỉ dùng khi phát lại đúng một thư")
        if record_file is not None:
            correction = load_correction(record_file)
        claims, taken = self._claim(targets, force=force, all_pending=all_pending)
        outcomes = []
        try:
            while claims:
                view, claim = claims[0]
                outcome = self._replay_one(view, correction)
                claims.pop(0)
                self.log.record(self.topic, outcome)
                record_replay(
                    self._ports.audit,
                    self._actor,
                    self.entry.id,
                    outcome.audit_details(self.topic),
                )
                outcomes.append(outcome)
        finally:
            for _, unused in claims:  # the replay stopped before writing these
                self.log.release(unused)
        return ReplayRun(outcomes, skipped, taken)

    def check(self, view: LetterView, correction: Correction | None = None) -> list[Violation]:
        """The rules the letter's record (or the correction) would still break if replayed, as
        the replay judges them; nothing is written, claimed or logged."""
        return self._replayer_of_dataset().check(view.stored, correction)

    def history(self, view: LetterView) -> list[ReplayOutcome]:
        """Every replay of the letter, oldest first."""
        return self.log.history(self.topic, view.address)

    def _replay_one(self, view: LetterView, correction: Correction | None) -> ReplayOutcome:
        return self._replayer_of_dataset().replay(view.stored, correction)

    def _replayer_of_dataset(self) -> Replayer:
        if self._replayer is None:
            self._replayer = Replayer(self._ports.writer())
        return self._replayer

    def _claim(
        self, targets: list[LetterView], *, force: bool, all_pending: bool
    ) -> tuple[list[tuple[LetterView, ReplayClaim]], list[LetterAddress]]:
        """Claim every target before the first write. A letter claimed by another replay is
        left to it under ``all_pending``; otherwise nothing is replayed and the steward told."""
        claims: list[tuple[LetterView, ReplayClaim]] = []
        taken: list[LetterAddress] = []
        for view in targets:
            claim = self.log.claim(self.topic, view.address, force=force)
            if claim is not None:
                claims.append((view, claim))
            elif all_pending:
                taken.append(view.address)
            else:
                for _, obtained in claims:
                    self.log.release(obtained)
                raise self._claimed_error(view.address, force=force)
        return claims, taken

    def _claimed_error(self, address: LetterAddress, *, force: bool) -> DlqError:
        if force:
            return ReplayClaimedError(f"Thư {address} đang được phát lại ở nơi khác vào lúc này")
        last = self.log.latest_for(self.topic, address)
        if last is not None:
            return AlreadyReplayedError(_already_replayed(address, last))
        return ReplayClaimedError(
            f"Thư {address} đang được phát lại ở nơi khác, hoặc lần phát lại trước dừng giữa"
            " chừng; xem kho dlq list, rồi thêm --force nếu thật sự muốn phát lại"
        )

    def _targets(
        self, addresses: Sequence[str], *, all_pending: bool, force: bool
    ) -> list[LetterView]:
        if all_pending:
            if addresses:
                raise DlqError("Chỉ dùng một trong hai: các địa chỉ thư, hoặc --all-pending")
            page = self.letters()
            return [v for v in page.letters if v.status is LetterStatus.PENDING]
        if not addresses:
            raise DlqError("Cần ít nhất một địa chỉ thư (xem kho dlq list), hoặc --all-pending")
        targets: dict[LetterAddress, LetterView] = {}
        for text in addresses:
            view = self.letter(text)
            targets.setdefault(view.address, view)
        if not force:
            for view in targets.values():
                if view.last_replay is not None:
                    raise AlreadyReplayedError(_already_replayed(view.address, view.last_replay))
        return list(targets.values())


def _already_replayed(address: LetterAddress, last: ReplayOutcome) -> str:
    when = f"Thư {address} đã được phát lại lúc {vietnam_time(last.replayed_at)}"
    if last.published is not None:
        p = last.published
        return (
            f"{when} và đã vào {p.topic} (phân vùng {p.partition}, offset {p.offset});"
            " thêm --force nếu thật sự muốn phát lại lần nữa"
        )
    return (
        f"{when} và vẫn bị từ chối (thành thư mới {last.new_letter}); hãy sửa và phát lại thư"
        " mới đó, hoặc thêm --force để phát lại thư này lần nữa"
    )
