"""The bodies of the Confluent Schema Registry API at /registry, as pydantic models: what the
handlers (hub/app/api/registry_handlers.py) return and parse, and ``/openapi.json`` describes.
Names are Confluent's (``schemaType``, ``compatibilityLevel``), so Confluent clients read them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, RootModel

MEDIA_TYPE = "application/vnd.schemaregistry.v1+json"


class _Confluent(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ConfluentError(_Confluent):
    """Lỗi theo dạng của Confluent | A Confluent error: its code and a Vietnamese message."""

    error_code: int = Field(description="40401 subject, 40402 version, 40403 schema, ...")
    message: str
    incompatibilities: list[dict[str, Any]] | None = Field(
        default=None, description="Chỉ với 409 | Only with 409: field, rule and version"
    )


class RegisteredId(_Confluent):
    id: int = Field(ge=1, description="Mã lược đồ | The schema's global id")


class SchemaText(_Confluent):
    text: str = Field(alias="schema", description="Lược đồ Avro (JSON) | The Avro schema")


class SubjectVersion(_Confluent):
    subject: str
    version: int = Field(ge=1)
    id: int = Field(ge=1)
    text: str = Field(alias="schema")


class SubjectVersionRef(_Confluent):
    subject: str
    version: int = Field(ge=1)


class Subjects(RootModel[list[str]]):
    """Các chủ đề | Subject names."""


class Versions(RootModel[list[int]]):
    """Các phiên bản | Version numbers."""


class SubjectVersionRefs(RootModel[list[SubjectVersionRef]]):
    """Các (chủ đề, phiên bản) dùng lược đồ | The (subject, version) pairs using a schema."""


class SchemaTypes(RootModel[list[str]]):
    """Chỉ AVRO | Only AVRO."""


class DeletedVersion(RootModel[int]):
    """Phiên bản đã xóa | The version deleted."""


class RawSchema(RootModel[Any]):
    """Lược đồ Avro nguyên văn | The Avro schema itself, as registered."""


class Empty(_Confluent):
    """Đối tượng rỗng | An empty object."""


class CompatibilityLevelAnswer(_Confluent):
    compatibilityLevel: str = Field(description="BACKWARD, FORWARD, FULL, NONE, ..._TRANSITIVE")


class CompatibilitySet(_Confluent):
    compatibility: str


class CompatibilityCheck(_Confluent):
    is_compatible: bool
    messages: list[str] | None = Field(default=None, description="Chỉ với verbose=true")


class SchemaInput(_Confluent):
    """Lược đồ gửi lên | A schema to register, look up or test."""

    text: str = Field(alias="schema", description="Lược đồ Avro (chuỗi JSON) | The Avro schema")
    schemaType: str | None = Field(default=None, description="Chỉ AVRO | Only AVRO")
    references: list[Any] | None = Field(default=None, description="Chưa hỗ trợ | Not supported")


class ConfigInput(_Confluent):
    """Mức tương thích | A compatibility level (either key)."""

    compatibility: str | None = None
    compatibilityLevel: str | None = None
