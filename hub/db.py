"""The hub's database: one SQLAlchemy engine from ``database_url`` (PostgreSQL or SQLite)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from hub.errors import ConfigurationError, UnreachableError
from hub.logs.secrets import shown_url

metadata = sa.MetaData()


class UtcDateTime(sa.TypeDecorator[dt.datetime]):
    """A moment stored in UTC and always read back timezone-aware, on every database.

    SQLite keeps no offset, so without this every reader would have to remember that a naive
    value means UTC. A naive value is refused on the way in."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: dt.datetime | None, dialect: sa.Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the hub stores aware moments only")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: sa.Dialect
    ) -> dt.datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=dt.UTC)


_DRIVERS = {
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mysql+pymysql",
}


def with_driver(url: URL) -> URL:
    """The URL with the driver Kho installs: psycopg 3 for ``postgresql://``, PyMySQL for
    ``mariadb://`` and ``mysql://``; a URL that names its driver is kept."""
    return url.set(drivername=_DRIVERS.get(url.drivername, url.drivername))


def create_engine(url: str) -> sa.Engine:
    """An engine for the URL; ``postgresql://`` uses psycopg 3, SQLite files get their folder."""
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ConfigurationError(f"KHO_DATABASE_URL không hợp lệ: {shown_url(url)!r}") from exc
    parsed = with_driver(parsed)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
    return sa.create_engine(parsed, pool_pre_ping=True)


# The advisory lock that serialises table creation on PostgreSQL: the API's replicas and the
# workers of a stack start together on a fresh database, and two concurrent CREATE TABLE of the
# same name fail on pg_type's unique index instead of waiting.
SCHEMA_LOCK_KEY = 0x6B686F5F7363686D  # "kho_schm"


def create_tables(engine: sa.Engine) -> None:
    """Create every table the hub's modules declared on ``metadata`` (idempotent; processes that
    start together on PostgreSQL create them one at a time)."""
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(SCHEMA_LOCK_KEY)))
            metadata.create_all(conn)
            if conn.dialect.name == "postgresql":
                _set_storage_parameters(conn)
    except sa.exc.OperationalError as exc:
        raise UnreachableError(
            "cơ sở dữ liệu", engine.url.render_as_string(hide_password=True), _why(exc)
        ) from exc


def _set_storage_parameters(conn: sa.Connection) -> None:
    """A table's declared storage parameters (``postgresql_with``, the index tallies'
    fillfactor) set on a table made before they were declared: ``create_all`` leaves an
    existing table as it is. The new values apply to pages written from now on."""
    for table in metadata.tables.values():
        declared: dict[str, object] | None = table.dialect_options["postgresql"]["with"]
        if not declared:
            continue
        current = conn.execute(
            sa.text("SELECT reloptions FROM pg_class WHERE oid = to_regclass(:name)"),
            {"name": table.name},
        ).scalar()
        if not {f"{k}={v}" for k, v in declared.items()} <= set(current or ()):
            options = ", ".join(f"{k} = {v}" for k, v in declared.items())
            conn.execute(sa.text(f'ALTER TABLE "{table.name}" SET ({options})'))


# What the driver's message means, for the one line a person reads (libpq's and MariaDB's
# wording; the driver's text itself is not shown: it may be long and in any language).
_REASONS = (
    ("password authentication failed", "sai tên đăng nhập hoặc mật khẩu"),
    ("access denied for user", "sai tên đăng nhập hoặc mật khẩu"),
    ("certificate verify failed", "chứng chỉ TLS của máy chủ không được xác thực"),
    ("pg_hba.conf", "máy chủ từ chối kết nối này (pg_hba.conf, TLS?)"),
    ("connection refused", "không có máy chủ lắng nghe ở cổng này"),
    ("does not exist", "không có cơ sở dữ liệu hoặc người dùng này"),
)


def _why(exc: sa.exc.OperationalError) -> str:
    text = str(exc.orig).lower()
    return next((reason for clue, reason in _REASONS if clue in text), type(exc).__name__)


@contextmanager
def using(engine: sa.Engine, conn: sa.Connection | None) -> Iterator[sa.Connection]:
    """``conn`` when the caller already holds one (several reads on one connection), else a
    connection of its own from ``engine``, closed afterwards."""
    if conn is not None:
        yield conn
        return
    with engine.connect() as own:
        yield own
