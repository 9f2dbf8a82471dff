"""Errors of the schema registry, each with the Confluent REST error code it stands for.

The hub's REST API answers with ``error_code``; the HTTP client turns a code back into the same
class, so both registry adapters raise the same errors for the same mistakes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from hub.errors import UnreachableError
from hub.registry.port import RegistryError

if TYPE_CHECKING:
    from hub.registry.compatibility import Incompatibility


class RegistryRefusal(RegistryError):
    """A request the registry understood and refused; ``error_code`` is Confluent's."""

    http_status: ClassVar[int] = 422
    error_code: ClassVar[int] = 42200


class SubjectNotFound(RegistryRefusal):
    http_status = 404
    error_code = 40401


class VersionNotFound(RegistryRefusal):
    http_status = 404
    error_code = 40402


class SchemaNotFound(RegistryRefusal):
    http_status = 404
    error_code = 40403


class SubjectSoftDeleted(RegistryRefusal):
    """The subject is already soft-deleted; only ``permanent=true`` can go further."""

    http_status = 404
    error_code = 40404


class SubjectNotSoftDeleted(RegistryRefusal):
    """A permanent delete of a subject that was not soft-deleted first."""

    http_status = 404
    error_code = 40405


class VersionSoftDeleted(RegistryRefusal):
    http_status = 404
    error_code = 40406


class VersionNotSoftDeleted(RegistryRefusal):
    http_status = 404
    error_code = 40407


class CompatibilityNotConfigured(RegistryRefusal):
    """The subject has no compatibility level of its own (it follows the global one)."""

    http_status = 404
    error_code = 40408


class IncompatibleSchema(RegistryRefusal):
    """The schema breaks the subject's compatibility rule; the message names field and rule."""

    http_status = 409
    error_code = 409

    def __init__(self, message: str, incompatibilities: Sequence[Incompatibility] = ()) -> None:
        super().__init__(message)
        self.incompatibilities = tuple(incompatibilities)


class InvalidSchema(RegistryRefusal):
    http_status = 422
    error_code = 42201


class InvalidVersion(RegistryRefusal):
    http_status = 422
    error_code = 42202


class InvalidCompatibilityLevel(RegistryRefusal):
    http_status = 422
    error_code = 42203


class RegistryUnavailable(UnreachableError, RegistryError):
    """An external schema registry does not answer (or answers 5xx)."""


REFUSALS_BY_CODE: dict[int, type[RegistryRefusal]] = {
    cls.error_code: cls
    for cls in (
        SubjectNotFound,
        VersionNotFound,
        SchemaNotFound,
        SubjectSoftDeleted,
        SubjectNotSoftDeleted,
        VersionSoftDeleted,
        VersionNotSoftDeleted,
        CompatibilityNotConfigured,
        IncompatibleSchema,
        InvalidSchema,
        InvalidVersion,
        InvalidCompatibilityLevel,
    )
}
