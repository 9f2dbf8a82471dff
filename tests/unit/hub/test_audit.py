"""The audit log: a hash chain that names the first modified, deleted or reordered entry, a
head anchor that catches a cut tail, serialised appends, the CLI, the admin API and the write
paths that append to it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient
from typer.testing import CliRunner

from connectors.samples.dossiers import dossier_documents, write_dossier_export
from hub.app.api import build_app
from hub.app.cli.audit import audit_app
from hub.app.cli.root import app as kho_app
from hub.app.demo import run_demo
from hub.app.wiring import Hub, build_hub
from hub.audit import (
    CLI,
    Actor,
    AuditError,
    AuditFilter,
    AuditLog,
    ChainHead,
    Problem,
    actions,
)
from hub.audit.chain import GENESIS_HASH, Content
from hub.audit.table import audit_table
from hub.auth.tokens import Role
from hub.db import create_engine, create_tables
from hub.settings import KhoSettings
from tests.paths import DOSSIER_CONNECTOR

AUDIT_URL = "/api/v1/audit"
RECORDS_URL = "/api/v1/datasets/tthc.dossiers/records"
MINISTRY = Actor("token:0123456789ab", "vp-ubnd")


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'audit.sqlite3'}")
    create_tables(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def log(engine: sa.Engine) -> AuditLog:
    return AuditLog(engine)


def _fill(log: AuditLog, count: int) -> list[int]:
    return [
        log.append(
            actions.RECORDS_WRITE,
            actor=MINISTRY,
            dataset="tthc.dossiers",
            details={"count": n, "ghi_chú": "Hồ sơ Đồng Tháp"},
        )
        for n in range(count)
    ]


def _row(engine: sa.Engine, seq: int) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(sa.select(audit_table).where(audit_table.c.seq == seq)).one()
    return dict(row._mapping)


def _sql(engine: sa.Engine, statement: str, **params: Any) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(statement), params)


# --- the chain ---------------------------------------------------------------------------


def test_appends_are_consecutive_and_verify(log: AuditLog, engine: sa.Engine) -> None:
    """Appends get seq 1, 2, 3…; verify checks them all and reports the last as the head."""
    assert _fill(log, 5) == [1, 2, 3, 4, 5]
    report = log.verify()
    assert report.ok and report.breach is None and report.first_bad_seq is None
    assert report.checked == 5
    assert report.head == ChainHead(5, _row(engine, 5)["hash"])


def test_hash_covers_previous_hash_and_canonical_fields(log: AuditLog, engine: sa.Engine) -> None:
    """The first entry's hash is SHA-256 of 64 zeros plus the canonical JSON of its fields, and
    the second entry holds the first one's hash."""
    _fill(log, 2)
    first, second = _row(engine, 1), _row(engine, 2)
    canonical = json.dumps(
        {
            "seq": 1,
            "at": first["at"].astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "actor": "token:0123456789ab",
            "actor_agency": "vp-ubnd",
            "action": "records.write",
            "dataset": "tthc.dossiers",
            "details": {"count": 0, "ghi_chú": "Hồ sơ Đồng Tháp"},
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    assert first["prev_hash"] == GENESIS_HASH == "0" * 64
    assert first["hash"] == hashlib.sha256((GENESIS_HASH + canonical).encode()).hexdigest()
    assert second["prev_hash"] == first["hash"]
    assert first["details"] == '{"count":0,"ghi_chú":"Hồ sơ Đồng Tháp"}'


def test_modified_details_are_named(log: AuditLog, engine: sa.Engine) -> None:
    """A row whose details were changed by hand is named as modified, with its seq."""
    _fill(log, 6)
    _sql(engine, "UPDATE audit_log SET details = :d WHERE seq = 4", d='{"count":999}')
    report = log.verify()
    assert not report.ok and report.breach is not None
    assert (report.breach.seq, report.breach.problem) == (4, Problem.MODIFIED)
    assert "Mục 4 đã bị sửa" in report.breach.message
    assert report.checked == 3 and report.head == ChainHead(3, _row(engine, 3)["hash"])


def test_modified_actor_is_named(log: AuditLog, engine: sa.Engine) -> None:
    """Changing who acted is a modification too, not only the details."""
    _fill(log, 3)
    _sql(engine, "UPDATE audit_log SET actor_agency = 'so-yte' WHERE seq = 2")
    assert log.verify().first_bad_seq == 2


def test_deleted_middle_row_is_named(log: AuditLog, engine: sa.Engine) -> None:
    """A row deleted from the middle leaves a gap that names the missing seq."""
    _fill(log, 6)
    _sql(engine, "DELETE FROM audit_log WHERE seq = 3")
    report = log.verify()
    assert report.breach is not None
    assert (report.breach.seq, report.breach.problem) == (3, Problem.DELETED)
    assert "Mục 3 đã bị xoá" in report.breach.message


def test_deleted_and_renumbered_rows_are_named(log: AuditLog, engine: sa.Engine) -> None:
    """Deleting a row and renumbering the rest to close the gap is still found."""
    _fill(log, 5)
    _sql(engine, "DELETE FROM audit_log WHERE seq = 2")
    for seq in (3, 4, 5):
        _sql(engine, "UPDATE audit_log SET seq = :new WHERE seq = :old", new=seq - 1, old=seq)
    report = log.verify()
    assert report.breach is not None
    assert (report.breach.seq, report.breach.problem) == (2, Problem.DELETED)


def test_swapped_rows_are_named_as_reordered(log: AuditLog, engine: sa.Engine) -> None:
    """Two rows whose whole contents (hashes included) were swapped are named as reordered,
    at the first position that holds the wrong entry."""
    _fill(log, 6)
    third, fourth = _row(engine, 3), _row(engine, 4)
    columns = [c.name for c in audit_table.columns if c.name != "seq"]
    with engine.begin() as conn:
        for seq, source in ((3, fourth), (4, third)):
            values = {name: source[name] for name in columns}
            conn.execute(sa.update(audit_table).where(audit_table.c.seq == seq).values(values))
    report = log.verify()
    assert report.breach is not None
    assert (report.breach.seq, report.breach.problem) == (3, Problem.REORDERED)
    assert "vị trí 4" in report.breach.message


def test_rehashed_row_is_found_by_its_successor(log: AuditLog, engine: sa.Engine) -> None:
    """A row changed and given a matching new hash is caught: the next row still holds the
    old hash, so the changed row is named."""
    _fill(log, 5)
    row = _row(engine, 2)
    forged = Content(2, row["at"], row["actor"], row["actor_agency"], row["action"], None, "{}")
    _sql(
        engine,
        "UPDATE audit_log SET dataset = NULL, details = '{}', hash = :h WHERE seq = 2",
        h=forged.digest(row["prev_hash"]),
    )
    report = log.verify()
    assert report.breach is not None
    assert (report.breach.seq, report.breach.problem) == (2, Problem.MODIFIED)
    assert "tính lại băm" in report.breach.message


def test_cut_tail_is_found_only_against_the_head(log: AuditLog, engine: sa.Engine) -> None:
    """Deleting the last entries leaves a valid chain; the head kept from an earlier verify
    shows the log is shorter and names the first entry cut."""
    _fill(log, 6)
    anchor = log.verify().head
    assert anchor is not None
    _sql(engine, "DELETE FROM audit_log WHERE seq >= 5")
    assert log.verify().ok
    report = log.verify(anchor)
    assert report.breach is not None
    assert (report.breach.seq, report.breach.problem) == (5, Problem.TRUNCATED)
    assert "5 đến 6" in report.breach.message


def test_rewritten_history_diverges_from_the_head(log: AuditLog, engine: sa.Engine) -> None:
    """A log rebuilt from scratch with valid hashes is caught by a head kept elsewhere."""
    _fill(log, 3)
    anchor = log.verify().head
    assert anchor is not None
    _sql(engine, "DELETE FROM audit_log")
    log.append(actions.RECORDS_WRITE, actor=MINISTRY, details={"count": 1})
    _fill(log, 3)
    assert log.verify().ok
    report = log.verify(anchor)
    assert report.breach is not None
    assert (report.breach.seq, report.breach.problem) == (3, Problem.DIVERGED)
    assert log.verify(ChainHead(4, _row(engine, 4)["hash"])).ok


def test_head_text_round_trips_and_bad_text_is_refused() -> None:
    """SEQ:HASH reads back to the same head; anything else is refused with the expected form."""
    head = ChainHead(12, "ab" * 32)
    assert ChainHead.parse(str(head)) == head
    for bad in ("12", "0:" + "ab" * 32, "12:xyz", f"12:{'ab' * 31}"):
        with pytest.raises(AuditError, match="SỐ_THỨ_TỰ:BĂM"):
            ChainHead.parse(bad)


def test_append_refuses_a_name_that_is_not_dotted(log: AuditLog) -> None:
    """An action must be a dotted lower-case name; nothing is appended otherwise."""
    with pytest.raises(ValueError, match="dotted"):
        log.append("Records Write", actor=CLI)
    assert log.verify().checked == 0


def test_concurrent_appends_on_sqlite_form_one_chain(tmp_path: Path) -> None:
    """Several engines (as separate processes would) and threads appending at once give
    consecutive seqs and one unbroken chain; without the write lock taken before the head is
    read, writers would collide on the same seq."""
    url = f"sqlite:///{tmp_path / 'busy.sqlite3'}"
    engines = [create_engine(url) for _ in range(3)]
    create_tables(engines[0])
    results: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def writer(engine: sa.Engine, name: str) -> None:
        log = AuditLog(engine)
        try:
            for n in range(15):
                seq = log.append(actions.RECORDS_WRITE, actor=Actor(name), details={"n": n})
                with lock:
                    results.append(seq)
        except BaseException as exc:  # collected so the test can show it
            errors.append(exc)

    threads = [
        threading.Thread(target=writer, args=(engine, f"system:w{i}-{j}"))
        for i, engine in enumerate(engines)
        for j in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == list(range(1, 9 * 15 + 1))
    report = AuditLog(engines[0]).verify()
    assert report.ok and report.checked == 9 * 15
    for engine in engines:
        engine.dispose()


# --- query -------------------------------------------------------------------------------


def test_query_filters_and_pages(log: AuditLog) -> None:
    """Filters by dataset, agency, action and time; ``after`` and ``limit`` page in seq order."""
    before = dt.datetime.now(dt.UTC)
    log.append(actions.RECORDS_WRITE, actor=MINISTRY, dataset="tthc.dossiers")
    log.append(actions.DATASET_PUBLISH, actor=CLI, dataset="tthc.dossiers")
    log.append(actions.RECORDS_WRITE, actor=Actor("token:x", "so-yte"), dataset="yte.kham")
    log.append(actions.RECORDS_WRITE, actor=MINISTRY, dataset="tthc.dossiers")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)

    def seqs(**filters: Any) -> list[int]:
        return [e.seq for e in log.query(AuditFilter(**filters))]

    assert seqs(dataset="tthc.dossiers") == [1, 2, 4]
    assert seqs(agency="vp-ubnd") == [1, 4]
    assert seqs(action="dataset.publish") == [2]
    assert seqs(action="records.write", agency="so-yte") == [3]
    assert seqs(since=before, until=later) == [1, 2, 3, 4]
    assert seqs(since=later) == [] and seqs(until=before) == []
    page = log.query(AuditFilter(dataset="tthc.dossiers"), after=1, limit=1)
    assert [e.seq for e in page] == [2]
    assert page[0].actor == CLI and page[0].details == {}
    with pytest.raises(ValueError):
        log.query(AuditFilter(), limit=0)


# --- the command line --------------------------------------------------------------------


@pytest.fixture
def cli_env(embedded_settings: KhoSettings) -> dict[str, str]:
    return {
        "KHO_DATA_DIR": str(embedded_settings.data_dir),
        "KHO_BUS_URL": embedded_settings.bus_url,
        "KHO_DATABASE_URL": embedded_settings.database_url,
        "KHO_PORTAL_URL": embedded_settings.portal_url,
        "COLUMNS": "250",
    }


def test_cli_verify_exit_codes(embedded_hub: Hub, cli_env: dict[str, str]) -> None:
    """`kho audit verify` exits 0 and prints the head; after tampering it exits 1 naming the
    entry; with the head kept from before a cut tail it exits 1; a bad --head exits 2."""
    runner = CliRunner()
    _fill(embedded_hub.audit, 4)
    ok = runner.invoke(audit_app, ["verify"], env=cli_env)
    assert ok.exit_code == 0, ok.output
    head = ok.stdout.strip().splitlines()[-1]
    assert head == str(embedded_hub.audit.verify().head) and head.startswith("4:")
    assert runner.invoke(audit_app, ["verify", "--head", head], env=cli_env).exit_code == 0

    _sql(embedded_hub.engine, "DELETE FROM audit_log WHERE seq = 4")
    assert runner.invoke(audit_app, ["verify"], env=cli_env).exit_code == 0
    cut = runner.invoke(audit_app, ["verify", "--head", head], env=cli_env)
    assert cut.exit_code == 1
    assert "mục 4 (truncated)" in cut.stderr

    _sql(embedded_hub.engine, "UPDATE audit_log SET action = 'token.revoke' WHERE seq = 2")
    broken = runner.invoke(audit_app, ["verify"], env=cli_env)
    assert broken.exit_code == 1
    assert "mục 2 (modified)" in broken.stderr and "Mục 2 đã bị sửa" in broken.stderr

    bad = runner.invoke(audit_app, ["verify", "--head", "4:abc"], env=cli_env)
    assert bad.exit_code == 2 and "SỐ_THỨ_TỰ:BĂM" in bad.output


def test_cli_list_filters(embedded_hub: Hub, cli_env: dict[str, str]) -> None:
    """`kho audit list` shows the matching entries as a table; a bad --since exits 2."""
    log = embedded_hub.audit
    log.append(actions.RECORDS_WRITE, actor=MINISTRY, dataset="tthc.dossiers")
    log.append(actions.DATASET_PUBLISH, actor=CLI, dataset="ocop.products")
    runner = CliRunner()
    shown = runner.invoke(
        audit_app, ["list", "--action", "dataset.publish", "--since", "2020-01-01"], env=cli_env
    )
    assert shown.exit_code == 0, shown.output
    assert "ocop.products" in shown.stdout and "tthc.dossiers" not in shown.stdout
    none = runner.invoke(audit_app, ["list", "--agency", "so-yte"], env=cli_env)
    assert none.exit_code == 0 and "Không có mục nào khớp" in none.stdout
    paged = runner.invoke(audit_app, ["list", "--limit", "1"], env=cli_env)
    assert "--after 1" in paged.stdout
    bad = runner.invoke(audit_app, ["list", "--since", "hôm qua"], env=cli_env)
    assert bad.exit_code == 2 and "ISO 8601" in bad.output


def test_kho_registers_audit(cli_env: dict[str, str]) -> None:
    """The kho command has the audit group."""
    result = CliRunner().invoke(kho_app, ["audit", "--help"], env=cli_env)
    assert result.exit_code == 0 and "verify" in result.stdout and "list" in result.stdout


# --- the API -----------------------------------------------------------------------------


def _bearer(hub: Hub, *roles: Role, agency: str = "vp-ubnd") -> dict[str, str]:
    return {"Authorization": f"Bearer {hub.tokens.create(agency, frozenset(roles)).plaintext}"}


def _conforms(client: TestClient, component: str, instance: object) -> None:
    document = client.get("/openapi.json").json()
    schema = {"$ref": f"#/components/schemas/{component}", "components": document["components"]}
    jsonschema.Draft202012Validator(schema).validate(instance)


def test_api_needs_a_token(embedded_hub: Hub) -> None:
    """Without a token the answer is 401."""
    answer = TestClient(build_app(embedded_hub)).get(AUDIT_URL)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "missing_token"


def test_api_refuses_a_token_that_is_not_admin(embedded_hub: Hub) -> None:
    """A valid token without the admin role gets 403 not_admin, even a steward's."""
    client = TestClient(build_app(embedded_hub))
    answer = client.get(AUDIT_URL, headers=_bearer(embedded_hub, Role.PRODUCER, Role.STEWARD))
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "not_admin"


def test_api_lists_filtered_entries_for_admins(embedded_hub: Hub) -> None:
    """An admin gets the entries that match, in pages linked by ``next``, as documented."""
    log = embedded_hub.audit
    log.append(actions.RECORDS_WRITE, actor=MINISTRY, dataset="tthc.dossiers", details={"n": 1})
    log.append(actions.DATASET_PUBLISH, actor=CLI, dataset="tthc.dossiers")
    log.append(actions.RECORDS_WRITE, actor=MINISTRY, dataset="tthc.dossiers", details={"n": 2})
    log.append(actions.RECORDS_WRITE, actor=MINISTRY, dataset="ocop.products")
    client = TestClient(build_app(embedded_hub))
    headers = _bearer(embedded_hub, Role.ADMIN, agency="so-tttt")
    query = {"dataset": "tthc.dossiers", "agency": "vp-ubnd", "action": "records.write"}
    first = client.get(AUDIT_URL, params={**query, "limit": 1}, headers=headers)
    assert first.status_code == 200, first.text
    body = first.json()
    assert [e["seq"] for e in body["entries"]] == [1] and body["next"] == 1
    assert body["entries"][0]["details"] == {"n": 1}
    assert body["entries"][0]["actor"] == "token:0123456789ab"
    second = client.get(
        AUDIT_URL,
        params={**query, "after": 1, "limit": 1, "since": "2020-01-01T00:00:00"},
        headers=headers,
    ).json()
    assert [e["seq"] for e in second["entries"]] == [3] and second["next"] is None
    _conforms(client, "AuditPage", body)
    _conforms(client, "AuditPage", second)


def test_api_filters_by_actor(embedded_hub: Hub) -> None:
    """``actor`` keeps the entries of one principal only, as the staff audit page filters."""
    log = embedded_hub.audit
    log.append(actions.RECORDS_WRITE, actor=MINISTRY, dataset="tthc.dossiers")
    log.append(actions.DATASET_PUBLISH, actor=CLI, dataset="tthc.dossiers")
    client = TestClient(build_app(embedded_hub))
    headers = _bearer(embedded_hub, Role.ADMIN, agency="so-tttt")
    body = client.get(AUDIT_URL, params={"actor": "cli"}, headers=headers).json()
    assert [(e["seq"], e["actor"]) for e in body["entries"]] == [(2, "cli")]
    _conforms(client, "AuditPage", body)


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"since": "hôm qua"}, "since"),
        ({"until": "2025-13-01"}, "until"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"after": "-1"}, "after"),
        ({"action": "DROP TABLE"}, "action"),
        ({"dataset": ""}, "dataset"),
    ],
)
def test_api_names_a_bad_filter(embedded_hub: Hub, params: dict[str, str], parameter: str) -> None:
    """A filter that cannot be read is a 400 naming the parameter, in the documented shape."""
    client = TestClient(build_app(embedded_hub))
    answer = client.get(AUDIT_URL, params=params, headers=_bearer(embedded_hub, Role.ADMIN))
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "bad_query" and error["parameter"] == parameter
    assert parameter in error["message"]
    _conforms(client, "ErrorAnswer", answer.json())


# --- the write paths ---------------------------------------------------------------------


def _entries(hub: Hub, action: str | None = None) -> list[dict[str, Any]]:
    return [e.as_dict() for e in hub.audit.query(AuditFilter(action=action), limit=1000)]


def test_ingest_batch_is_logged_with_its_caller(embedded_hub: Hub) -> None:
    """An accepted batch appends one records.write entry with the token's principal and agency,
    counts and positions; a refused all-or-nothing batch and an idempotent retry append none."""
    client = TestClient(build_app(embedded_hub))
    issued = embedded_hub.tokens.create("vp-ubnd", frozenset({Role.PRODUCER}))
    headers = {"Authorization": f"Bearer {issued.plaintext}", "Idempotency-Key": "lo-1"}
    documents = dossier_documents(4, seed=3)
    documents[2]["fee_vnd"] = "mười nghìn"
    refused = client.post(RECORDS_URL, json=documents, headers={**headers, "Idempotency-Key": "a"})
    assert refused.status_code == 422
    assert _entries(embedded_hub) == []
    answer = client.post(RECORDS_URL, params={"mode": "partial"}, json=documents, headers=headers)
    assert answer.status_code == 200, answer.text
    retried = client.post(RECORDS_URL, params={"mode": "partial"}, json=documents, headers=headers)
    assert retried.headers.get("Idempotent-Replayed") == "true"
    (entry,) = _entries(embedded_hub)
    accepted = answer.json()["accepted"]
    assert entry["action"] == "records.write" and entry["dataset"] == "tthc.dossiers"
    assert (entry["actor"], entry["agency"]) == (f"token:{issued.token_id}", "vp-ubnd")
    details = entry["details"]
    assert (details["count"], details["dead_letters"]) == (3, 1)
    assert details["topic"] == "tthc.dossiers" and details["dlq_topic"] == "tthc.dossiers.dlq"
    assert details["first"] == f"{accepted[0]['partition']}:{accepted[0]['offset']}"
    assert details["last"] == f"{accepted[-1]['partition']}:{accepted[-1]['offset']}"


def test_demo_logs_the_connector_run_and_publication(embedded_hub: Hub) -> None:
    """The connector run appends one records.write entry by the CLI, the steward's approval one
    dataset.approve, and each publication published one dataset.publish; the chain verifies."""
    summary = run_demo(embedded_hub, rows=40, seed=9)
    (write,) = _entries(embedded_hub, actions.RECORDS_WRITE)
    assert write["actor"] == "cli" and write["dataset"] == "tthc.dossiers"
    assert write["details"]["count"] == summary.ingest.accepted
    assert write["details"]["dead_letters"] == summary.ingest.rejected > 0
    assert write["details"]["file"] == summary.source.name
    (approval,) = _entries(embedded_hub, actions.DATASET_APPROVE)
    assert approval["agency"] == "vp-ubnd"
    published = _entries(embedded_hub, actions.DATASET_PUBLISH)
    expected = [r.publication_id for r in summary.published if r.status == "published"]
    assert [e["details"]["publication"] for e in published] == expected and expected
    assert published[0]["details"]["outcome"] == "created"
    assert embedded_hub.audit.verify().ok


def test_cli_connector_publish_and_replay_are_logged(
    tmp_path: Path, cli_env: dict[str, str], embedded_settings: KhoSettings
) -> None:
    """`kho connector run` and `kho publish` append their entries, and a dead letter replayed
    through the steward's desk appends dlq.replay."""
    export = write_dossier_export(tmp_path / "ho-so.csv", rows=30, seed=4)
    runner = CliRunner()
    run = runner.invoke(
        kho_app,
        ["connector", "run", str(DOSSIER_CONNECTOR), "--input", str(export.path)],
        env=cli_env,
    )
    assert run.exit_code == 0, run.output
    figures = "tthc.dossiers.monthly_by_commune"
    approve = ["approval", "grant", figures, "--note", "số liệu tổng hợp"]
    assert runner.invoke(kho_app, approve, env=cli_env).exit_code == 0
    assert runner.invoke(kho_app, ["publish"], env=cli_env).exit_code == 0
    hub = build_hub(embedded_settings)
    try:
        assert [e["action"] for e in _entries(hub)] == [
            "records.write",
            "dataset.approve",
            "dataset.publish",
        ]
        outcomes = hub.steward_desk("tthc.dossiers").replay((), all_pending=True).outcomes
        replays = _entries(hub, actions.DLQ_REPLAY)
        assert len(replays) == len(outcomes) > 0
        assert all(e["actor"] == "cli" for e in replays)
        assert replays[0]["details"]["letter"] == f"tthc.dossiers.dlq:{outcomes[0].address}"
        assert replays[0]["details"]["outcome"] == outcomes[0].status.value
        assert hub.audit.verify().ok
    finally:
        hub.close()
