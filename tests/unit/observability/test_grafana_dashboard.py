"""The Grafana dashboard in deploy/grafana/kho.json queries only metrics the hub exports, and
shows each of them: a renamed metric fails here, not on a blank panel in production."""

from __future__ import annotations

import json
import re
from typing import Any

from prometheus_client import REGISTRY

from hub.metrics import metric_names
from tests.paths import PROJECT_ROOT

DASHBOARD = PROJECT_ROOT / "deploy" / "grafana" / "kho.json"
METRIC = re.compile(r"\bkho_[a-z0-9_]+\b")


def queries(dashboard: dict[str, Any]) -> list[str]:
    """Every PromQL expression of the panels and of the template variables."""
    found = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", ())]
    for variable in dashboard["templating"]["list"]:
        query = variable.get("query")
        if isinstance(query, dict):
            found.append(query["query"])
    return found


def test_every_queried_metric_exists() -> None:
    """Each kho_* name in a query is a sample the registry exports (``_total``, ``_bucket``...)."""
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    used = {name for query in queries(dashboard) for name in METRIC.findall(query)}
    assert used, "the dashboard queries no kho metric"
    assert sorted(used - metric_names()) == []


def test_every_hub_metric_is_on_the_dashboard() -> None:
    """Each metric family the hub defines is queried by some panel."""
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    text = " ".join(queries(dashboard))
    families = {f.name for f in REGISTRY.collect() if f.name.startswith("kho_")}
    assert families >= {"kho_records_in", "kho_consumer_lag", "kho_http_request_duration_seconds"}
    assert sorted(f for f in families if f not in text) == []


def test_panels_are_laid_out_and_use_the_datasource_variable() -> None:
    """Panels have unique ids and titles, and read from the ${datasource} variable, so the
    dashboard imports into any Grafana with a Prometheus data source."""
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    panels = dashboard["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    assert all(p["title"] for p in panels)
    for panel in panels:
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "${datasource}"
            assert panel["targets"]
