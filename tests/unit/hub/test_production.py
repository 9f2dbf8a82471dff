"""KHO_ENV=production refuses every development shortcut with one line naming the setting, from
the CLI and from the API's app factory alike; TLS options for Kafka (SASL_SSL, a CA file) and
PostgreSQL (verify-full, a root certificate) reach the clients."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from hub.app.cli.root import app
from hub.bus.kafka_url import parse_kafka_url
from hub.db import create_engine
from hub.errors import ConfigurationError
from hub.production import production_refusals, require_production_ready
from hub.settings import KhoSettings

KEY = "ab" * 32
GOOD_BUS = "kafka+ssl://hub:s3cret-Long@kafka.tinh.gov.vn:9093?cafile=/etc/kho/ca.pem"
GOOD_DB = "postgresql://hub:s3cret-Long@db.tinh.gov.vn/kho?sslmode=verify-full&sslrootcert=/ca"


def _settings(tmp_path: Path, **overrides: object) -> KhoSettings:
    """Production-worthy settings, then the overrides; no connector configs unless given."""
    values: dict[str, object] = {
        "env": "production",
        "data_dir": tmp_path / "kho",
        "bus_url": GOOD_BUS,
        "database_url": GOOD_DB,
        "pseudonym_key": SecretStr(KEY),
        "connectors_dir": tmp_path / "connectors",
        "audit_anchors_url": GOOD_BUS,
        "audit_anchor_key_file": tmp_path / "keys" / "audit-anchor.key",
    }
    values.update(overrides)
    return KhoSettings(**values)  # type: ignore[arg-type]


def test_production_worthy_settings_are_accepted(tmp_path: Path) -> None:
    """TLS to Kafka and PostgreSQL, real passwords, a key: nothing is refused."""
    assert production_refusals(_settings(tmp_path)) == []
    require_production_ready(_settings(tmp_path), "production")
    shared = "redis://:s3cret-Long@redis.tinh.gov.vn:6379/2"
    assert production_refusals(_settings(tmp_path, rate_limit_storage_url=shared)) == []


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"bus_url": "embedded:/tmp/bus.sqlite3"}, "KHO_BUS_URL dùng bus nhúng"),
        ({"database_url": "sqlite:////tmp/kho.sqlite3"}, "KHO_DATABASE_URL dùng SQLite"),
        ({"bus_url": "kafka://hub:s3cret-Long@k:9092"}, "KHO_BUS_URL kết nối Kafka không mã hoá"),
        ({"bus_url": "kafka+ssl://kho:kho@k:9093"}, "KHO_BUS_URL dùng mật khẩu phát triển"),
        (
            {"database_url": "postgresql://kho:kho@127.0.0.1:15432/kho"},
            "KHO_DATABASE_URL dùng mật khẩu phát triển",
        ),
        ({"pseudonym_key": None}, "KHO_PSEUDONYM_KEY chưa đặt"),
        ({"audit_anchors_url": ""}, "KHO_AUDIT_ANCHORS_URL ghi mốc nhật ký kiểm toán vào tệp"),
        (
            {"audit_anchors_url": "file:/var/lib/kho/anchors.jsonl"},
            "KHO_AUDIT_ANCHORS_URL ghi mốc nhật ký kiểm toán vào tệp",
        ),
        (
            {"audit_anchors_url": "kafka://hub:s3cret-Long@k:9092"},
            "KHO_AUDIT_ANCHORS_URL ghi mốc nhật ký kiểm toán vào Kafka không mã hoá",
        ),
        (
            {"audit_anchors_url": "kafka+ssl://kho:kho@k:9093"},
            "KHO_AUDIT_ANCHORS_URL dùng mật khẩu phát triển",
        ),
        ({"audit_anchor_key_file": None}, "KHO_AUDIT_ANCHOR_KEY_FILE chưa đặt"),
        (
            {"rate_limit_storage_url": "redis://:kho@127.0.0.1:16379/2"},
            "KHO_RATE_LIMIT_STORAGE_URL dùng mật khẩu phát triển",
        ),
        (
            {"rate_limit_storage_url": "rediss://kho:kho@redis.tinh.gov.vn:6380/2"},
            "KHO_RATE_LIMIT_STORAGE_URL dùng mật khẩu phát triển",
        ),
    ],
)
def test_each_development_shortcut_is_refused_by_name(
    tmp_path: Path, override: dict[str, object], named: str
) -> None:
    """One refusal per shortcut, and the message names the setting."""
    refusals = production_refusals(_settings(tmp_path, **override))
    assert len(refusals) == 1 and refusals[0].startswith(named), refusals
    with pytest.raises(ConfigurationError, match="KHO_ENV=production từ chối khởi động"):
        require_production_ready(_settings(tmp_path, **override), "production")


def test_anonymous_mqtt_connectors_are_refused_and_logged_in_ones_pass(tmp_path: Path) -> None:
    """A connector config on MQTT without user and password is named; one with a login (its
    password from the environment) is not. The shipped salinity config is anonymous."""
    folder = tmp_path / "connectors"
    folder.mkdir()
    shipped = Path(__file__).parents[3] / "connectors" / "configs" / "salinity-mqtt.yaml"
    (folder / "salinity-mqtt.yaml").write_text(shipped.read_text(encoding="utf-8"), "utf-8")
    (folder / "tram-moi.yaml").write_text(
        "name: tram-moi\nsource:\n  kind: mqtt\n  url: mqtt://tram:${MQTT_PASSWORD}@mq:8883\n",
        encoding="utf-8",
    )
    refusals = production_refusals(_settings(tmp_path))
    assert refusals == [
        "connector salinity-mqtt.yaml kết nối MQTT ẩn danh (127.0.0.1); cần"
        " mqtt://user:${BIẾN_MẬT_KHẨU}@máy:cổng"
    ]


def test_development_settings_are_not_checked(tmp_path: Path) -> None:
    """Without KHO_ENV=production the embedded defaults start as before."""
    settings = _settings(tmp_path, env="development", bus_url="", database_url="")
    require_production_ready(settings, settings.env)  # no error


def _environment(tmp_path: Path, **kho: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    env.update(COLUMNS="400", KHO_DATA_DIR=str(tmp_path / "kho"), **kho)
    return env


def test_the_cli_refuses_in_one_line_without_a_traceback(tmp_path: Path) -> None:
    """``kho publish --plan`` (the ``kho`` entry point) under KHO_ENV=production on the
    embedded defaults: exit 1, one line naming the bus, the database and the key, no
    traceback."""
    result = subprocess.run(
        [sys.executable, "-c", "from hub.app.cli.root import main; main()", "publish", "--plan"],
        env=_environment(tmp_path, KHO_ENV="production"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    for setting in ("KHO_BUS_URL", "KHO_DATABASE_URL", "KHO_PSEUDONYM_KEY"):
        assert setting in lines[0]


def test_the_api_factory_refuses_in_one_line_without_a_traceback(tmp_path: Path) -> None:
    """The API process (uvicorn's factory) exits 1 with one line naming the setting."""
    code = "from hub.app.api.main import create_app; create_app()"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=_environment(tmp_path, KHO_ENV="production"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    refusal = [line for line in result.stderr.splitlines() if "KHO_ENV=production" in line]
    assert len(refusal) == 1 and "KHO_BUS_URL" in refusal[0], result.stderr


def test_the_cli_names_a_setting_that_does_not_parse(tmp_path: Path) -> None:
    """KHO_ENV with an unknown value is a one-line error naming KHO_ENV."""
    result = CliRunner().invoke(app, ["publish", "--plan"], env={"KHO_ENV": "prod"})
    assert result.exit_code != 0
    assert "KHO_ENV" in str(result.exception or result.output)


def test_kafka_over_tls_builds_sasl_ssl_client_options() -> None:
    """kafka+ssl:// with a login: SASL_SSL, the CA file, host names checked; without: SSL."""
    connection = parse_kafka_url(GOOD_BUS)
    options = connection.client_options()
    assert options["security_protocol"] == "SASL_SSL"
    assert (options["ssl_cafile"], options["ssl_check_hostname"]) == ("/etc/kho/ca.pem", True)
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert "s3cret" not in str(connection) and "s3cret" not in repr(connection)
    assert str(connection).startswith("kafka+ssl://hub:***@")
    agency = connection.as_user("so-yt", "pw").client_options()
    assert (agency["security_protocol"], agency["ssl_cafile"]) == ("SASL_SSL", "/etc/kho/ca.pem")
    plain = parse_kafka_url("kafka+ssl://kafka.tinh.gov.vn:9093").client_options()
    assert plain["security_protocol"] == "SSL" and "ssl_cafile" not in plain
    with pytest.raises(ConfigurationError, match="cafile chỉ dùng được với kafka\\+ssl://"):
        parse_kafka_url("kafka://k:9092?cafile=/ca.pem")


def test_postgresql_tls_options_reach_the_driver() -> None:
    """sslmode=verify-full and sslrootcert in the database URL are psycopg's connect options."""
    engine = create_engine(GOOD_DB)
    _, options = engine.dialect.create_connect_args(engine.url)
    assert (options["sslmode"], options["sslrootcert"]) == ("verify-full", "/ca")
    engine.dispose()


def test_an_unreachable_bus_is_one_line_and_exit_1(tmp_path: Path) -> None:
    """``kho publish`` with Kafka on a closed port (a wrong password reads the same, as
    kafka-python cannot tell them apart): one line naming Kafka and the address, exit 1, not
    one failure per publication."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = subprocess.run(
        [sys.executable, "-c", "from hub.app.cli.root import main; main()", "publish"],
        env=_environment(tmp_path, KHO_BUS_URL=f"kafka://kho:wrong@127.0.0.1:{port}"),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert f"Không kết nối được tới Kafka tại 127.0.0.1:{port}" in lines[0]
    assert "wrong" not in output and "Traceback" not in output
