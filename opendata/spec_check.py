"""A publication spec checked against its dataset's schema, before anything is read: every
field it names exists, and none of them is personal."""

from __future__ import annotations

from hub.avro.schema import DatasetSchema
from opendata.errors import PublishBlocked
from opendata.specs import PublicationSpec


def check_spec(spec: PublicationSpec, schema: DatasetSchema) -> None:
    """Refuse a spec that names a field the schema lacks, or publishes a personal one."""
    known = set(schema.field_names)
    for name in spec.fields:
        if name not in known:
            raise PublishBlocked(
                f"trường {name!r} không có trong lược đồ {schema.path.name}"
                f" (các trường: {', '.join(schema.field_names)})"
            )
        if name in schema.personal_fields:
            raise PublishBlocked(
                f"trường {name!r} là dữ liệu cá nhân theo lược đồ {schema.path.name};"
                " không được công bố hay dùng để gộp nhóm"
            )
