"""Who is signed in: a citizen (by CCCD) or a member of an agency's staff (agency and roles).

The identity provider's claims become a ``Person`` here, in one place, for the pages and the
API alike. Keycloak's ``sub`` is a UUID, so a citizen's CCCD travels in the ``cccd`` claim (the
stand-in for a VNeID-backed account); staff carry ``agency`` and ``roles`` claims.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hub.auth.tokens import Credential, Role
from hub.provide_once.errors import InvalidIdentifier
from hub.provide_once.procedures import SubjectKind
from hub.provide_once.subjects import Subject, parse_subject

CCCD_CLAIM = "cccd"
AGENCY_CLAIM = "agency"
ROLES_CLAIM = "roles"


class PersonKind(StrEnum):
    CITIZEN = "citizen"
    STAFF = "staff"


class NotAPerson(ValueError):
    """Claims that name neither a citizen nor a member of staff; ``reason`` is a stable code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Person:
    """``subject`` is the identity provider's identifier of the account (or the sample's id in
    the development sign-in); ``cccd`` a citizen's; ``agency`` and ``roles`` a staff member's."""

    kind: PersonKind
    subject: str
    name: str
    cccd: str | None = None
    agency: str | None = None
    roles: frozenset[Role] = field(default_factory=frozenset)

    @property
    def is_citizen(self) -> bool:
        return self.kind is PersonKind.CITIZEN

    @property
    def is_staff(self) -> bool:
        return self.kind is PersonKind.STAFF

    def citizen(self) -> Subject:
        """The subject the sharing policy knows this citizen by."""
        if self.cccd is None:
            raise TypeError(f"{self.subject} is not a citizen")
        return Subject(self.cccd, SubjectKind.CITIZEN)

    def credential(self) -> Credential:
        """The credential the API's policy decides on, as if the person held a token of their
        agency with their roles; the audit log names them ``token:sso:<subject>``."""
        if self.agency is None:
            raise TypeError(f"{self.subject} is not a member of staff")
        return Credential(f"sso:{self.subject}", self.agency, self.roles)

    def as_session(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "subject": self.subject,
            "name": self.name,
            "cccd": self.cccd,
            "agency": self.agency,
            "roles": sorted(self.roles),
        }

    @classmethod
    def from_session(cls, data: Mapping[str, Any]) -> Person:
        return cls(
            kind=PersonKind(data["kind"]),
            subject=str(data["subject"]),
            name=str(data["name"]),
            cccd=data.get("cccd"),
            agency=data.get("agency"),
            roles=frozenset(Role(r) for r in data.get("roles", ())),
        )


def person_from_claims(claims: Mapping[str, Any]) -> Person:
    """The person an ID token or access token stands for. Staff: an ``agency`` claim (roles the
    hub does not know are left out); citizens: a valid CCCD in ``cccd``."""
    subject = str(claims.get("preferred_username") or claims.get("sub") or "")
    if not subject:
        raise NotAPerson(
            "no_subject", "Thiếu định danh tài khoản (sub) trong mã của hệ thống định danh"
        )
    name = str(claims.get("name") or subject)
    agency = claims.get(AGENCY_CLAIM)
    if isinstance(agency, str) and agency:
        return Person(PersonKind.STAFF, subject, name, agency=agency, roles=_roles(claims))
    cccd = claims.get(CCCD_CLAIM)
    if not isinstance(cccd, str) or not cccd:
        raise NotAPerson(
            "no_identity", "Tài khoản không mang số CCCD (cccd) hay cơ quan (agency) nào"
        )
    try:
        found = parse_subject(cccd)
    except InvalidIdentifier as exc:
        raise NotAPerson("invalid_cccd", f"Số CCCD trong tài khoản: {exc}") from exc
    if found.kind is not SubjectKind.CITIZEN:
        raise NotAPerson("invalid_cccd", "Trường cccd phải là số CCCD 12 chữ số")
    return Person(PersonKind.CITIZEN, subject, name, cccd=found.id)


def _roles(claims: Mapping[str, Any]) -> frozenset[Role]:
    raw = claims.get(ROLES_CLAIM, ())
    values = [raw] if isinstance(raw, str) else list(raw) if isinstance(raw, list) else []
    known = {role.value for role in Role}
    return frozenset(Role(v) for v in values if v in known)
