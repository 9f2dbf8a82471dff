"""The sharing policy: what a reader may see of a dataset, decided once for HTTP, SSE and Kafka.

``read_decision`` answers, from the catalogue alone, FULL, MASKED, PUBLIC or a refusal with its
reason. The HTTP reads and the SSE stream serve that projection (through
``hub.auth.policy.read_access``, which turns a token into a ``Reader``); ``kho acl sync`` turns
it into Kafka ACLs through ``topic_for``. There is no second copy of the rules:

- a restricted dataset exists only for its owner agency and admins (a ``hidden`` refusal for
  anyone else: answered as an unknown dataset);
- the owner agency and admins read every field (FULL);
- an agency granted ``personal_data`` reads every field (FULL);
- an agency granted without it reads the MASKED projection (personal fields dropped, or
  replaced by a keyed pseudonym where the catalogue lists them in ``pseudonymise``);
- anybody else (an agency without a grant, the public) reads the PUBLIC projection (every
  personal field dropped) of open datasets and of shared ones with an ``open_projection``, and
  nothing of the others.

On Kafka a projection is a topic, and an agency reads the one its decision names:

- FULL: ``<topic>``;
- MASKED: ``<topic>.masked``, written by the masking worker; when the schema has no personal
  field the masked projection is the whole record, the worker writes no ``.masked``, and the
  agency reads ``<topic>``;
- PUBLIC: ``<topic>`` when the public projection is the whole record (no personal field);
  otherwise nothing on Kafka: the agency reads the public projection over HTTP.

Why PUBLIC has no topic of its own when it differs from the record: ``<topic>.masked`` holds
keyed pseudonyms that link a person across datasets, and pseudonyms are personal data, so no
agency may read them without a grant; a ``<topic>.public`` copy would be a third copy of every
record and a second exactly-once pipeline to keep, for a projection the hub already serves over
HTTP (``/api/v1/datasets/<id>/records`` and its SSE ``/stream``) and as open data on CKAN.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.catalogue.models import Classification, DatasetEntry
from hub.sharing.masking import Projection


@dataclass(frozen=True, slots=True)
class Reader:
    """Who asks to read: an agency (``None`` for the public, with no token), as an admin or not."""

    agency: str | None = None
    admin: bool = False


THE_PUBLIC = Reader()


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a caller may not do something: a stable ``code`` and a message for the caller. A
    ``hidden`` refusal means the caller may not even know the dataset exists."""

    code: str
    message: str
    hidden: bool = False


@dataclass(frozen=True, slots=True)
class ReadAccess:
    """The projection a reader reads, and why (for the audit log and the caller)."""

    projection: Projection
    basis: str


def is_visible(reader: Reader, entry: DatasetEntry) -> bool:
    """Whether the reader may know the dataset exists: restricted datasets only to their owner
    agency and admins."""
    if entry.classification is not Classification.RESTRICTED:
        return True
    return reader.admin or (reader.agency is not None and reader.agency == entry.owner)


def read_decision(reader: Reader, entry: DatasetEntry) -> ReadAccess | Refusal:
    """The projection of the dataset's records the reader may see, or why it may see none."""
    if not is_visible(reader, entry):
        return unknown_dataset(entry.id)
    if reader.admin:
        return ReadAccess(Projection.FULL, "admin")
    if reader.agency is None:
        return _public_or(
            entry,
            Refusal("not_open", f"Bộ dữ liệu {entry.id} chỉ chia sẻ cho cơ quan được cấp quyền"),
        )
    if reader.agency == entry.owner:
        return ReadAccess(Projection.FULL, "owner")
    grant = entry.grant(reader.agency)
    if grant is not None and grant.personal_data:
        return ReadAccess(Projection.FULL, "grant:personal_data")
    if grant is not None:
        return ReadAccess(Projection.MASKED, "grant")
    return _public_or(
        entry,
        Refusal(
            "no_grant",
            f"Cơ quan {reader.agency} chưa được cấp quyền khai thác bộ dữ liệu {entry.id}",
        ),
    )


def topic_for(
    access: ReadAccess | Refusal, entry: DatasetEntry, *, has_personal_fields: bool
) -> str | Refusal:
    """The topic that carries the projection a decision grants, or why none does (see the
    module's docstring): a projection equal to the whole record is the topic itself."""
    if isinstance(access, Refusal):
        return access
    if access.projection is Projection.FULL or not has_personal_fields:
        return entry.topic
    if access.projection is Projection.MASKED:
        return entry.masked_topic
    return Refusal(
        "public_over_http",
        f"Bản công khai của bộ dữ liệu {entry.id} bỏ trường cá nhân nên không có trên Kafka;"
        f" đọc qua HTTP (/api/v1/datasets/{entry.id}/records hoặc /stream) hay cổng dữ liệu"
        " mở, hoặc xin chủ quản cấp quyền",
    )


def unknown_dataset(dataset_id: str) -> Refusal:
    """The refusal of a dataset the caller may not know: the same as one that does not exist."""
    return Refusal(
        "unknown_dataset", f"Không có bộ dữ liệu {dataset_id!r} trong danh mục", hidden=True
    )


def _public_or(entry: DatasetEntry, refusal: Refusal) -> ReadAccess | Refusal:
    """The public projection when the dataset has one, else the refusal."""
    if entry.publishable:
        return ReadAccess(Projection.PUBLIC, "open")
    return refusal
