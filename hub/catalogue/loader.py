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
    # Datasets whose entry and schema disagree about personal data, with the reason. Such a
    # dataset loads without its open projection: nothing of it is public until it is mended.
    defects: dict[str, str] = field(default_factory=dict)

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
    defects: dict[str, str] = {}
    entries: list[DatasetEntry] = []
    for entry in catalogue.datasets:
        try:
            schema = load_schema(schemas_dir / entry.schema_path)
            contracts[entry.id] = compile_contract(entry.id, entry.contract, schema)
            _check_pseudonymised_fields(entry, schema)
        except ConfigurationError as exc:
            raise ConfigurationError(f"Danh mục {path}, bộ dữ liệu {entry.id}: {exc}") from None
        schemas[entry.id] = schema
        defect = personal_marks_defect(entry, schema)
        if defect is not None:
            defects[entry.id] = defect
            entry = entry.model_copy(update={"open_projection": None})
        entries.append(entry)
    catalogue = catalogue.model_copy(update={"datasets": tuple(entries)})
    return LoadedCatalogue(catalogue, schemas, contracts, defects)


def personal_marks_defect(entry: DatasetEntry, schema: DatasetSchema) -> str | None:
    """Why the entry and its schema disagree about personal data: a non-open dataset with an
    open projection says it holds personal fields to drop, so its schema must mark them."""
    non_open = entry.classification is not Classification.OPEN
    if entry.open_projection is not None and non_open and not schema.personal_fields:
        return (
            f"danh mục nói bộ dữ liệu {entry.id} có dữ liệu cá nhân (open_projection bỏ trường cá"
            f" nhân) nhưng lược đồ {schema.path.name} không đánh dấu trường nào"
            ' ("personal": true); sửa lược đồ trước khi công bố'
        )
    return None


def _check_pseudonymised_fields(entry: DatasetEntry, schema: DatasetSchema) -> None:
    for name in entry.pseudonymise:
        if name not in schema.personal_fields:
            raise ConfigurationError(
                f"pseudonymise: {name!r} không phải trường cá nhân của lược đồ {schema.path.name}"
            )
        if not schema.is_string_field(name):
            raise ConfigurationError(
                f"pseudonymise: {name!r} không phải trường chuỗi; chỉ bí danh hoá được chuỗi"
            )
