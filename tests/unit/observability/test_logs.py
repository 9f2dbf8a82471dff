"""Structured logs: JSON lines with the shared fields (time, level, process, request id, dataset,
agency, a record's topic/partition/offset), stdlib lines rendered alike, and no secret or token
anywhere in the logs of a full embedded demo plus API calls made with tokens."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from starlette.testclient import TestClient

from connectors.samples.dossiers import dossier_documents
from hub.app.api import build_app
from hub.app.wiring import build_hub
from hub.auth.tokens import Role
from hub.errors import ConfigurationError
from hub.logs import LogSettings, configure_logging, letter_context, record_context
from hub.logs.configure import read_log_settings
from hub.logs.secrets import mask_text
from hub.provide_once.subjects import parse_subject
from hub.settings import KhoSettings

URL = "/api/v1/datasets/tthc.dossiers/records"
PSEUDONYM_KEY = "5e" * 32
SIGNING_KEY = "a7" * 32
DATABASE_PASSWORD = "mat-khau-co-so-du-lieu-9137"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Every log line of the test, as JSON at DEBUG; the previous configuration restored."""
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    configure_logging("kho test", LogSettings(format="json", level="DEBUG"), stream)
    yield stream
    for handler in [h for h in root.handlers if getattr(h, "_kho_handler", False)]:
        root.removeHandler(handler)
    root.setLevel(level)
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_stdlib_and_structlog_lines_share_the_fields(captured: io.StringIO) -> None:
    """A stdlib call and a structlog call both come out as JSON with time, level, logger,
    process and pid, plus the record's trace bound around them."""
    with record_context("tthc.dossiers", 2, 417):
        logging.getLogger("hub.sharing.masked_worker").warning("dead-lettered: %s", "lý do")
        structlog.get_logger("hub.test").info("applied", dataset="tthc.dossiers")
    logging.getLogger("hub.test").info("after the record")
    first, second, third = lines(captured)
    for line in (first, second, third):
        assert {"time", "level", "logger", "process", "pid", "event"} <= line.keys()
        assert line["process"] == "kho test" and line["pid"] == os.getpid()
        assert dt.datetime.fromisoformat(line["time"]).tzinfo is not None
    assert first["event"] == "dead-lettered: lý do" and first["level"] == "warning"
    assert (first["topic"], first["partition"], first["offset"]) == ("tthc.dossiers", 2, 417)
    assert second["dataset"] == "tthc.dossiers" and second["offset"] == 417
    assert "offset" not in third


def test_a_workers_dead_letter_line_carries_its_trace(captured: io.StringIO) -> None:
    """A dead letter's source (``topic:partition`` and offset) becomes the line's trace."""
    source = {"kind": "index", "name": "tthc.dossiers:1", "position": 88}
    with letter_context("tthc.dossiers", source):
        logging.getLogger("hub.index766.worker").warning("dead-lettered")
    (line,) = lines(captured)
    assert line["dataset"] == "tthc.dossiers"
    assert (line["topic"], line["partition"], line["offset"]) == ("tthc.dossiers", 1, 88)


def test_request_lines_carry_request_id_dataset_and_agency(
    captured: io.StringIO, embedded_settings: KhoSettings
) -> None:
    """An ingest call's access line names the request id it was sent, the dataset of the path,
    the calling agency, the route template and the status."""
    hub = build_hub(embedded_settings)
    try:
        token = hub.tokens.create("vp-ubnd", frozenset({Role.PRODUCER})).plaintext
        client = TestClient(build_app(hub))
        answer = client.post(
            URL,
            json=dossier_documents(2, seed=5),
            headers={"Authorization": f"Bearer {token}", "X-Request-ID": "req-7"},
        )
        assert answer.status_code == 200
    finally:
        hub.close()
    (access,) = [line for line in lines(captured) if line["event"] == "http request"]
    assert access["request_id"] == "req-7"
    assert access["dataset"] == "tthc.dossiers" and access["agency"] == "vp-ubnd"
    assert access["route"] == "/api/v1/datasets/{dataset_id}/records"
    assert access["status"] == 200 and access["method"] == "POST"


def test_masking_of_secret_shapes() -> None:
    """URL passwords, bearer tokens and name=value secrets are replaced; other text is kept."""
    text = (
        "postgresql://kho:s3cret@db:5432/kho Authorization: Bearer kho_abc_def"
        " password=hunter2 api_key: 'xyz' dataset=tthc.dossiers"
    )
    masked = mask_text(text)
    for secret in ("s3cret", "kho_abc_def", "hunter2", "xyz"):
        assert secret not in masked
    assert "postgresql://kho:***@db:5432/kho" in masked
    assert "dataset=tthc.dossiers" in masked


def test_secret_keys_are_masked_in_structured_fields(captured: io.StringIO) -> None:
    """A field named like a secret is masked whatever its value; nested ones too."""
    structlog.get_logger("hub.test").warning(
        "connecting",
        password="p4ss",
        headers={"Authorization": "Basic Zm9vOmJhcg=="},
        url="kafka://kho:k4fka@127.0.0.1:9092",
    )
    (line,) = lines(captured)
    assert line["password"] == "***" and line["headers"] == {"Authorization": "***"}
    assert line["url"] == "kafka://kho:***@127.0.0.1:9092"


def test_no_secret_in_the_logs_of_a_full_run(tmp_path: Path, captured: io.StringIO) -> None:
    """``kho demo --once`` at DEBUG with its keys set, then API calls with an agency token, a
    wrong token and a citizen's token on the same data: the logs hold none of the secrets."""
    data = tmp_path / "kho"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    environment.update(
        KHO_DATA_DIR=str(data),
        KHO_PSEUDONYM_KEY=PSEUDONYM_KEY,
        KHO_SUBJECT_SIGNING_KEY=SIGNING_KEY,
        KHO_LOG_FORMAT="json",
        KHO_LOG_LEVEL="DEBUG",
    )
    demo = subprocess.run(
        [sys.executable, "-m", "hub.app", "demo", "--once", "--rows", "80"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert demo.returncode == 0, demo.stderr[-2000:]
    demo_lines = [json.loads(line) for line in demo.stderr.splitlines() if line.startswith("{")]
    assert demo_lines, "the demo logged nothing at DEBUG"
    assert all(line["process"] == "kho demo" for line in demo_lines)

    settings = KhoSettings(
        data_dir=data,
        pseudonym_key=PSEUDONYM_KEY,
        subject_signing_key=SIGNING_KEY,
    )
    hub = build_hub(settings)
    try:
        token = hub.tokens.create("vp-ubnd", frozenset({Role.PRODUCER, Role.CONSUMER})).plaintext
        subject = hub.subject_tokens.issue(
            parse_subject("079203000123"), valid_for=dt.timedelta(hours=1)
        )
        client = TestClient(build_app(hub), raise_server_exceptions=False)
        documents = dossier_documents(3, seed=9)
        documents[1]["applicant_id_number"] = "12345"
        agency = {"Authorization": f"Bearer {token}"}
        assert client.post(
            URL, params={"mode": "partial"}, json=documents, headers=agency
        ).is_success
        assert client.get(URL, headers=agency).status_code == 200
        wrong = {"Authorization": f"Bearer {token[:-4]}zzzz"}
        assert client.get(URL, headers=wrong).status_code == 401
        assert client.get(f"{URL}?token={token}", headers=agency).status_code == 200
        citizen = {"Authorization": f"Bearer {subject}"}
        assert client.get("/api/v1/me/evidence", headers=citizen).status_code == 200
        logging.getLogger("hub.test").warning(
            "connecting to postgresql://kho:%s@db/kho", DATABASE_PASSWORD
        )
    finally:
        hub.close()
    logs = demo.stderr + captured.getvalue()
    assert '"event": "http request"' in captured.getvalue()
    secrets = {
        "pseudonym key": PSEUDONYM_KEY,
        "signing key": SIGNING_KEY,
        "agency token": token,
        "agency token's secret": token.rsplit("_", 1)[-1],
        "wrong token": wrong["Authorization"].split()[-1],
        "citizen token": subject,
        "database password": DATABASE_PASSWORD,
    }
    leaked = [name for name, secret in secrets.items() if secret in logs]
    assert leaked == []


def test_a_bad_log_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """KHO_LOG_LEVEL=LOUD is a configuration error naming the variable; any case is accepted
    for a valid one."""
    monkeypatch.setenv("KHO_LOG_LEVEL", "LOUD")
    with pytest.raises(ConfigurationError, match="KHO_LOG_LEVEL"):
        read_log_settings()
    monkeypatch.setenv("KHO_LOG_LEVEL", "info")
    monkeypatch.setenv("KHO_LOG_FORMAT", "Console")
    assert read_log_settings() == LogSettings(level="INFO", format="console")


def test_the_code_logs_through_the_stdlib_not_structlogs_own_loggers() -> None:
    """hub.logs.configure builds structlog's configuration with the first line it formats; a
    ``structlog.get_logger()`` used before that line would write with structlog's defaults,
    outside the handler and its masking."""
    root = Path(__file__).resolve().parents[3]
    offenders = [
        str(path.relative_to(root))
        for package in ("hub", "connectors", "opendata")
        for path in (root / package).rglob("*.py")
        if path.parts[-2:] != ("logs", "configure.py")
        and "get_logger(" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
