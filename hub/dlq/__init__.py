"""Dead letters: what the hub refused, for a data steward to inspect, correct and replay.

- ``address``: how one letter is named (``<partition>:<offset>`` in ``<topic>.dlq``);
- ``queue``: reading a dataset's letters back from the bus;
- ``status``: which letters were replayed, when, and with what outcome;
- ``correction``: the corrected record a steward edited in a JSON file;
- ``replay``: writing a letter's record again through the dataset writer, validated again;
- ``desk``: the steward's operations on one dataset, used by ``kho dlq``.
"""

from hub.dlq.address import LetterAddress
from hub.dlq.correction import Correction, load_correction
from hub.dlq.desk import DeskPorts, LetterPage, LetterView, ReplayRun, StewardDesk
from hub.dlq.errors import (
    AlreadyReplayedError,
    BadAddressError,
    CorrectionFileError,
    DlqError,
    ReplayClaimedError,
    UnknownLetterError,
)
from hub.dlq.queue import DeadLetterQueue, StoredLetter
from hub.dlq.replay import Replayer
from hub.dlq.status import LetterStatus, ReplayClaim, ReplayLog, ReplayOutcome

__all__ = [
    "AlreadyReplayedError",
    "BadAddressError",
    "Correction",
    "CorrectionFileError",
    "DeadLetterQueue",
    "DeskPorts",
    "DlqError",
    "LetterAddress",
    "LetterPage",
    "LetterStatus",
    "LetterView",
    "ReplayClaim",
    "ReplayClaimedError",
    "ReplayLog",
    "ReplayOutcome",
    "ReplayRun",
    "Replayer",
    "StewardDesk",
    "StoredLetter",
    "UnknownLetterError",
    "load_correction",
]
