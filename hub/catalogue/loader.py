"""Load the catalogue YAML and its Avro schemas, refusing the whole file on any error."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pydantic
import yaml

from hub.avro.schema import DatasetSchema, load_schema
from hub.catalogue.models import Catalogue, Classification, DatasetEntry
from hub.errors import ConfigurationError


@dataclass(frozen=True)
class LoadedCatalogue:
    """The catalogue with each dataset's schema parsed and cross-checked."""

    catalogue: Catalogue
    schemas: dict[str, DatasetSchema]

    def entry(self, dataset_id: str) -> DatasetEntry:
        try:
            return self.catalogue.dataset(dataset_id)
        except KeyError:
            raise ConfigurationError(f"Không có bộ dữ liệu {dataset_id!r} trong danh mục") from None

    def schema(self, dataset_id: str) -> DatasetSchema:
        return self.schemas[self.entry(dataset_id).id]


def load_catalogue(path: Path, schemas_dir: Path) -> LoadedCatalogue:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigurationError(f"Không tìm thấy tệp danh mục {path}") from exc
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"Tệp danh mục {path} không phải YAML hợp lệ: {exc}") from exc
    try:
        catalogue = Catalogue.model_validate(raw)
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(gốc)'}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigurationError(f"Danh mục {path} không hợp lệ: {problems}") from exc
    schemas: dict[str, DatasetSchema] = {}
    for entry in catalogue.datasets:
        schema = load_schema(schemas_dir / entry.schema_path)
        for check in entry.contract:
            for name in (check.field, check.other):
                if name is not None and name not in schema.field_names:
                    raise ConfigurationError(
                        f"Danh mục {path}: bộ dữ liệu {entry.id} kiểm tra trường {name!r}"
                        f" không có trong lược đồ {schema.path.name}"
                    )
        non_open = entry.classification is not Classification.OPEN
        if entry.open_projection is not None and non_open and not schema.personal_fields:
            raise ConfigurationError(
                f"Danh mục {path}: {entry.id} không công khai nhưng lược đồ"
                ' không đánh dấu trường cá nhân nào ("personal": true)'
            )
        schemas[entry.id] = schema
    return LoadedCatalogue(catalogue=catalogue, schemas=schemas)
