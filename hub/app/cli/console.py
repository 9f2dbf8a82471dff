"""The CLI's two consoles. Soft wrap: a message, a path or a figure is never cut by wrapping at
the terminal's width (80 columns when the output is not a terminal); tables still fit it."""

from __future__ import annotations

from rich.console import Console

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)
