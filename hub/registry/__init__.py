"""The schema registry port: schema ids for the Confluent wire format, compatibility rules."""

from hub.registry.compatibility import CompatibilityLevel, Incompatibility
from hub.registry.embedded import DatabaseSchemaRegistry
from hub.registry.errors import IncompatibleSchema, RegistryUnavailable
from hub.registry.port import RegistryError, SchemaId, SchemaRegistry, subject_for_topic

__all__ = [
    "CompatibilityLevel",
    "DatabaseSchemaRegistry",
    "Incompatibility",
    "IncompatibleSchema",
    "RegistryError",
    "RegistryUnavailable",
    "SchemaId",
    "SchemaRegistry",
    "subject_for_topic",
]
