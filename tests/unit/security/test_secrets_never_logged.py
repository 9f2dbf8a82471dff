"""No secret reaches a log line or the audit log: real flows against Keycloak, Kafka and
PostgreSQL, with every log line of the process captured at DEBUG (the hub's own, Starlette's,
authlib's, httpx's, kafka-python's, through hub.logs) and the logs of a ``kho`` command.

The secrets: the session's signing key and cookie, a form's CSRF token and a forged one, the
OIDC client secret, the callback's code and state, a Keycloak access token, an agency token made
by ``kho token create`` and a forged token with its id, the pseudonym key, and the passwords of a
Kafka URL and a database URL (wrong ones, unique enough to grep: the shared services' own
password is ``kho``, which every line holds anyway)."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import structlog
from click.testing import Result
from starlette.testclient import TestClient
from typer.testing import CliRunner

from connectors.samples.dossiers import dossier_documents
from hub.app.api import build_app
from hub.app.cli.root import app
from hub.app.wiring import build_hub
from hub.audit.entry import AuditFilter
from hub.bus.errors import BusUnavailable
from hub.bus.kafka import KafkaBus
from hub.bus.kafka_url import parse_kafka_url
from hub.errors import ConfigurationError, UnreachableError
from hub.logs import LogSettings, configure_logging
from hub.logs.secrets import mask_text
from hub.settings import KhoSettings
from tests.conftest import service_port
from tests.integration.keycloak_flow import (
    CITIZEN,
    CLIENT_SECRET,
    HUB_BASE_URL,
    ISSUER,
    access_token,
    log_in_at_keycloak,
    secret_file,
    start_signin,
)
from tests.serving import serve_app

RECORDS = "/api/v1/datasets/tthc.dossiers/records"
_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
_TOKEN = re.compile(r"kho_[0-9a-f]{12}_[A-Za-z0-9_-]+")


class Logs:
    """Every log line of this process, as JSON at DEBUG, through hub.logs; ``capture`` again
    after a ``kho`` command, which sets up its own logging (to its stderr, captured too)."""

    def __init__(self) -> None:
        self.streams: list[io.StringIO] = []
        self.capture()

    def capture(self) -> None:
        self.streams.append(io.StringIO())
        configure_logging("kho test", LogSettings(format="json", level="DEBUG"), self.streams[-1])

    def text(self) -> str:
        return "\n".join(stream.getvalue() for stream in self.streams)


@pytest.fixture
def logs() -> Iterator[Logs]:
    root = logging.getLogger()
    level = root.level
    yield Logs()
    for handler in [h for h in root.handlers if getattr(h, "_kho_handler", False)]:
        root.removeHandler(handler)
    root.setLevel(level)
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()


def unique(label: str) -> str:
    return f"{label}-{secrets.token_hex(12)}"


def kho(logs: Logs, args: list[str], **env: str) -> Result:
    """A ``kho`` command, in this process, logging JSON at DEBUG to its captured stderr."""
    env = {"KHO_LOG_FORMAT": "json", "KHO_LOG_LEVEL": "DEBUG", **env}
    result = CliRunner().invoke(app, args, env=env)
    logs.capture()
    return result


@pytest.mark.integration
def test_no_secret_in_any_log_of_sign_in_forms_tokens_and_refused_connections(
    tmp_path: Path, logs: Logs, monkeypatch: pytest.MonkeyPatch
) -> None:
    found: dict[str, str] = {}
    session_key = tmp_path / "session.key"
    session_key.write_text(unique("session-signing-key"), encoding="utf-8")
    found["session signing key"] = session_key.read_text(encoding="utf-8")
    found["pseudonym key"] = secrets.token_hex(32)
    found["OIDC client secret"] = CLIENT_SECRET
    data = tmp_path / "kho"
    settings = KhoSettings(
        data_dir=data,
        pseudonym_key=found["pseudonym key"],
        oidc_issuer_url=ISSUER,
        oidc_client_secret_file=secret_file(tmp_path),
        session_secret_file=session_key,
        rate_limits=True,
        rate_limit_signin_per_address="1000/minute",
    )
    hub = build_hub(settings)
    outputs: list[str] = []
    try:
        client = TestClient(build_app(hub), base_url=HUB_BASE_URL, raise_server_exceptions=False)
        with httpx.Client(timeout=20) as browser:
            # sign-in: the callback's code and state, then the session cookie
            callback = log_in_at_keycloak(browser, start_signin(client, "/cua-toi/dong-y"), CITIZEN)
            found["callback code"], found["callback state"] = callback.code, callback.state
            assert client.get(callback.target, follow_redirects=False).status_code == 303
            found["session cookie"] = client.cookies["kho_session"]
            replayed = client.get(callback.target, follow_redirects=False)  # refused, audited
            assert replayed.status_code == 400
            forged_code = unique("forged-code")
            forged = client.get(f"/dang-nhap/xong?code={forged_code}&state={unique('st')}")
            assert forged.status_code == 400
            found["forged callback code"] = forged_code
            # a form: its CSRF token, and a forged one refused
            page = client.get("/cua-toi/dong-y")
            assert page.status_code == 200
            match = _CSRF_FIELD.search(page.text)
            assert match is not None
            found["CSRF token"] = match.group(1)
            found["forged CSRF token"] = unique("forged-csrf")
            refused = client.post(
                "/cua-toi/dong-y", data={"csrf_token": found["forged CSRF token"]}
            )
            assert refused.status_code == 403
            posted = client.post("/cua-toi/dong-y", data={"csrf_token": found["CSRF token"]})
            assert posted.status_code in (200, 400, 422)  # fields missing: the form again
            # the provider's access token on the API
            found["Keycloak access token"] = access_token(browser, CITIZEN)
            me = {"Authorization": f"Bearer {found['Keycloak access token']}"}
            assert client.get("/api/v1/me/evidence", headers=me).status_code == 200

        # an agency token made by the command, used on the API, in a query string and forged
        for name in [n for n in os.environ if n.startswith("KHO_")]:
            monkeypatch.delenv(name)
        made = kho(
            logs,
            ["token", "create", "--agency", "vp-ubnd", "--role", "producer", "--role", "consumer"],
            KHO_DATA_DIR=str(data),
        )
        assert made.exit_code == 0, made.output[-2000:]
        outputs.append(made.stderr)  # its stdout shows the token once, on purpose
        (token,) = _TOKEN.findall(made.stdout)
        token_id = token[len("kho_") :].partition("_")[0]
        found["agency token"] = token
        found["agency token's secret"] = token.removeprefix(f"kho_{token_id}_")
        agency = {"Authorization": f"Bearer {token}"}
        assert client.post(RECORDS, json=dossier_documents(2, seed=3), headers=agency).is_success
        assert client.get(f"{RECORDS}?token={token}", headers=agency).status_code == 200
        found["forged agency token"] = f"kho_{token_id}_{unique('x')}"
        forged_agency = {"Authorization": f"Bearer {found['forged agency token']}"}
        assert client.get(RECORDS, headers=forged_agency).status_code == 401
        assert client.get("/registry/subjects", auth=("ignored", token)).status_code == 200
        # uvicorn's own access line prints the path with its query
        found["callback code in a URL"] = unique("code")
        with (
            serve_app(
                build_app(hub),
                log_config=None,  # the hub's logging, as ``kho serve`` runs it
                log_level="debug",
                access_log=True,
            ) as url,
            httpx.Client(base_url=url) as served,
        ):
            query = f"code={found['callback code in a URL']}&state={unique('state')}"
            assert served.get(f"/dang-nhap/xong?{query}").status_code == 400
            assert served.get(f"{RECORDS}?token={token}").status_code == 200
        audit = hub.audit.query(AuditFilter(), limit=1000)
        outputs.append(json.dumps([dataclasses.asdict(e) for e in audit], default=str))
    finally:
        hub.close()

    # a Kafka URL and a database URL whose passwords the servers refuse
    found["Kafka password"] = unique("kafka-password")
    kafka_url = f"kafka://kho:{found['Kafka password']}@127.0.0.1:{service_port('KAFKA', 19092)}"
    bus = KafkaBus(parse_kafka_url(kafka_url), bootstrap_timeout_ms=1500, max_block_ms=1500)
    with pytest.raises(BusUnavailable) as refused_kafka:
        bus.partition_count("kho.readiness")
    bus.close()
    outputs.append(f"{refused_kafka.value} {bus.connection!r}")
    found["database password"] = unique("database-password")
    database_url = (
        f"postgresql://kho:{found['database password']}@127.0.0.1:{service_port('PG', 15432)}/kho"
    )
    listed = kho(logs, ["token", "list"], KHO_DATABASE_URL=database_url)
    assert isinstance(listed.exception, UnreachableError)  # the command prints it, one line
    outputs += [listed.output, str(listed.exception)]

    logged = logs.text()
    assert '"event": "http request"' in logged and '"level": "debug"' in logged
    everything = "\n".join([logged, *outputs])
    assert (
        '"logger": "uvicorn.access"' in logged
        and '"logger": "kafka.' in logged
        and '"process": "kho token' in everything
    )
    leaked = sorted(name for name, secret in found.items() if secret in everything)
    where = [line[:300] for n in leaked for line in everything.splitlines() if found[n] in line]
    assert leaked == [], where


def test_the_sign_in_parameters_of_a_query_are_masked_and_other_codes_kept() -> None:
    """What the masker does to an access line, and what it leaves: a commune code or an error
    code is data, not a secret."""
    line = 'GET /dang-nhap/xong?state=s1&session_state=s2&code=c3.d4 HTTP/1.1" 400'
    assert (
        mask_text(line) == 'GET /dang-nhap/xong?state=***&session_state=***&code=*** HTTP/1.1" 400'
    )
    kept = "commune_code=30280 error code=5 /du-lieu?codes=1"
    assert mask_text(kept) == kept


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("KHO_DATABASE_URL", "postgres ql://kho:{password}@db/kho"),
        ("KHO_REGISTRY_URL", "ftp://kho:{password}@registry:8081"),
        ("KHO_BUS_URL", "kafka://kho:{password}@127.0.0.1"),
    ],
)
def test_a_url_that_does_not_parse_is_named_without_its_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    """The one line a command prints for a bad URL setting names the setting, never the
    password the URL holds (the API's factory prints the same message)."""
    password = unique("password")
    for name in [n for n in os.environ if n.startswith("KHO_")]:
        monkeypatch.delenv(name)
    result = CliRunner().invoke(
        app,
        ["token", "list"],
        env={"KHO_DATA_DIR": str(tmp_path), variable: value.format(password=password)},
    )
    assert isinstance(result.exception, ConfigurationError)
    message = f"{result.exception} {result.output}"
    assert variable in message and password not in message
