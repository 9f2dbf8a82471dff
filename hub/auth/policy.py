"""What a caller with a token (or none) may do with a dataset, decided from the catalogue alone.

Answers are reasons, not booleans, so every refusal can say why. A ``hidden`` refusal means the
caller may not even know the dataset exists (a restricted dataset of another agency): the API
answers it as an unknown dataset.

Reading is decided by the one sharing policy, ``hub.sharing.policy.read_decision``, which
``kho acl sync`` also turns into Kafka ACLs; ``read_access`` only translates the token: its
agency, whether it is an admin's, and whether its roles may read at all (consumer, steward or
admin; a producer-only token may not). Writes and schema changes are decided here.
"""

from __future__ import annotations

from collections.abc import Sequence

from hub.auth.tokens import Credential, Role
from hub.catalogue.models import DatasetEntry
from hub.sharing.policy import (
    THE_PUBLIC,
    ReadAccess,
    Reader,
    Refusal,
    read_decision,
    unknown_dataset,
)
from hub.sharing.policy import is_visible as _visible_to

__all__ = [
    "ReadAccess",
    "Refusal",
    "is_visible",
    "read_access",
    "reader_of",
    "schema_change_refusal",
    "write_refusal",
]

_READER_ROLES = frozenset({Role.CONSUMER, Role.STEWARD, Role.ADMIN})


def reader_of(credential: Credential | None) -> Reader:
    """The reader a token stands for in the sharing policy; the public without one."""
    if credential is None:
        return THE_PUBLIC
    return Reader(credential.agency, admin=Role.ADMIN in credential.roles)


def is_visible(credential: Credential | None, entry: DatasetEntry) -> bool:
    """Whether the caller may see the dataset in the catalogue: restricted datasets only to
    their owner agency and admins."""
    return _visible_to(reader_of(credential), entry)


def write_refusal(credential: Credential, entry: DatasetEntry) -> Refusal | None:
    """Why the caller may not publish to the dataset; None when it may (a producer of the owning
    agency, or an admin)."""
    if not is_visible(credential, entry):
        return unknown_dataset(entry.id)
    if not credential.has(Role.PRODUCER):
        return Refusal("not_a_producer", "Mã truy cập này không có quyền ghi (producer)")
    if credential.agency != entry.owner and Role.ADMIN not in credential.roles:
        return Refusal(
            "not_owner",
            f"Cơ quan {credential.agency} không phải chủ quản của {entry.id}; "
            f"chỉ {entry.owner} được ghi",
        )
    return None


def read_access(credential: Credential | None, entry: DatasetEntry) -> ReadAccess | Refusal:
    """The projection of the dataset's records the caller may read, or why it may not: the
    sharing policy's decision for the token's reader, once the token may read at all."""
    may_read = credential is None or bool(credential.roles & _READER_ROLES)
    if not may_read and is_visible(credential, entry):
        return Refusal(
            "not_a_reader", "Mã truy cập này không có quyền đọc (consumer, steward hoặc admin)"
        )
    return read_decision(reader_of(credential), entry)


def schema_change_refusal(
    credential: Credential, datasets: Sequence[DatasetEntry], subject: str, *, register: bool
) -> Refusal | None:
    """Why the caller may not change the schema registry; None when it may. Admins may do
    anything; a producer of a dataset's owner agency may register new versions of that
    dataset's ``<topic>-value`` and ``<topic>-key`` subjects. Deletes and compatibility
    settings are for admins only, and so are subjects outside the catalogue."""
    if Role.ADMIN in credential.roles:
        return None
    if not register:
        return Refusal("not_admin", "Chỉ quản trị viên được xoá lược đồ hay đổi mức tương thích")
    owners = {
        f"{entry.topic}-{part}": entry.owner for entry in datasets for part in ("value", "key")
    }
    owner = owners.get(subject)
    if owner is None:
        return Refusal(
            "not_catalogued", f"Subject {subject!r} không thuộc bộ dữ liệu nào trong danh mục"
        )
    if not credential.has(Role.PRODUCER) or credential.agency != owner:
        return Refusal(
            "not_owner", f"Chỉ producer của {owner} được đăng ký lược đồ cho subject {subject!r}"
        )
    return None
