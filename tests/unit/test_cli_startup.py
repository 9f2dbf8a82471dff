"""``kho`` starts without importing what the command run does not use (hub/app/cli/lazy_group.py):
``kho --help`` imports no command group and no adapter, an unchanged ``kho publish`` none of the
other commands' libraries. Checked on the modules a fresh process holds, not on a timing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from hub.app.cli.root import KhoCommands, app
from hub.app.wiring import Hub
from tests.unit.opendata.test_publish_unchanged import FIGURES, published_once

# Prints which of the modules named in argv[1] (JSON) the `kho` run with the rest of argv
# imported; the command's own output goes to stdout before it.
_PROBE = """
import json, sys
watched = json.loads(sys.argv.pop(1))
from hub.app.cli.root import main
try:
    main()
except SystemExit as exit:
    code = exit.code
else:
    code = 0
print(json.dumps({"code": code, "imported": [m for m in watched if m in sys.modules]}))
"""

# What the profile of `kho --help` found among its 3 s of imports before it was lazy: every
# adapter and command group's library (the wiring, the database, Kafka, Avro, Parquet, the
# address parsers, the 766 index's holidays, JWT, CEL and its prompt_toolkit shell...).
NOT_FOR_HELP = (
    "hub.app.wiring",
    "hub.app.cli.publish",
    "hub.app.cli.connector",
    "hub.app.cli.acl",
    "sqlalchemy",
    "kafka",
    "fastavro",
    "pyarrow",
    "openpyxl",
    "vietnamadminunits",
    "vietnam_provinces",
    "holidays",
    "jwt",
    "cel",
    "prompt_toolkit",
    "psycopg",
    "rdflib",
    "connectors",
    "uvicorn",
    "prometheus_client",
    "structlog",
)
# What an unchanged `kho publish` on the embedded defaults has no use for: the other commands'
# libraries, the address parsers (only a contract check on a record needs them), Parquet (only
# a publication that changed writes files) and the PostgreSQL driver (the hub is on SQLite).
NOT_FOR_PUBLISH = (
    "hub.app.cli.connector",
    "hub.app.cli.acl",
    "hub.app.cli.index766",
    "hub.index766.worker",
    "kafka",
    "pyarrow",
    "numpy",
    "openpyxl",
    "vietnamadminunits",
    "holidays",
    "jwt",
    "psycopg",
    "connectors",
    "uvicorn",
    "shapely",
    "rdflib",
    "opendata.changed",
    # Loading the catalogue compiles the contracts with CEL, but not CEL's own REPL (cel.cli:
    # prompt_toolkit, pygments; hub.contracts.cel_engine); the code lists the contract
    # functions check against load on a first check (vietnam_provinces); the registry subjects
    # of the masked topics import neither the masking worker nor the metrics (prometheus_client
    # and its http.server); the default rate limits are not parsed (`limits`); the logs import
    # structlog (its dev module: rich.traceback, pygments) only to write a line.
    "cel.cli",
    "prompt_toolkit",
    "vietnam_provinces",
    "hub.sharing.masked_worker",
    "hub.ingest.validation",
    "hub.metrics",
    "prometheus_client",
    "http.server",
    "limits",
    "structlog",
)
# What a `kho publish` that finds its publication unchanged has no use for besides: it reads
# no record of the topic and builds no file, so neither materialising nor the portal dataset
# (its files and their DCAT-AP description, with rdflib).
NOT_FOR_UNCHANGED_PUBLISH = (
    *NOT_FOR_PUBLISH,
    "opendata.materialise",
    "opendata.aggregate",
    "opendata.portal_dataset",
    "opendata.dcat",
)


def probe(args: list[str], watched: tuple[str, ...], cwd: Path) -> tuple[str, dict[str, object]]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(watched), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    *output, last = done.stdout.rstrip("\n").split("\n")
    return "\n".join(output), json.loads(last)


def test_help_lists_every_command_and_imports_none(tmp_path: Path) -> None:
    """`kho --help` lists every command with its Vietnamese line without importing any command
    group, the wiring or an adapter's library."""
    output, seen = probe(["--help"], NOT_FOR_HELP, tmp_path)
    assert seen == {"code": 0, "imported": []}
    for entry in KhoCommands.lazy:
        assert entry.name in output
    assert "Công bố các ấn phẩm của danh mục dữ liệu mở" in output
    assert "Chỉ số 766" in output


def test_publish_help_imports_no_adapter(tmp_path: Path) -> None:
    """`kho publish --help` imports its command module, but not the publisher, the wiring or
    any adapter's library."""
    watched = (*(m for m in NOT_FOR_HELP if m != "hub.app.cli.publish"), "opendata.publisher")
    output, seen = probe(["publish", "--help"], watched, tmp_path)
    assert seen == {"code": 0, "imported": []}
    assert "--plan" in output


def test_publish_imports_only_what_publishing_needs(tmp_path: Path) -> None:
    """`kho publish --plan` on the embedded defaults runs, and imports neither the other
    commands' libraries nor the address parsers nor Parquet."""
    output, seen = probe(["publish", "--plan"], NOT_FOR_PUBLISH, tmp_path)
    assert seen == {"code": 0, "imported": []}
    assert "Kế hoạch công bố dữ liệu mở" in output


def test_an_unchanged_publish_imports_neither_materialising_nor_dcat(
    tmp_path: Path, cli_hub: Hub
) -> None:
    """`kho publish` on a publication published before and unchanged since answers it as
    unchanged without importing what reading the topic, writing files or describing them in
    DCAT-AP needs."""
    published_once(cli_hub, tmp_path)
    output, seen = probe(["publish", "--only", FIGURES], NOT_FOR_UNCHANGED_PUBLISH, tmp_path)
    assert seen == {"code": 0, "imported": []}
    assert "Không có gì thay đổi: 1 ấn phẩm giữ nguyên" in " ".join(output.split())


def test_listed_lines_are_the_commands_own_help(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The help `kho --help` shows from the lazy table is exactly the help it shows once every
    command is imported: a line in the table cannot drift from its command."""
    monkeypatch.setenv("COLUMNS", "200")

    def rendered(load_all: bool) -> str:
        group = typer.main.get_command(app)
        assert isinstance(group, KhoCommands)
        if load_all:
            ctx = typer.Context(group, info_name="kho")
            for name in group.list_commands(ctx):
                assert group.get_command(ctx, name) is not None
        group.main(["--help"], prog_name="kho", standalone_mode=False)
        return capsys.readouterr().out

    lazy, loaded = rendered(load_all=False), rendered(load_all=True)
    assert "dcat" in lazy and "Tiếp nhận dữ liệu qua API: bảo trì." in lazy
    assert lazy == loaded


def test_a_mistyped_command_is_suggested_among_the_lazy_ones() -> None:
    """`kho publsh` fails with a usage error that suggests `publish`, a lazily loaded
    command."""
    result = CliRunner().invoke(app, ["publsh"])
    assert result.exit_code == 2
    assert "Did you mean 'publish'?" in result.output


def test_cel_without_its_shell_has_the_packages_names() -> None:
    """The cel package as hub.contracts.cel_engine sets it up (without its REPL) has every
    name the package's own ``__init__`` gives it but ``cli``, which stays importable: a new
    version of the package that adds a name to its ``__init__`` fails here."""
    names = "print(sorted(n for n in vars(cel) if not n.startswith('__')))"
    ours, theirs = (
        subprocess.run(
            [sys.executable, "-c", f"{setup}\n{names}"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        for setup in ("from hub.contracts.cel_engine import cel", "import cel")
    )
    assert "'cli'" in theirs
    assert ours == theirs.replace("'cli', ", "")
    shell = "from hub.contracts.cel_engine import cel\nimport cel.cli\nprint(cel.cli.__name__)"
    done = subprocess.run(
        [sys.executable, "-c", shell], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "cel.cli"
