"""Errors of the dead-letter tools; each message tells the steward what to do next."""

from __future__ import annotations

from hub.errors import KhoError


class DlqError(KhoError):
    """A dead-letter operation cannot be done as asked."""


class BadAddressError(DlqError):
    """A letter address that is not ``<partition>:<offset>``."""


class UnknownLetterError(DlqError):
    """No letter at that address in the dataset's DLQ."""


class AlreadyReplayedError(DlqError):
    """The letter was replayed before; ``--force`` replays it again."""


class ReplayClaimedError(DlqError):
    """Another replay holds the letter (now, or it stopped before recording its outcome)."""


class CorrectionFileError(DlqError):
    """The corrected-record file cannot be read as one JSON record; names the file and line."""
