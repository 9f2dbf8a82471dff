"""What a caller may do with a dataset, decided from the catalogue alone.

Answers are reasons, not booleans, so every refusal can say why. A ``hidden`` refusal means the
caller may not even know the dataset exists (a restricted dataset of another agency): the API
answers it as an unknown dataset.

Reading, for a caller with a token (roles consumer, steward or admin):

- the owner agency and admins read every field (FULL);
- a consumer granted ``personal_data`` reads every field (FULL);
- a consumer granted without it reads the MASKED projection (personal fields dropped or
  pseudonymised);
- anybody else, and callers without a token, read the PUBLIC projection (every personal field
  dropped) of open datasets and of shared ones with an open projection, and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hub.auth.tokens import Credential, Role
from hub.catalogue.models import Classification, DatasetEntry
from hub.sharing.masking import Projection

_READER_ROLES = frozenset({Role.CONSUMER, Role.STEWARD, Role.ADMIN})


@dataclass(frozen=True, slots=True)
class Refusal:
    code: str
    message: str
    hidden: bool = False


@dataclass(frozen=True, slots=True)
class ReadAccess:
    """The projection a caller reads, and why (for the audit log and the caller)."""

    projection: Projection
    basis: str


def is_visible(credential: Credential | None, entry: DatasetEntry) -> bool:
    """Whether the caller may see the dataset in the catalogue: restricted datasets only to
    their owner agency and admins."""
    if entry.classification is not Classification.RESTRICTED:
        return True
    if credential is None:
        return False
    return credential.agency == entry.owner or Role.ADMIN in credential.roles


def write_refusal(credential: Credential, entry: DatasetEntry) -> Refusal | None:
    """Why the caller may not publish to the dataset; None when it may (a producer of the owning
    agency, or an admin)."""
    if not is_visible(credential, entry):
        return _hidden(entry)
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
    """The projection of the dataset's records the caller may read, or why it may not."""
    if not is_visible(credential, entry):
        return _hidden(entry)
    if credential is None:
        return _public_or(
            entry,
            Refusal("not_open", f"Bộ dữ liệu {entry.id} chỉ chia sẻ cho cơ quan được cấp quyền"),
        )
    if not credential.roles & _READER_ROLES:
        return Refusal(
            "not_a_reader", "Mã truy cập này không có quyền đọc (consumer, steward hoặc admin)"
        )
    if Role.ADMIN in credential.roles:
        return ReadAccess(Projection.FULL, "admin")
    if credential.agency == entry.owner:
        return ReadAccess(Projection.FULL, "owner")
    grant = entry.grant(credential.agency)
    if grant is not None and grant.personal_data:
        return ReadAccess(Projection.FULL, "grant:personal_data")
    if grant is not None:
        return ReadAccess(Projection.MASKED, "grant")
    return _public_or(
        entry,
        Refusal(
            "no_grant",
            f"Cơ quan {credential.agency} chưa được cấp quyền khai thác bộ dữ liệu {entry.id}",
        ),
    )


def _public_or(entry: DatasetEntry, refusal: Refusal) -> ReadAccess | Refusal:
    """The public projection when the dataset has one, else the refusal."""
    if entry.classification is Classification.OPEN or entry.open_projection is not None:
        return ReadAccess(Projection.PUBLIC, "open")
    return refusal


def _hidden(entry: DatasetEntry) -> Refusal:
    return Refusal(
        "unknown_dataset", f"Không có bộ dữ liệu {entry.id!r} trong danh mục", hidden=True
    )


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
