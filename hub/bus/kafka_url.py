"""``KHO_BUS_URL`` for Kafka, parsed once into the keyword arguments of every kafka-python client.

    kafka://host:port[,host:port]                             PLAINTEXT, no login
    kafka://user:password@host:port[,host:port]               SASL_PLAINTEXT, SCRAM-SHA-512
    kafka://user:password@host:port?mechanism=SCRAM-SHA-256   SASL_PLAINTEXT, SCRAM-SHA-256
    kafka+ssl://host:port?cafile=/etc/kho/ca.pem              SSL (TLS, no login)
    kafka+ssl://user:password@host:port?cafile=/etc/kho/ca.pem
                                                              SASL_SSL, SCRAM-SHA-512

``kafka+ssl://`` checks the brokers' certificates against ``cafile`` (default: the system's
trusted authorities) and their host names.

User and password are percent-decoded (``%40`` for ``@``, ``%3A`` for ``:``). The password never
appears in ``repr``, ``str`` or an error message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from hub.errors import ConfigurationError

SCHEME = "kafka://"
TLS_SCHEME = "kafka+ssl://"
MECHANISMS = ("SCRAM-SHA-512", "SCRAM-SHA-256")
DEFAULT_MECHANISM = MECHANISMS[0]
_HOST = r"\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?"  # [IPv6] or a name
_SERVER = re.compile(rf"^(?:{_HOST}):(\d{{1,5}})$")
_HIDDEN = "***"


@dataclass(frozen=True)
class KafkaConnection:
    """Where the brokers are and, when ``username`` is set, whom to log in as."""

    servers: tuple[str, ...]
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    mechanism: str = DEFAULT_MECHANISM
    tls: bool = False
    cafile: str | None = None

    @property
    def bootstrap(self) -> str:
        """``host:port[,host:port]``, as the clients and the error messages name the brokers."""
        return ",".join(self.servers)

    @property
    def authenticated(self) -> bool:
        return self.username is not None

    @property
    def security_protocol(self) -> str:
        if self.tls:
            return "SASL_SSL" if self.authenticated else "SSL"
        return "SASL_PLAINTEXT" if self.authenticated else "PLAINTEXT"

    def client_options(self) -> dict[str, Any]:
        """kafka-python keyword arguments for a producer, consumer or admin client."""
        options: dict[str, Any] = {
            "bootstrap_servers": list(self.servers),
            "security_protocol": self.security_protocol,
        }
        if self.tls:
            options["ssl_check_hostname"] = True
            if self.cafile is not None:
                options["ssl_cafile"] = self.cafile
        if self.authenticated:
            options["sasl_mechanism"] = self.mechanism
            options["sasl_plain_username"] = self.username
            options["sasl_plain_password"] = self.password
        return options

    def as_user(self, username: str, password: str) -> KafkaConnection:
        """The same brokers, logged in as someone else (an agency's Kafka user)."""
        return KafkaConnection(
            self.servers, username, password, self.mechanism, self.tls, self.cafile
        )

    def __str__(self) -> str:
        login = f"{self.username}:{_HIDDEN}@" if self.authenticated else ""
        params = [] if self.mechanism == DEFAULT_MECHANISM else [f"mechanism={self.mechanism}"]
        params += [f"cafile={self.cafile}"] if self.cafile else []
        query = f"?{'&'.join(params)}" if params else ""
        return f"{TLS_SCHEME if self.tls else SCHEME}{login}{self.bootstrap}{query}"

    def __repr__(self) -> str:
        hidden = _HIDDEN if self.password is not None else None
        return (
            f"KafkaConnection(servers={self.servers!r}, username={self.username!r}, "
            f"password={hidden!r}, mechanism={self.mechanism!r}, tls={self.tls!r}, "
            f"cafile={self.cafile!r})"
        )


def is_kafka_url(url: str) -> bool:
    """``kafka://`` or ``kafka+ssl://``."""
    return url.startswith((SCHEME, TLS_SCHEME))


def parse_kafka_url(url: str) -> KafkaConnection:
    """Parse a ``kafka://`` or ``kafka+ssl://`` bus URL; anything malformed is a
    ConfigurationError naming KHO_BUS_URL (and never the password)."""
    if not is_kafka_url(url):
        raise _bad("phải bắt đầu bằng kafka:// hoặc kafka+ssl://")
    tls = url.startswith(TLS_SCHEME)
    rest = url.removeprefix(TLS_SCHEME if tls else SCHEME)
    rest, _, query = rest.partition("?")
    if "#" in query or "#" in rest:
        raise _bad("không được có phần #")
    rest = rest.removesuffix("/")
    userinfo, at, hosts = rest.rpartition("@")
    if "/" in hosts:
        raise _bad("không được có đường dẫn sau địa chỉ máy chủ")
    servers = _servers(hosts)
    mechanism, cafile = _options(query)
    if cafile is not None and not tls:
        raise _bad("cafile chỉ dùng được với kafka+ssl://")
    if not at:
        if mechanism is not None:
            raise _bad("mechanism chỉ dùng được khi có tên đăng nhập (kafka://user:password@...)")
        return KafkaConnection(servers, tls=tls, cafile=cafile)
    username, colon, password = userinfo.partition(":")
    username, password = unquote(username), unquote(password)
    if not username or not colon or not password:
        raise _bad("cần cả tên đăng nhập và mật khẩu (kafka://user:password@host:port)")
    return KafkaConnection(
        servers, username, password, mechanism or DEFAULT_MECHANISM, tls=tls, cafile=cafile
    )


def _servers(hosts: str) -> tuple[str, ...]:
    if not hosts:
        raise _bad("thiếu địa chỉ máy chủ Kafka (host:port)")
    servers = tuple(hosts.split(","))
    for server in servers:
        found = _SERVER.match(server)
        if found is None or not 0 < int(found.group(1)) < 65536:
            raise _bad(f"địa chỉ máy chủ {server!r} phải có dạng host:port")
    return servers


def _options(query: str) -> tuple[str | None, str | None]:
    """The ``mechanism`` and ``cafile`` parameters, each None when absent."""
    if not query:
        return None, None
    try:
        pairs = parse_qsl(query, strict_parsing=True)
    except ValueError:
        raise _bad("phần tham số sau ? không đọc được") from None
    mechanism: str | None = None
    cafile: str | None = None
    for key, value in pairs:
        if key == "cafile":
            cafile = value
            continue
        if key != "mechanism":
            raise _bad(f"tham số {key!r} không được hỗ trợ; chỉ có mechanism và cafile")
        if value.upper() not in MECHANISMS:
            raise _bad(f"mechanism {value!r} không được hỗ trợ; dùng {' hoặc '.join(MECHANISMS)}")
        mechanism = value.upper()
    return mechanism, cafile


def _bad(reason: str) -> ConfigurationError:
    return ConfigurationError(
        f"KHO_BUS_URL không hợp lệ: {reason} (dạng kafka://user:password@host:port[,host:port])"
    )
