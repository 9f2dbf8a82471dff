"""What the hub needs from a schema registry: register a schema under a subject, and look a
schema up by id. Subjects follow Confluent's TopicNameStrategy: ``<topic>-value``.

Two adapters pass one contract (``tests/contract/test_registry_contract.py``): the hub's own
registry in its database, and a client of any Confluent-compatible registry over HTTP. Both
raise the errors of ``hub.registry.errors`` (e.g. IncompatibleSchema naming field and rule)."""

from __future__ import annotations

from typing import NewType, Protocol

from hub.errors import KhoError

SchemaId = NewType("SchemaId", int)
Subject = NewType("Subject", str)


class RegistryError(KhoError):
    """The registry refused or does not know a schema."""


def subject_for_topic(topic: str) -> Subject:
    return Subject(f"{topic}-value")


class SchemaRegistry(Protocol):
    def register(self, subject: Subject, schema_text: str) -> SchemaId:
        """The id of the schema under the subject, registering it if new (idempotent);
        IncompatibleSchema if the subject's compatibility level refuses it."""
        ...

    def schema_text(self, schema_id: SchemaId) -> str:
        """The schema registered with this id; RegistryError if unknown."""
        ...

    def close(self) -> None:
        """Release connections the adapter holds (the database engine is the hub's)."""
        ...
