"""Load the catalogue YAML and its Avro schemas, compile each dataset's contract rules, and
refuse the whole file on any error."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hub.avro.schema import DatasetSchema, load_schema
from hub.catalogue.models import Catalogue, Classification, DatasetEntry
from hub.config_files import load_yaml_model
from hub.contracts import Contract, compile_contract
from hub.errors import ConfigurationError


@dataclass(frozen=True)
class LoadedCatalogue:
    """The catalogue with each dataset's schema parsed and cross-checked."""

    catalogue: Catalogue
    schemas: dict[str, DatasetSchema]
    contracts: dict[str, Contract] = field(default_factory=dict)

    def entry(self, dataset_id: str) -> DatasetEntry:
        try:
            return self.catalogue.dataset(dataset_id)
        except KeyError:
            raise ConfigurationError(f"Không có bộ dữ liệu {dataset_id!r} trong danh mục") from None

    def schema(self, dataset_id: str) -> DatasetSchema:
        return self.schemas[self.entry(dataset_id).id]

    def contract(self, dataset_id: str) -> Contract:
        """The dataset's contract rules, compiled when the catalogue was loaded."""
        entry = self.entry(dataset_id)
        found = self.contracts.get(entry.id)
        return found or compile_contract(entry.id, entry.contract, self.schemas[entry.id])


def load_catalogue(path: Path, schemas_dir: Path) -> LoadedCatalogue:
    catalogue = load_yaml_model(path, Catalogue, what="tệp danh mục")
    schemas: dict[str, DatasetSchema] = {}
    contracts: dict[str, Contract] = {}
    for entry in catalogue.datasets:
        schema = load_schema(schemas_dir / entry.schema_path)
        try:
            contracts[entry.id] = compile_contract(entry.id, entry.contract, schema)
        except ConfigurationError as exc:
            raise ConfigurationError(f"Danh mục {path}: {exc}") from None
        non_open = entry.classification is not Classification.OPEN
        if entry.open_projection is not None and non_open and not schema.personal_fields:
            raise ConfigurationError(
                f"Danh mục {path}: {entry.id} không công khai nhưng lược đồ"
                ' không đánh dấu trường cá nhân nào ("personal": true)'
            )
        schemas[entry.id] = schema
    return LoadedCatalogue(catalogue=catalogue, schemas=schemas, contracts=contracts)
