"""`kho approval`: the IT centre lists, grants, revokes and reads the history of approvals, as
the `cli` actor, every change audited; a refusal is one line naming the rule, never a
traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hub.app.wiring import Hub
from hub.audit import AuditFilter, actions
from hub.settings import KhoSettings
from tests.unit.test_cli import kho

DOSSIERS = "tthc.dossiers"


def _row(stdout: str, publication_id: str) -> str:
    return next(line for line in stdout.splitlines() if line.startswith(f"│ {publication_id} "))


def test_grant_list_revoke_and_history(tmp_path: Path, cli_hub: Hub) -> None:
    """Pending, approved (a second grant writes nothing), revoked; each change audited as cli."""
    listed = kho(["approval", "list"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "chờ duyệt" in _row(listed.stdout, DOSSIERS)
    assert "dữ liệu mở" in _row(listed.stdout, "salinity.readings")

    granted = kho(["approval", "grant", DOSSIERS, "--note", "Đã rà soát"], tmp_path)
    assert granted.returncode == 0, granted.stderr
    assert f"Đã duyệt {DOSSIERS}" in granted.stdout and "đã duyệt" in granted.stdout
    again = kho(["approval", "grant", DOSSIERS], tmp_path)
    assert again.returncode == 0 and "đã được duyệt từ trước" in again.stdout
    assert "đã duyệt" in _row(kho(["approval", "list"], tmp_path).stdout, DOSSIERS)

    revoked = kho(["approval", "revoke", DOSSIERS, "--reason", "Lộ mã xã hiếm"], tmp_path)
    assert revoked.returncode == 0, revoked.stderr
    assert "Đã thu hồi phê duyệt #1" in revoked.stdout
    history = kho(["approval", "history", DOSSIERS], tmp_path)
    assert history.returncode == 0, history.stderr
    assert "Đã rà soát" in history.stdout and "Lộ mã xã hiếm" in history.stdout
    assert "đã thu hồi" in _row(kho(["approval", "list"], tmp_path).stdout, DOSSIERS)

    entries = cli_hub.audit.query(AuditFilter(dataset=DOSSIERS))
    assert [(e.action, e.actor.principal) for e in entries] == [
        (actions.DATASET_APPROVE, "cli"),
        (actions.DATASET_REVOKE_APPROVAL, "cli"),
    ]
    assert cli_hub.audit.verify().ok


def test_an_edited_spec_lists_as_needing_approval_again(tmp_path: Path) -> None:
    """Approve, then edit the spec (KHO_PUBLICATIONS_PATH): the list says approve again."""
    assert kho(["approval", "grant", DOSSIERS], tmp_path).returncode == 0
    raw = yaml.safe_load(KhoSettings().publications_path.read_text(encoding="utf-8"))
    next(p for p in raw["publications"] if p["id"] == DOSSIERS)["k"] = 10
    edited = tmp_path / "publications.yaml"
    edited.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    listed = kho(["approval", "list"], tmp_path, KHO_PUBLICATIONS_PATH=str(edited))
    assert listed.returncode == 0, listed.stderr
    assert "cần duyệt lại" in _row(listed.stdout, DOSSIERS)


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["grant", "khong.co"], "Không có ấn phẩm 'khong.co'"),
        (["history", "khong.co"], "Không có ấn phẩm 'khong.co'"),
        (["revoke", DOSSIERS, "--reason", "x"], "không có phê duyệt nào đang hiệu lực"),
    ],
)
def test_refusals_are_one_line(tmp_path: Path, args: list[str], named: str) -> None:
    """Unknown publication, nothing to revoke: exit 1 and one line naming why."""
    result = kho(["approval", *args], tmp_path)
    assert result.returncode == 1
    assert named in result.stderr and "Traceback" not in result.stderr + result.stdout


def test_revoke_requires_a_reason(tmp_path: Path) -> None:
    """Without --reason the command does not run."""
    result = kho(["approval", "revoke", DOSSIERS], tmp_path)
    assert result.returncode == 2 and "--reason" in result.stderr
