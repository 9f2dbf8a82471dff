"""``/quan-ly/danh-muc``: the shared-database catalogue as a steward needs it: each dataset's
owner, class, legal basis and retention, the agencies granted read access, and what each of
them reads of the personal fields; ``/quan-ly/danh-muc/{dataset_id}`` for one dataset.

What a reader reads is the sharing policy's own answer (``hub.sharing.policy.read_decision``,
which the API's reads and ``kho acl sync`` apply): the owner and grantees with ``personal_data``
read every field; other grantees the masked projection, whose fields are those of the masked
schema the masking worker writes (``hub.sharing.masking.masked_schema``: personal fields dropped,
or pseudonymised where the catalogue says so); anybody else the public projection or nothing.

A restricted dataset exists only for its owner and administrators (``Staff.sees``): listed for
them only, and a 404 page for anyone else, as the API answers. Read-only: the catalogue changes
through a reviewed change to its YAML file.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hub.app.web.catalogue_labels import CLASSES, FREQUENCIES, label, retention_text
from hub.app.web.staff.guard import Staff, for_staff, not_found
from hub.app.web.staff.id_cursor import named_page
from hub.app.web.staff.tools import CATALOGUE
from hub.app.web.templating import render
from hub.app.wiring import Hub
from hub.catalogue.models import ConsumerGrant, DatasetEntry
from hub.sharing import Projection
from hub.sharing.masking import masked_schema
from hub.sharing.policy import THE_PUBLIC, Reader, Refusal, read_decision, topic_for

DATASETS_PER_PAGE = 30

PROJECTIONS = {
    Projection.FULL: "Đầy đủ, kể cả trường cá nhân",
    Projection.MASKED: "Bản che: trường cá nhân bị bỏ hoặc thay bằng bí danh",
    Projection.PUBLIC: "Bản công khai: bỏ mọi trường cá nhân",
}
"""What each projection is, in a steward's words."""


@dataclass(frozen=True, slots=True)
class PersonalField:
    name: str
    doc: str
    pseudonymised: bool
    """In the masked projection: a keyed pseudonym (True) or dropped (False)."""


@dataclass(frozen=True, slots=True)
class ReaderAccess:
    """What one reader of the dataset reads, by the sharing policy."""

    who: str
    agency: str | None
    """None: anybody without a grant (the public, another agency)."""
    grant: ConsumerGrant | None
    projection: Projection | None
    """None: may not read the dataset at all."""
    clear: tuple[str, ...]
    """Personal fields this reader reads as they are."""
    pseudonyms: tuple[str, ...]
    """Personal fields this reader reads as keyed pseudonyms."""
    topic: str | None
    """The Kafka topic that carries what it reads (None: over HTTP only, or nothing)."""

    @property
    def sees_personal_data(self) -> bool:
        return bool(self.clear)

    @property
    def reads(self) -> str:
        if self.projection is None:
            return "Không được đọc"
        return PROJECTIONS[self.projection]


@dataclass(frozen=True, slots=True)
class DatasetGrants:
    """One dataset of the catalogue with who reads what of it."""

    entry: DatasetEntry
    owner_name: str
    personal_fields: tuple[PersonalField, ...]
    readers: tuple[ReaderAccess, ...]
    """The owner, each grantee in the catalogue's order, then anybody else."""

    @property
    def grantees(self) -> tuple[ReaderAccess, ...]:
        return tuple(r for r in self.readers if r.grant is not None)

    @property
    def classification(self) -> str:
        return label(CLASSES, self.entry.classification.value)

    @property
    def retention(self) -> str:
        return retention_text(self.entry.retention)

    @property
    def update_frequency(self) -> str:
        return label(FREQUENCIES, self.entry.update_frequency)


def dataset_grants(hub: Hub, entry: DatasetEntry) -> DatasetGrants:
    schema = hub.catalogue.schema(entry.id)
    personal = schema.personal_fields
    pseudonymised = frozenset(entry.pseudonymise)
    fields = tuple(
        PersonalField(name, schema.field_doc(name), name in pseudonymised)
        for name in schema.field_names
        if name in personal
    )
    # The masked projection's fields, as the masking worker writes them: name -> pseudonym?
    masked = {
        str(f["name"]): bool(f.get("kho.pseudonym")) for f in masked_schema(entry, schema)["fields"]
    }
    agencies = {a.id: a.name for a in hub.catalogue.catalogue.agencies}
    owner = agencies.get(entry.owner, entry.owner)
    readers = [_access(entry, Reader(entry.owner), owner, None, fields, masked)]
    for grant in entry.consumers:
        name = agencies.get(grant.agency, grant.agency)
        readers.append(_access(entry, Reader(grant.agency), name, grant, fields, masked))
    others = "Người dân và cơ quan không được cấp quyền"
    readers.append(_access(entry, THE_PUBLIC, others, None, fields, masked))
    return DatasetGrants(entry, owner, fields, tuple(readers))


def _access(
    entry: DatasetEntry,
    reader: Reader,
    who: str,
    grant: ConsumerGrant | None,
    fields: tuple[PersonalField, ...],
    masked: dict[str, bool],
) -> ReaderAccess:
    decision = read_decision(reader, entry)
    topic = topic_for(decision, entry, has_personal_fields=bool(fields))
    projection = None if isinstance(decision, Refusal) else decision.projection
    clear: tuple[str, ...] = ()
    pseudonyms: tuple[str, ...] = ()
    if projection is Projection.FULL:
        clear = tuple(f.name for f in fields)
    elif projection is Projection.MASKED:
        clear = tuple(f.name for f in fields if f.name in masked and not masked[f.name])
        pseudonyms = tuple(f.name for f in fields if masked.get(f.name))
    return ReaderAccess(
        who=who,
        agency=reader.agency,
        grant=grant,
        projection=projection,
        clear=clear,
        pseudonyms=pseudonyms,
        topic=None if isinstance(topic, Refusal) else topic,
    )


def visible_grants(staff: Staff) -> list[DatasetGrants]:
    """Every dataset that exists for this person (restricted ones: owner and admins only)."""
    hub = staff.hub
    return [dataset_grants(hub, e) for e in hub.catalogue.catalogue.datasets if staff.sees(e)]


@for_staff(CATALOGUE)
async def catalogue_page(request: Request, staff: Staff) -> Response:
    page = named_page(request, visible_grants(staff), lambda d: d.entry.id, DATASETS_PER_PAGE)
    context = {
        "person": staff.person,
        "staff": staff,
        "page": page,
        "per_page": DATASETS_PER_PAGE,
    }
    return render(request, "staff/catalogue.html", context)


@for_staff(CATALOGUE)
async def catalogue_dataset_page(request: Request, staff: Staff) -> Response:
    dataset_id = request.path_params["dataset_id"]
    entry = _entry(staff, dataset_id)
    if entry is None:
        return not_found(request, f"Không có bộ dữ liệu “{dataset_id}” trong danh mục.")
    context = {
        "person": staff.person,
        "staff": staff,
        "dataset": dataset_grants(staff.hub, entry),
        "projections": PROJECTIONS,
    }
    return render(request, "staff/catalogue_dataset.html", context)


def _entry(staff: Staff, dataset_id: str) -> DatasetEntry | None:
    """The dataset, when it exists for this person: a hidden one is as unknown as a missing one."""
    try:
        entry = staff.hub.catalogue.catalogue.dataset(dataset_id)
    except KeyError:
        return None
    return entry if staff.sees(entry) else None


ROUTES: list[BaseRoute] = [
    Route(CATALOGUE.path, catalogue_page, name="staff_catalogue"),
    Route(
        f"{CATALOGUE.path}/{{dataset_id}}", catalogue_dataset_page, name="staff_catalogue_dataset"
    ),
]
