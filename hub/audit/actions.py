"""Every action the audit log records, in one place: dotted names, stable once written.

A new kind of event gets a constant here; ``is_action_name`` says what shape a name must have.
"""

from __future__ import annotations

import re
from typing import Final

RECORDS_WRITE: Final = "records.write"
RECORDS_DEAD_LETTER: Final = "records.dead_letter"
RECORDS_READ_PERSONAL: Final = "records.read_personal"
TOKEN_CREATE: Final = "token.create"  # noqa: S105 (an action name, not a secret)
TOKEN_ROTATE: Final = "token.rotate"  # noqa: S105
TOKEN_REVOKE: Final = "token.revoke"  # noqa: S105
ACL_SYNC: Final = "acl.sync"
DATASET_APPROVE: Final = "dataset.approve"
DATASET_REVOKE_APPROVAL: Final = "dataset.revoke_approval"
DATASET_WITHDRAW: Final = "dataset.withdraw"
DATASET_PUBLISH: Final = "dataset.publish"
DLQ_REPLAY: Final = "dlq.replay"
KAFKA_USER_SET: Final = "kafka_user.set"
EVIDENCE_RECORD: Final = "evidence.record"
EVIDENCE_READ: Final = "evidence.read"
EVIDENCE_REFUSED: Final = "evidence.refused"
CONSENT_GRANT: Final = "consent.grant"
CONSENT_REVOKE: Final = "consent.revoke"
SIGNIN: Final = "signin.success"
SIGNIN_REFUSED: Final = "signin.refused"
SIGNOUT: Final = "signin.signout"

KNOWN_ACTIONS: Final = frozenset(
    {
        RECORDS_WRITE,
        RECORDS_DEAD_LETTER,
        RECORDS_READ_PERSONAL,
        TOKEN_CREATE,
        TOKEN_ROTATE,
        TOKEN_REVOKE,
        ACL_SYNC,
        DATASET_APPROVE,
        DATASET_REVOKE_APPROVAL,
        DATASET_WITHDRAW,
        DATASET_PUBLISH,
        DLQ_REPLAY,
        KAFKA_USER_SET,
        EVIDENCE_RECORD,
        EVIDENCE_READ,
        EVIDENCE_REFUSED,
        CONSENT_GRANT,
        CONSENT_REVOKE,
        SIGNIN,
        SIGNIN_REFUSED,
        SIGNOUT,
    }
)

_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
MAX_ACTION_LENGTH: Final = 64


def is_action_name(name: str) -> bool:
    """Whether ``name`` is a dotted lower-case name such as ``records.write``."""
    return len(name) <= MAX_ACTION_LENGTH and _NAME.match(name) is not None
