"""`kho catalogue`, `kho agency` and `kho token`: what a data steward and the IT centre run,
with errors as one line naming what is wrong, and every grant change in the audit log."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.app.wiring import Hub
from hub.audit import AuditFilter
from hub.auth.tokens import AuthError
from tests.paths import CATALOGUE_DIR
from tests.unit.test_cli import kho

CATALOGUE = CATALOGUE_DIR / "datasets.yaml"


def _issued(stdout: str) -> str:
    return next(line for line in stdout.splitlines() if line.startswith("kho_"))


def test_catalogue_validate_accepts_the_repository_file(tmp_path: Path) -> None:
    result = kho(["catalogue", "validate"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "15 bộ dữ liệu" in result.stdout and "13 quyền khai thác" in result.stdout
    assert "12 thủ tục" in result.stdout
    assert "21 chủ đề lược đồ" in result.stdout  # 15 datasets' and 6 masked topics' subjects


def test_catalogue_validate_names_a_fault_in_the_procedures_file(tmp_path: Path) -> None:
    procedures = CATALOGUE.parent / "procedures.yaml"
    raw = yaml.safe_load(procedures.read_text(encoding="utf-8"))
    raw["evidence_types"][0]["issuer"] = "so-khong-co"
    bad = tmp_path / "procedures.yaml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    result = kho(["catalogue", "validate", "--procedures", str(bad)], tmp_path)
    assert result.returncode == 1
    assert "so-khong-co" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (
            lambda raw: raw["datasets"][0]["consumers"].append({"agency": "so-x", "purpose": "p"}),
            "consumer 'so-x' is not an agency",
        ),
        (lambda raw: raw["datasets"].append(raw["datasets"][1]), "duplicate dataset"),
        (lambda raw: raw["datasets"][2].update(schema="khong/co.avsc"), "khong/co.avsc"),
    ],
)
def test_catalogue_validate_names_the_fault(
    tmp_path: Path, change: Callable[[dict[str, Any]], object], named: str
) -> None:
    """A bad file exits 1 with one line naming the fault, never a traceback."""
    raw = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    change(raw)
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    result = kho(["catalogue", "validate", str(bad)], tmp_path)
    assert result.returncode == 1
    assert named in result.stderr and "Traceback" not in result.stderr


def test_catalogue_list_and_show(tmp_path: Path) -> None:
    listed = kho(["catalogue", "list"], tmp_path)
    assert listed.returncode == 0 and "so-khcn (cá nhân)" in listed.stdout
    shown = kho(["catalogue", "show", "tthc.dossiers"], tmp_path)
    assert shown.returncode == 0
    assert "P10Y" in shown.stdout and "tthc.dossiers.masked" in shown.stdout
    unknown = kho(["catalogue", "show", "khong.co"], tmp_path)
    assert unknown.returncode == 1 and "khong.co" in unknown.stderr


def test_token_rotate_retires_the_old_token_and_is_audited(tmp_path: Path, cli_hub: Hub) -> None:
    created = kho(["token", "create", "--agency", "so-ct", "--role", "consumer"], tmp_path)
    assert created.returncode == 0, created.stderr
    old = _issued(created.stdout)
    old_id = old.split("_")[1]
    rotated = kho(["token", "rotate", old_id], tmp_path)
    assert rotated.returncode == 0, rotated.stderr
    new = _issued(rotated.stdout)
    with pytest.raises(AuthError, match="thu hồi"):
        cli_hub.tokens.authenticate(old)
    credential = cli_hub.tokens.authenticate(new)
    assert credential.agency == "so-ct" and {r.value for r in credential.roles} == {"consumer"}
    again = kho(["token", "rotate", old_id], tmp_path)
    assert again.returncode == 1 and old_id in again.stderr
    revoked = kho(["token", "revoke", credential.token_id], tmp_path)
    assert revoked.returncode == 0
    logged = [e.action for e in cli_hub.audit.query(AuditFilter())]
    assert logged == ["token.create", "token.rotate", "token.revoke"]
    assert cli_hub.audit.verify().ok


def test_token_rotate_with_grace_keeps_the_old_token_for_a_while(cli_hub: Hub) -> None:
    import datetime as dt

    from hub.auth.tokens import Role

    old = cli_hub.tokens.create(
        "so-ct", frozenset({Role.CONSUMER}), valid_for=dt.timedelta(days=30)
    )
    new = cli_hub.tokens.rotate(old.token_id, grace=dt.timedelta(hours=1))
    assert new is not None and new.expires_at is not None
    assert cli_hub.tokens.authenticate(old.plaintext).agency == "so-ct"
    (info,) = [t for t in cli_hub.tokens.describe("so-ct") if t.token_id == old.token_id]
    assert info.expires_at is not None
    assert info.expires_at <= dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    assert new.expires_at - dt.datetime.now(dt.UTC) > dt.timedelta(days=29)


def test_token_create_refuses_an_unknown_agency(tmp_path: Path) -> None:
    result = kho(["token", "create", "--agency", "so-ma"], tmp_path)
    assert result.returncode == 1
    assert "so-ma" in result.stderr and "vp-ubnd" in result.stderr


def test_agency_show_lists_what_it_reads(tmp_path: Path) -> None:
    created = kho(["token", "create", "--agency", "so-ct", "--role", "consumer"], tmp_path)
    assert created.returncode == 0
    shown = kho(["agency", "show", "so-ct"], tmp_path)
    assert shown.returncode == 0, shown.stderr
    lines = {line.split("│")[1].strip(): line for line in shown.stdout.splitlines() if "│" in line}
    assert "bản che" in lines["tthc.dossiers"] and "grant" in lines["tthc.dossiers"]
    assert "mọi trường" in lines["ocop.products"]  # granted personal data
    assert "không" in lines["feedback.citizen_feedback"]  # no grant, no open projection
    assert "evidence.citizen_evidence" not in lines  # restricted to vp-ubnd
    listed = kho(["agency", "list"], tmp_path)
    assert listed.returncode == 0 and "Sở Công Thương" in listed.stdout
