"""The reverse proxy's and Prometheus's configurations, checked by the tools themselves (Caddy
and promtool from Debian's packages, unpacked by scripts/deploy-tools.sh at `make install`)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.paths import PROJECT_ROOT

TOOLS = PROJECT_ROOT / ".services" / "tools"


def _tool(name: str) -> Path:
    path = TOOLS / name
    if not path.is_file():
        pytest.fail(f"no {path}: run `make install` (scripts/deploy-tools.sh)")
    return path


def _handlers(node: Any) -> list[dict[str, Any]]:
    """Every handler of a Caddy JSON configuration, depth first."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if "handler" in node:
            found.append(node)
        for value in node.values():
            found += _handlers(value)
    elif isinstance(node, list):
        for value in node:
            found += _handlers(value)
    return found


def test_the_caddyfile_is_valid_and_proxies_to_every_api_replica_over_tls(tmp_path: Path) -> None:
    """Caddy adapts and validates the Caddyfile: TLS from its internal CA, /metrics answered
    404, every address of the service `hub` on 8000 as an upstream."""
    adapted = subprocess.run(
        [
            str(_tool("caddy")),
            "adapt",
            "--config",
            str(PROJECT_ROOT / "services/caddy/Caddyfile"),
            "--adapter",
            "caddyfile",
            "--validate",
        ],
        env={
            **os.environ,
            "KHO_SITE_ADDRESS": "hub.example.internal",
            # where validation may write Caddy's storage (its local CA), not the user's home
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert adapted.returncode == 0, adapted.stderr
    config = json.loads(adapted.stdout)
    policies = config["apps"]["tls"]["automation"]["policies"]
    assert any(i.get("module") == "internal" for p in policies for i in p["issuers"])
    handlers = _handlers(config["apps"]["http"])
    (proxy,) = [h for h in handlers if h["handler"] == "reverse_proxy"]
    assert proxy["dynamic_upstreams"] == {
        "source": "a",
        "name": "hub",
        "port": "8000",
        "refresh": 5_000_000_000,
    }
    assert any(h["handler"] == "static_response" and h["status_code"] == 404 for h in handlers)


def test_the_prometheus_configuration_is_valid() -> None:
    """promtool accepts services/prometheus/prometheus.yml."""
    checked = subprocess.run(
        [
            str(_tool("promtool")),
            "check",
            "config",
            str(PROJECT_ROOT / "services/prometheus/prometheus.yml"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS" in checked.stdout
