"""TLS to PostgreSQL for real: a second, throw-away PostgreSQL server started by the test (never
the shared one) with ``ssl=on``, a certificate from the test CA of ``scripts/test-ca.sh``, and
only TLS connections allowed. The hub's engine with ``sslmode=verify-full&sslrootcert=`` talks
TLS to it; another CA's certificate, or no TLS, is refused with one line naming the database."""

from __future__ import annotations

import glob
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.db import create_engine, create_tables
from hub.errors import UnreachableError
from tests.paths import PROJECT_ROOT
from tests.ports import free_port

PASSWORD = "tls-test-Pw-7"  # noqa: S105 (a throw-away server's password)


@dataclass(frozen=True)
class TlsServer:
    port: int
    ca: Path
    other_ca: Path

    def url(self, query: str) -> str:
        return f"postgresql://hub:{PASSWORD}@localhost:{self.port}/postgres?{query}"


def _as_postgres(*command: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True, timeout=120)


@pytest.fixture(scope="module")
def tls_server() -> Iterator[TlsServer]:
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not bins:
        pytest.fail("no PostgreSQL binaries: run scripts/services.sh start first")
    bin_dir = Path(bins[-1]).parent
    home = Path(tempfile.mkdtemp(prefix="kho-pg-tls-"))
    home.chmod(0o755)
    certs, other = home / "certs", home / "other-ca"
    for folder in (certs, other):
        script = PROJECT_ROOT / "scripts" / "test-ca.sh"
        subprocess.run(["bash", str(script), str(folder)], check=True, timeout=60)
    shutil.chown(certs / "server.key", "postgres")
    certs.chmod(0o755)
    data, sockets = home / "data", home / "run"
    for folder in (data, sockets):
        folder.mkdir()
        shutil.chown(folder, "postgres")
    data.chmod(0o700)
    port = free_port()
    _as_postgres(
        str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres",
        "--auth-local=trust", "--auth-host=scram-sha-256",
    )  # fmt: skip
    hba = data / "pg_hba.conf"
    hba.write_text(
        "local all all trust\n"
        "hostssl all all 127.0.0.1/32 scram-sha-256\n"
        "hostssl all all ::1/128 scram-sha-256\n"
        "host all all all reject\n",
        encoding="utf-8",
    )
    options = (
        f"-p {port} -k {sockets} -c listen_addresses=localhost -c ssl=on"
        f" -c ssl_cert_file={certs / 'server.pem'} -c ssl_key_file={certs / 'server.key'}"
    )
    log = home / "postgres.log"
    log.touch()
    shutil.chown(log, "postgres")
    _as_postgres(
        str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"
    )
    try:
        _as_postgres(
            str(bin_dir / "psql"), "-h", str(sockets), "-p", str(port), "-U", "postgres",
            "-c", f"CREATE ROLE hub LOGIN PASSWORD '{PASSWORD}'",
        )  # fmt: skip
        yield TlsServer(port, certs / "ca.pem", other / "ca.pem")
    finally:
        _as_postgres(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(home, ignore_errors=True)


def test_verify_full_talks_tls_to_postgresql(tls_server: TlsServer) -> None:
    """The engine built from the URL verifies the server against the test CA and the session
    is encrypted (pg_stat_ssl)."""
    engine = create_engine(tls_server.url(f"sslmode=verify-full&sslrootcert={tls_server.ca}"))
    try:
        with engine.connect() as conn:
            ssl, version = conn.execute(
                sa.text("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            ).one()
        assert ssl is True and str(version).startswith("TLS"), version
    finally:
        engine.dispose()


def test_a_certificate_from_another_ca_is_refused_in_one_line(tls_server: TlsServer) -> None:
    """verify-full against the wrong CA: the hub's start-up error names the database."""
    engine = create_engine(tls_server.url(f"sslmode=verify-full&sslrootcert={tls_server.other_ca}"))
    try:
        with pytest.raises(UnreachableError) as refused:
            create_tables(engine)
        message = str(refused.value)
        assert message.startswith("Không kết nối được tới cơ sở dữ liệu tại postgresql")
        assert message.endswith("(chứng chỉ TLS của máy chủ không được xác thực)"), message
        assert PASSWORD not in message and "\n" not in message
    finally:
        engine.dispose()


def test_a_connection_without_tls_is_refused(tls_server: TlsServer) -> None:
    """The server accepts TLS only: sslmode=disable fails to connect."""
    engine = create_engine(tls_server.url("sslmode=disable"))
    try:
        with pytest.raises(UnreachableError, match="pg_hba.conf"):
            create_tables(engine)
    finally:
        engine.dispose()


def test_a_wrong_password_is_named_in_one_line(tls_server: TlsServer) -> None:
    """The right server and CA, the wrong password: the line says so, without the password."""
    url = tls_server.url(f"sslmode=verify-full&sslrootcert={tls_server.ca}")
    engine = create_engine(url.replace(PASSWORD, "not-the-password"))
    try:
        with pytest.raises(UnreachableError) as refused:
            create_tables(engine)
        assert str(refused.value).endswith("(sai tên đăng nhập hoặc mật khẩu)"), refused.value
        assert "not-the-password" not in str(refused.value)
    finally:
        engine.dispose()
