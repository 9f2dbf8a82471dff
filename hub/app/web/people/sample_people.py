"""The people of the development sign-in (embedded defaults only): the sample citizens whose
CCCDs the demo and the tests use, and for each agency of the catalogue a data steward, plus an
administrator. The same people exist in the development Keycloak realm
(services/keycloak/realm-kho.json)."""

from __future__ import annotations

from hub.app.web.people.person import Person, PersonKind
from hub.auth.tokens import Role
from hub.catalogue.models import Catalogue

SAMPLE_CITIZENS = (
    ("082095000123", "Nguyễn Văn An"),
    ("082195000123", "Trần Thị Bình"),
)
ADMIN_AGENCY = "vp-ubnd"


def sample_people(catalogue: Catalogue) -> tuple[Person, ...]:
    """Citizens first, then a steward per agency, then the administrator; ``subject`` is the
    key the sign-in form posts."""
    citizens = tuple(
        Person(PersonKind.CITIZEN, f"cong-dan-{cccd}", name, cccd=cccd)
        for cccd, name in SAMPLE_CITIZENS
    )
    stewards = tuple(
        Person(
            PersonKind.STAFF,
            f"quan-ly-{agency.id}",
            f"Cán bộ quản lý dữ liệu, {agency.name}",
            agency=agency.id,
            roles=frozenset({Role.STEWARD, Role.CONSUMER}),
        )
        for agency in catalogue.agencies
    )
    admin = Person(
        PersonKind.STAFF,
        "quan-tri",
        "Quản trị viên Kho dữ liệu",
        agency=ADMIN_AGENCY,
        roles=frozenset({Role.ADMIN}),
    )
    return (*citizens, *stewards, admin)


def sample_person(catalogue: Catalogue, subject: str) -> Person | None:
    for person in sample_people(catalogue):
        if person.subject == subject:
            return person
    return None
