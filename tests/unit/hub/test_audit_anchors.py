"""Every kind of tampering with the audit log on the embedded defaults (SQLite, anchors in a
file): ``kho audit verify`` exits 1 naming the first bad entry, with no ``--head``; a forged
anchor is reported and never trusted; a tampered entry is listed flagged by the API and on the
citizen's "who read my data" page instead of failing them."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.testclient import TestClient

from hub.app.api import build_app
from hub.app.wiring import Hub, build_hub
from hub.audit import Actor, ChainHead, Problem, actions
from hub.audit.anchor import Anchor, FileAnchors, sign
from hub.audit.anchoring import Anchoring
from hub.audit.log import AuditLog
from hub.auth.tokens import Role
from hub.db import create_engine, create_tables
from hub.settings import KhoSettings
from tests.audit_tampering import (
    TAMPERINGS,
    Tampering,
    check_named,
    cli,
    fill,
    insert_after_third,
    recompute_from_third,
    reset,
    verify_cli,
)

AN = "082095000123"  # a sample citizen of the development sign-in


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """One hub for the module (each case empties its log first): building one costs ~1 s."""
    data = tmp_path_factory.mktemp("anchored") / "kho"
    opened = build_hub(KhoSettings(data_dir=data, audit_anchor_every=1))
    yield opened
    opened.close()


@pytest.fixture
def fresh(hub: Hub) -> Hub:
    reset(hub)
    return hub


@pytest.mark.parametrize("case", TAMPERINGS)
def test_each_tampering_is_named_without_a_head(fresh: Hub, case: Tampering) -> None:
    """Entries 1 to 6, each anchored; one kind of tampering; verify (and the CLI, exit 1)
    names the entry and the kind."""
    check_named(fresh, case)


def test_sparse_anchors_bound_a_recomputed_chain(tmp_path: Path) -> None:
    """Anchored every 2 entries: a chain recomputed from entry 3 is caught at entry 4, the first
    anchor it breaks, and the report gives the range since the last anchor still matched."""
    engine = create_engine(f"sqlite:///{tmp_path / 'audit.sqlite3'}")
    create_tables(engine)
    anchoring = Anchoring(FileAnchors(tmp_path / "anchors.jsonl"), tmp_path / "k.key", every=2)
    log = AuditLog(engine, None, anchoring)
    for n in range(6):
        log.append(actions.RECORDS_WRITE, actor=Actor("cli"), details={"n": n})
    assert len((tmp_path / "anchors.jsonl").read_text().splitlines()) == 3
    with engine.begin() as conn:
        recompute_from_third(conn)
    report = log.verify()
    assert report.breach is not None
    assert (report.breach.seq, report.breach.problem, report.checked) == (4, Problem.DIVERGED, 2)
    assert "khoảng 3 đến 4; mục 2 vẫn khớp mốc" in report.breach.message
    engine.dispose()


def test_a_forged_anchor_is_reported_and_not_trusted(fresh: Hub) -> None:
    """An anchor signed with another key, claiming entry 100, is reported (exit 1, its line
    named) and not used: the log is not called truncated; the real anchors still count."""
    fill(fresh)
    forged = sign(
        Anchor(100, "ab" * 32, 100, dt.datetime.now(dt.UTC)), Ed25519PrivateKey.generate()
    )
    FileAnchors(fresh.settings.data_dir / "audit-anchors.jsonl").append(forged)
    report = fresh.audit.verify()
    assert report.breach is None and report.anchored is not None
    assert report.anchored.seq == 6
    assert len(report.forged) == 1 and "dòng 7" in report.forged[0]
    assert "chữ ký không khớp" in report.forged[0]
    result = verify_cli(fresh)
    assert result.exit_code == 1
    assert "Mốc giả mạo" in result.stderr and "dòng 7" in result.stderr


def test_a_garbled_anchor_line_is_reported(fresh: Hub) -> None:
    """A line of the anchors' file that is not a signed anchor at all is reported, not fatal."""
    fill(fresh)
    FileAnchors(fresh.settings.data_dir / "audit-anchors.jsonl").append(b"not json")
    report = fresh.audit.verify()
    assert report.breach is None and len(report.forged) == 1
    assert "JSON sai dạng" in report.forged[0]


def test_anchor_command_signs_the_verified_head(fresh: Hub) -> None:
    """`kho audit anchor` after appends below the anchoring interval signs the head; deleting
    the tail afterwards is then caught without --head."""
    fresh.audit.anchoring = Anchoring(
        FileAnchors(fresh.settings.data_dir / "audit-anchors.jsonl"),
        fresh.settings.data_dir / "audit-anchor.key",
        every=1000,
        interval_s=3600,
    )
    fill(fresh)
    assert not (fresh.settings.data_dir / "audit-anchors.jsonl").exists()
    signed = cli(fresh, "anchor")
    assert signed.exit_code == 0, signed.output
    assert signed.stdout.strip().splitlines()[-1].startswith("6:")
    with fresh.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_log WHERE seq = 6"))
    result = verify_cli(fresh)
    assert result.exit_code == 1 and "mục 6 (truncated)" in result.stderr
    refused = cli(fresh, "anchor")
    assert refused.exit_code == 1 and "Không ký mốc" in refused.stderr


def test_a_tampered_entry_is_listed_flagged_by_the_api(fresh: Hub) -> None:
    """GET /api/v1/audit after entry 3's time was made unreadable answers 200, entry 3 flagged
    with the column named, the others as written."""
    fill(fresh)
    with fresh.engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_log SET at = 'hôm qua' WHERE seq = 3"))
        conn.execute(sa.text("UPDATE audit_log SET hash = 'xyz' WHERE seq = 5"))
    token = fresh.tokens.create("vp-ubnd", frozenset({Role.ADMIN})).plaintext
    with TestClient(build_app(fresh)) as client:
        answer = client.get("/api/v1/audit", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    entries = {entry["seq"]: entry for entry in answer.json()["entries"]}
    assert "thời điểm (at) chứa 'hôm qua'" in entries[3]["unreadable"]
    assert entries[5]["hash"] == "xyz" and "băm (hash)" in entries[5]["unreadable"]
    assert entries[2]["unreadable"] is None and entries[2]["details"] == {"n": 1}


def test_who_read_my_data_flags_a_tampered_read(fresh: Hub) -> None:
    """A citizen's read entry tampered (its time unreadable, another's details of the wrong
    type): the page answers 200 and shows each as an altered entry, not a 500."""
    for details in ({"procedure": "1.000656", "evidence": [["KS-1", 1]]}, {"evidence": 5}):
        fresh.audit.append(
            actions.EVIDENCE_READ,
            actor=Actor("token:0123456789ab", "so-yt"),
            details=details,
            subjects=[AN],
        )
    with fresh.engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_log SET at = 'hôm qua' WHERE seq = 1"))
    with TestClient(build_app(fresh), follow_redirects=False) as client:
        page = client.get("/dang-nhap", params={"next": "/cua-toi"})
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        signed_in = client.post(
            "/dang-nhap",
            data={"person": f"cong-dan-{AN}", "next": "/cua-toi", "csrf_token": token},
        )
        assert signed_in.status_code == 303, signed_in.text
        answer = client.get("/cua-toi/ai-da-xem")
    assert answer.status_code == 200, answer.text
    assert "Mục nhật ký số 1 đã bị sửa" in answer.text
    assert "Mục nhật ký số 2 đã bị sửa" in answer.text


def test_anchor_records_are_signed_canonical_json(tmp_path: Path) -> None:
    """An anchor line holds seq, hash, count, time and key id, and its signature checks with the
    key file's public key (what a verifier given only the public key uses)."""
    anchoring = Anchoring(FileAnchors(tmp_path / "a.jsonl"), tmp_path / "k.key")
    anchoring.publish(ChainHead(7, "cd" * 32))
    [line] = (tmp_path / "a.jsonl").read_text().splitlines()
    document = json.loads(line)
    assert set(document["anchor"]) == {"seq", "hash", "count", "at", "key"}
    assert (document["anchor"]["seq"], document["anchor"]["count"]) == (7, 7)
    assert oct((tmp_path / "k.key").stat().st_mode & 0o777) == "0o600"
    [valid] = anchoring.read().valid
    assert valid.head.seq == 7


def test_an_inserted_row_is_named_by_the_chain_alone(tmp_path: Path) -> None:
    """Without anchors, a made-up entry slipped in after entry 3 (the rest renumbered) is named
    by the chain: entry 5, once entry 4, still follows entry 3."""
    engine = create_engine(f"sqlite:///{tmp_path / 'audit.sqlite3'}")
    create_tables(engine)
    log = AuditLog(engine)
    for n in range(6):
        log.append(actions.RECORDS_WRITE, actor=Actor("cli"), details={"n": n})
    with engine.begin() as conn:
        insert_after_third(conn)
    report = log.verify()
    assert report.breach is not None
    assert (report.breach.seq, report.breach.problem, report.checked) == (4, Problem.INSERTED, 4)
    assert "mục 5 vốn nối tiếp ngay sau mục 3" in report.breach.message
    engine.dispose()
