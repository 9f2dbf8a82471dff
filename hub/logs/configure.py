"""Logging set up once, at the start of a process (the CLI's entry point, the API's factory).

Every line goes through one handler on the root logger whose formatter is structlog's
``ProcessorFormatter``: lines from ``structlog.get_logger()`` and from the stdlib ``logging``
calls (the code's, uvicorn's, kafka-python's) get the same fields and the same masking.
JSON lines by default; a console format when stderr is a terminal or ``KHO_LOG_FORMAT=console``.

structlog is imported when it is first needed, not by ``configure_logging``: importing it costs
50-60 ms (its dev module imports rich's traceback and pygments), which a command that writes no
log line (``kho --help``, an unchanged ``kho publish``) need not pay. The formatter is built on
the first line it formats; structlog's own loggers are configured at once when structlog is
already imported, else with that first line. So the code logs through the stdlib
(``logging.getLogger``, fields as ``extra``), never through ``structlog.get_logger()``: a
structlog logger used before that first line would write with structlog's defaults, outside
this handler and its masking.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING, Literal, TextIO

from pydantic import ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hub.errors import ConfigurationError
from hub.logs.secrets import mask_secrets

if TYPE_CHECKING:
    from structlog.typing import EventDict, Processor, WrappedLogger


class LogSettings(BaseSettings):
    """``KHO_LOG_FORMAT`` (auto, json, console) and ``KHO_LOG_LEVEL`` (a stdlib level name)."""

    model_config = SettingsConfigDict(env_prefix="KHO_LOG_", extra="ignore")

    format: Literal["auto", "json", "console"] = "auto"
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "WARNING"

    @field_validator("format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


def read_log_settings() -> LogSettings:
    """The settings from the environment; a value that does not parse is a
    ``ConfigurationError`` naming the variable."""
    try:
        return LogSettings()
    except ValidationError as exc:
        problems = "; ".join(
            f"KHO_LOG_{'.'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors()
        )
        raise ConfigurationError(f"Cấu hình nhật ký không hợp lệ: {problems}") from None


def _drop_color_message(
    logger: WrappedLogger, method_name: str, event_dict: EventDict
) -> EventDict:
    """uvicorn passes a coloured copy of its message as an extra field: one message is enough."""
    event_dict.pop("color_message", None)
    return event_dict


def _process_fields(process: str) -> Processor:
    def add(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
        event_dict.setdefault("process", process)
        event_dict.setdefault("pid", os.getpid())
        return event_dict

    return add


_OURS = "_kho_handler"


class _CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a line is logged (a test runner swaps it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure_logging(
    process: str, settings: LogSettings | None = None, stream: TextIO | None = None
) -> None:
    """Route every log line of this process through structlog. ``process`` names the command
    (``serve``, ``mask run``); ``stream`` defaults to stderr. Calling it again replaces the
    previous configuration (tests do)."""
    settings = settings or read_log_settings()
    target = stream or sys.stderr
    console = settings.format == "console" or (settings.format == "auto" and target.isatty())
    handler = logging.StreamHandler(stream) if stream is not None else _CurrentStderr()
    handler.setFormatter(_StructuredFormatter(process, console=console, colors=target.isatty()))
    setattr(handler, _OURS, True)
    root = logging.getLogger()
    for old in list(root.handlers):  # ours from an earlier call; a test runner's stay
        if getattr(old, _OURS, False):
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        server_logger = logging.getLogger(name)
        server_logger.handlers.clear()
        server_logger.propagate = True
    if "structlog" in sys.modules:
        _configure_structlog(process)


class _StructuredFormatter(logging.Formatter):
    """structlog's ``ProcessorFormatter`` for the process's lines, built (structlog imported,
    its own loggers configured) on the first line formatted; the handler calls it under its
    lock, so it is built once."""

    def __init__(self, process: str, *, console: bool, colors: bool) -> None:
        super().__init__()
        self._process = process
        self._console = console
        self._colors = colors
        self._built: logging.Formatter | None = None

    def format(self, record: logging.LogRecord) -> str:
        if self._built is None:
            self._built = _processor_formatter(self._process, self._console, self._colors)
            _configure_structlog(self._process)
        return self._built.format(record)


def _shared_processors(process: str) -> list[Processor]:
    """The fields every line gets, from structlog's loggers and the stdlib's alike."""
    import structlog

    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"),
        _process_fields(process),
    ]


def _processor_formatter(process: str, console: bool, colors: bool) -> logging.Formatter:
    import structlog

    foreign: list[Processor] = [
        *_shared_processors(process),
        structlog.stdlib.ExtraAdder(),
        _drop_color_message,
    ]
    renderer: Processor = (
        structlog.dev.ConsoleRenderer(colors=colors)
        if console
        else structlog.processors.JSONRenderer(ensure_ascii=False)
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=foreign,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            mask_secrets,
            renderer,
        ],
    )


def _configure_structlog(process: str) -> None:
    """structlog's own loggers hand their lines to the stdlib handler's formatter."""
    import structlog

    structlog.configure(
        processors=[
            *_shared_processors(process),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
