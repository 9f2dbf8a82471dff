"""Commands of ``kho`` imported only when they run: Click's lazily loaded subcommands, on
Typer's group. Each command group of the CLI imports the parts of the hub it drives (the 766
index, Kafka's admin client, the address parsers...); importing them all made every ``kho``
command, ``kho --help`` included, pay seconds of imports before doing anything.

A :class:`LazyCommand` names the module and the Typer app of a command or group and carries the
one line ``kho --help`` lists for it, so that listing imports nothing. A test renders the
listing both ways (lazily, and with every command loaded) and compares them, so the line cannot
drift from the command's own help."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any, ClassVar

# Typer 0.29 vendors Click as typer._click; its groups are not click.Group, and it exports
# neither its Command nor UsageError.
from typer._click import Context, HelpFormatter
from typer._click.core import Command
from typer._click.exceptions import UsageError
from typer.core import TyperCommand, TyperGroup
from typer.main import get_group_from_info
from typer.models import TyperInfo


@dataclass(frozen=True)
class LazyCommand:
    """``kho <name>``: the Typer app ``app`` of ``module``, registered as the group ``name``; or,
    with ``command``, that one command of the app, registered at the root (as ``add_typer``
    without a name does)."""

    name: str
    module: str
    app: str
    help: str  # the first paragraph of the group's or command's help, as `kho --help` lists it
    command: str | None = None


class LazyGroup(TyperGroup):
    """A Typer group that also holds the :attr:`lazy` commands, imported when first resolved.
    A subclass sets :attr:`lazy` (Typer builds the group from its class, with no room for more
    arguments)."""

    lazy: ClassVar[Sequence[LazyCommand]] = ()

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._lazy = {entry.name: entry for entry in self.lazy}
        self._loaded: dict[str, Command] = {}
        self._listing = False
        # Typer suggests only among the commands it holds; this group suggests among all.
        self._suggest = self.suggest_commands
        self.suggest_commands = False

    def list_commands(self, ctx: Context) -> list[str]:
        held = super().list_commands(ctx)
        return [*held, *(name for name in self._lazy if name not in held)]

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        held = super().get_command(ctx, cmd_name)
        if held is not None or cmd_name not in self._lazy:
            return held
        entry = self._lazy[cmd_name]
        if self._listing and cmd_name not in self._loaded:
            return TyperCommand(name=entry.name, help=entry.help)
        return self._load(entry)

    def _load(self, entry: LazyCommand) -> Command:
        if entry.name not in self._loaded:
            app = getattr(importlib.import_module(entry.module), entry.app)
            group = get_group_from_info(
                TyperInfo(app, name=None if entry.command else entry.name),
                pretty_exceptions_short=True,
                suggest_commands=self._suggest,
                rich_markup_mode=self.rich_markup_mode,
            )
            self._loaded[entry.name] = group.commands[entry.command] if entry.command else group
        return self._loaded[entry.name]

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        """The help, listing the lazy commands by their line without importing them."""
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, Command | None, list[str]]:
        """Typer's resolution, suggesting close names among every command, the lazy ones too."""
        try:
            return super().resolve_command(ctx, args)
        except UsageError as exc:
            matches = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if self._suggest and matches:
                suggestions = ", ".join(f"{m!r}" for m in matches)
                exc.message = f"{exc.message.rstrip('.')}. Did you mean {suggestions}?"
            raise
