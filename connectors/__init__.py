"""Sector connectors: read departmental data where it lives and publish it to the hub."""

from connectors.config import ConnectorConfig, load_connector_config
from connectors.errors import ConnectorError
from connectors.runner import run_connector

__all__ = ["ConnectorConfig", "ConnectorError", "load_connector_config", "run_connector"]
