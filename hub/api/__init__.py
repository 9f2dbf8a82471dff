"""The hub's HTTP API (Starlette)."""

from hub.api.app import build_app

__all__ = ["build_app"]
