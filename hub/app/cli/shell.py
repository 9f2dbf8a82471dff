"""What every ``kho`` command shares: the settings, built once by the root callback, and the
hub, built on first use and closed when the command ends (Click closes the root context)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pydantic
import typer

from hub.errors import ConfigurationError
from hub.settings import KhoSettings

if TYPE_CHECKING:
    from hub.app.wiring import Hub


@dataclass
class Shell:
    settings: KhoSettings
    _hub: Hub | None = field(default=None, init=False)

    def hub(self) -> Hub:
        """The composition root, opened once per command."""
        if self._hub is None:
            from hub.app.wiring import build_hub  # every adapter's imports: only when needed

            self._hub = build_hub(self.settings)
        return self._hub

    def close(self) -> None:
        if self._hub is not None:
            self._hub.close()
            self._hub = None


def open_shell(ctx: typer.Context) -> Shell:
    """Build the settings from the environment once, for the whole command; a setting that does
    not parse is a one-line error naming it."""
    try:
        settings = KhoSettings()
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"KHO_{'.'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigurationError(f"Cấu hình không hợp lệ: {problems}") from None
    opened = Shell(settings)
    ctx.obj = opened
    ctx.call_on_close(opened.close)
    return opened


def shell(ctx: typer.Context) -> Shell:
    """The shell the root callback opened for this command."""
    opened = ctx.find_object(Shell)
    if opened is None:  # a sub-app invoked on its own, as some tests do: open one here
        return open_shell(ctx)
    return opened
