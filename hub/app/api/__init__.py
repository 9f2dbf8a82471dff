"""The hub's HTTP API (Starlette)."""

from hub.app.api.app import build_app

__all__ = ["build_app"]
