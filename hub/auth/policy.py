"""What a caller may do with a dataset. Answers are reasons, not booleans, so every refusal
can say why."""

from __future__ import annotations

from dataclasses import dataclass

from hub.auth.tokens import Credential, Role
from hub.catalogue.models import DatasetEntry


@dataclass(frozen=True, slots=True)
class Refusal:
    code: str
    message: str


def write_refusal(credential: Credential, entry: DatasetEntry) -> Refusal | None:
    """Why the caller may not publish to the dataset; None when it may (a producer of the owning
    agency, or an admin)."""
    if not credential.has(Role.PRODUCER):
        return Refusal("not_a_producer", "Mã truy cập này không có quyền ghi (producer)")
    if credential.agency != entry.owner and Role.ADMIN not in credential.roles:
        return Refusal(
            "not_owner",
            f"Cơ quan {credential.agency} không phải chủ quản của {entry.id}; "
            f"chỉ {entry.owner} được ghi",
        )
    return None
