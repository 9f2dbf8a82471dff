"""Every ready-made connector configuration that reads a file has a seeded sample source in its
format. Run through the connector on the embedded hub, exactly the rows flawed on purpose are
dead-lettered, each by the rule planted for it, and every other row arrives converted to the
schema's types (decimal commas as floats, old commune codes as their 2025 codes, ...)."""

from __future__ import annotations

import codecs
import datetime as dt
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from connectors.config import ConnectorConfig, CsvSource, XlsxSource, load_connector_config
from connectors.convert import CONVERTERS
from connectors.runner import run_connector
from connectors.samples.dossiers import SampleExport
from connectors.samples.registry import SAMPLES, write_sample, write_sample_file
from connectors.sources.files import FileSource
from hub.app.cli.root import app
from hub.app.wiring import Hub
from hub.audit.entry import CLI
from hub.avro.decoder import RegistryDecoder
from hub.bus import read_all
from hub.identifiers.admin_units import wards_of_province
from hub.ingest import DeadLetter
from tests.paths import PROJECT_ROOT
from tests.unit.test_cli import kho

CONFIGS = PROJECT_ROOT / "connectors" / "configs"
FILE_CONFIGS = sorted(
    path
    for path in CONFIGS.glob("*.yaml")
    if isinstance(load_connector_config(path).source, CsvSource | XlsxSource)
)
ROWS = 150
DONG_THAP_2025 = {f"{w.code.value:05d}" for w in wards_of_province(82)}

# The seven priority sectors of the province's digital-transformation plan, and the dataset
# a ready-made configuration feeds for each.
PRIORITY_SECTORS = {
    "health": "health.facilities",
    "education": "education.schools",
    "finance-banking": "finance.budget_disbursement",
    "agriculture": "agriculture.crop_areas",
    "transport-logistics": "transport.waterway_cargo",
    "commerce-industry-energy": "commerce.listings",
    "natural-resources-environment": "environment.water_quality",
}
# The province's own shared datasets with a file connector.
PROVINCE_DATASETS = {
    "tthc.dossiers",
    "salinity.readings",
    "ocop.products",
    "traceability.stamps",
    "feedback.citizen_feedback",
}


def test_each_priority_sector_and_province_dataset_has_a_configuration() -> None:
    fed = {load_connector_config(path).dataset for path in FILE_CONFIGS}
    missing = {sector: d for sector, d in PRIORITY_SECTORS.items() if d not in fed}
    assert not missing, f"no file connector for {missing}"
    assert PROVINCE_DATASETS <= fed


def test_each_file_configuration_has_a_sample_and_each_sample_a_configuration() -> None:
    assert {path.name for path in FILE_CONFIGS} <= set(SAMPLES), "a configuration has no sample"
    assert set(SAMPLES) <= {path.name for path in CONFIGS.glob("*.yaml")}


def test_the_configurations_use_every_file_converter_and_a_constant() -> None:
    """Between them: vn_datetime, vn_bool, vn_integer, vn_decimal, choice, commune_2025, and a
    field that is the same constant on every record; XLSX with a named sheet. Every CSV
    configuration finds its delimiter (``auto``), and their samples use every delimiter."""
    configs = [load_connector_config(path) for path in FILE_CONFIGS]
    mappings = [m for c in configs for m in c.fields.values()]
    used = {m.convert for m in mappings if m.column is not None}
    wanted = {"vn_datetime", "vn_bool", "vn_integer", "vn_decimal", "choice", "commune_2025"}
    assert wanted <= used
    assert any(m.constant is not None for m in mappings)
    delimiters = {c.source.delimiter for c in configs if isinstance(c.source, CsvSource)}
    assert delimiters == {"auto"}
    assert any(isinstance(c.source, XlsxSource) and c.source.sheet for c in configs)


def test_the_csv_samples_use_every_delimiter(tmp_path: Path) -> None:
    """The CSV samples between them are separated by comma, semicolon and tab, so ``auto``
    is exercised on each."""
    found: set[str] = set()
    for path in FILE_CONFIGS:
        if isinstance(load_connector_config(path).source, CsvSource):
            data = write_sample(path.name, tmp_path, rows=3).path.read_bytes()
            utf16 = data.startswith(codecs.BOM_UTF16_LE)
            header = data.decode("utf-16" if utf16 else "utf-8-sig").splitlines()[0]
            found.add(max((",", ";", "\t"), key=header.count))
    assert found == {",", ";", "\t"}


@pytest.mark.parametrize("config_path", FILE_CONFIGS, ids=lambda p: p.stem)
def test_sample_runs_through_its_connector(
    config_path: Path, embedded_hub: Hub, tmp_path: Path
) -> None:
    config = load_connector_config(config_path)
    export = write_sample(config_path.name, tmp_path, seed=17, rows=ROWS)
    assert export.rows == ROWS and export.invalid_rows, "a sample plants flawed rows"

    report = run_connector(config, export.path, embedded_hub.writer(config.dataset))
    assert report.accepted == export.rows - len(export.invalid_rows)
    assert report.rejected == len(export.invalid_rows)

    entry = embedded_hub.catalogue.entry(config.dataset)
    letters = {
        letter.source["position"]: letter
        for letter in (
            DeadLetter.from_bytes(r.value) for r in read_all(embedded_hub.bus, entry.dlq_topic)
        )
    }
    assert set(letters) == set(export.invalid_rows)
    for row, rule in export.invalid_rows.items():
        assert rule in {v.rule for v in letters[row].violations}, (row, letters[row].reason)
        assert letters[row].source["name"] == export.path.name

    _assert_converted(embedded_hub, config, export)


def _assert_converted(hub: Hub, config: ConnectorConfig, export: SampleExport) -> None:
    """Each valid row's record holds its cells converted to the schema's types: compared by
    the record key, in source order among rows with the same key."""
    rows = {row.row_number: row.cells for row in FileSource(config, export.path).rows()}
    valid = [cells for number, cells in sorted(rows.items()) if number not in export.invalid_rows]
    key_field = hub.catalogue.schema(config.dataset).key_field
    key_column = config.fields[key_field].column
    assert key_column is not None
    decoder = RegistryDecoder(hub.registry)
    published: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for message in read_all(hub.bus, hub.catalogue.entry(config.dataset).topic):
        record = decoder.decode(message.value)
        published[record[key_field]].append(record)
    assert sum(len(records) for records in published.values()) == len(valid)

    taken: Counter[str] = Counter()
    old_codes = 0
    for cells in valid:
        key = cells[key_column]
        record = published[key][taken[key]]
        taken[key] += 1
        for field, mapping in config.fields.items():
            value = record[field]
            if mapping.column is None:
                assert value == mapping.constant
                continue
            cell = cells.get(mapping.column, "")
            assert unicodedata.is_normalized("NFC", cell)
            if cell == "":
                assert value is None, (field, value)
                continue
            expected = CONVERTERS[mapping.convert](cell, mapping)
            kind = mapping.convert
            if kind == "vn_decimal":
                assert isinstance(value, float) and value == pytest.approx(expected)
            elif kind == "vn_integer":
                assert isinstance(value, int) and not isinstance(value, bool)
                assert value == expected
            elif kind == "vn_bool":
                assert isinstance(value, bool) and value is expected
            elif kind == "vn_datetime" and isinstance(value, dt.datetime):
                assert value.tzinfo is not None and value == expected
            elif kind == "vn_datetime":
                assert isinstance(value, dt.date) and value == expected.date()
            elif kind == "commune_2025":
                assert value == expected and value in DONG_THAP_2025, (cell, value)
                old_codes += cell.zfill(5) != value
            else:
                assert value == expected, (field, cell, value)
    if any(m.convert == "commune_2025" for m in config.fields.values()):
        assert old_codes, "the sample carries pre-2025 commune codes, converted to 2025 codes"


def test_the_open_sector_datasets_reach_the_open_data_portal(
    embedded_hub: Hub, tmp_path: Path
) -> None:
    """The four open datasets the sector samples feed have a publication each: once their
    samples are connected, publishing puts every accepted record on the (folder) portal."""
    open_sectors = {
        "finance.budget_disbursement",
        "agriculture.crop_areas",
        "transport.waterway_cargo",
        "environment.water_quality",
    }
    accepted: dict[str, int] = {}
    for path in FILE_CONFIGS:
        config = load_connector_config(path)
        if config.dataset in open_sectors:
            export = write_sample(path.name, tmp_path, rows=ROWS)
            report = run_connector(config, export.path, embedded_hub.writer(config.dataset))
            accepted[config.dataset] = report.accepted
    assert set(accepted) == open_sectors
    results = {r.publication_id: r for r in embedded_hub.publisher().run(CLI, only=open_sectors)}
    for dataset, count in accepted.items():
        result = results[dataset]
        assert (result.status, result.action, result.rows) == ("published", "created", count)
        assert any(name.endswith(".csv") for name in result.uploads)


def test_kho_sample_source_writes_the_configured_format_reproducibly(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "tem.csv"
    args = ["sample", "source", "traceability-stamps", "--out", str(out), "--rows", "40"]
    result = runner.invoke(app, [*args, "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "40 dòng" in result.output and "cố ý sai" in result.output
    assert out.read_bytes().startswith(codecs.BOM_UTF8)
    again = write_sample_file("traceability-stamps.yaml", tmp_path / "lai.csv", seed=3, rows=40)
    assert again.path.read_bytes() == out.read_bytes()

    feedback = runner.invoke(app, ["sample", "source", "feedback-1022", "--out", str(tmp_path)])
    assert feedback.exit_code == 0, feedback.output
    assert (tmp_path / "phan-anh-1022.txt").read_bytes().startswith(codecs.BOM_UTF16_LE)


def test_kho_sample_source_never_wraps_a_path_or_its_message(tmp_path: Path) -> None:
    """In a 40-column pipe, the written file's long path and "cố ý sai" stay whole on one line
    of the CLI's output (the consoles soft-wrap; a wrap used to fall inside "cố ý sai")."""
    out = tmp_path / ("thư-mục-xuất-" + "x" * 120) / "tem-truy-xuất.csv"
    args = ["sample", "source", "traceability-stamps", "--out", str(out), "--rows", "40"]
    result = kho(args, tmp_path, COLUMNS="40")
    assert result.returncode == 0, result.stderr
    assert out.exists()
    lines = result.stdout.splitlines()
    assert any(str(out) in line and "cố ý sai" in line for line in lines), result.stdout


def test_kho_sample_all_writes_every_source(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["sample", "all", "--out", str(tmp_path), "--rows", "20"])
    assert result.exit_code == 0, result.output
    assert {p.name for p in tmp_path.iterdir()} == {s.file_name for s in SAMPLES.values()}


def test_kho_sample_source_refuses_an_unknown_name_in_one_line(tmp_path: Path) -> None:
    result = kho(["sample", "source", "khong-co", "--out", str(tmp_path / "x.csv")], tmp_path)
    assert result.returncode == 1
    assert "khong-co" in result.stderr and "salinity-readings" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
