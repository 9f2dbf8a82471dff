"""The audit log: who wrote, read personal data, changed a grant, approved or published what.

- ``actions``: the action names, in one place;
- ``entry``: ``Actor``, ``AuditEntry``, ``AuditFilter``;
- ``chain``: how each entry's hash covers its content and the hash before it;
- ``table``: the ``audit_log`` table;
- ``lock``: appends serialised across processes (PostgreSQL advisory lock, SQLite BEGIN
  IMMEDIATE);
- ``log``: ``AuditLog`` — append, verify, query;
- ``verify``: the walk that names the first modified, deleted, reordered, inserted, truncated
  or recomputed entry;
- ``stored``: the table read for ``verify`` and the lists without trusting it (a value no
  append writes is named or flagged, not raised);
- ``anchor``: signed anchors of the head (Ed25519) and the file store; ``anchor_topic``: the
  Kafka topic store; ``anchoring``: when to anchor, and reading the anchors back;
- ``trail``: the entries the hub's write paths append;
- ``cli``: ``kho audit verify|anchor|list``.
"""

from hub.audit import actions
from hub.audit.entry import CLI, Actor, AuditEntry, AuditFilter, token_actor
from hub.audit.log import MAX_QUERY_LIMIT, AuditLog
from hub.audit.verify import AuditError, Breach, ChainHead, Problem, VerifyReport

__all__ = [
    "CLI",
    "MAX_QUERY_LIMIT",
    "Actor",
    "AuditEntry",
    "AuditError",
    "AuditFilter",
    "AuditLog",
    "Breach",
    "ChainHead",
    "Problem",
    "VerifyReport",
    "actions",
    "token_actor",
]
