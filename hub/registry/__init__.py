"""The schema registry port: schema ids for the Confluent wire format."""

from hub.registry.embedded import DatabaseSchemaRegistry
from hub.registry.port import RegistryError, SchemaId, SchemaRegistry, subject_for_topic

__all__ = [
    "DatabaseSchemaRegistry",
    "RegistryError",
    "SchemaId",
    "SchemaRegistry",
    "subject_for_topic",
]
