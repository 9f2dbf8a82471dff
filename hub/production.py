"""``KHO_ENV=production``: the settings may not take a development shortcut.

Refused, each naming its setting:

- the embedded bus (``KHO_BUS_URL=embedded:...``) or SQLite (``KHO_DATABASE_URL=sqlite:...``);
- Kafka without TLS (``kafka://``: SASL credentials would cross the network in the clear;
  production uses ``kafka+ssl://user:password@host:port?cafile=...``, SASL_SSL);
- the development passwords (``kho``/``kho``, or a password ``kho``) in any URL, the rate
  limits' Redis (``KHO_RATE_LIMIT_STORAGE_URL``) included (counting in memory, each process
  its own, is not refused: hub/app/api/rate_limits.py warns at start);
- no pseudonym key (``KHO_PSEUDONYM_KEY``): the development key file in the data folder would
  be generated anew on a fresh server and change every pseudonym;
- anonymous MQTT: a connector configuration whose ``mqtt://`` URL has no user and password;
- the audit log's anchors on a file (``KHO_AUDIT_ANCHORS_URL`` empty or ``file:``) or on Kafka
  without TLS: each hub process would keep its own file on its own host; production signs them
  onto a Kafka topic (``kafka+ssl://``) that the database cannot rewrite;
- no anchor signing key file (``KHO_AUDIT_ANCHOR_KEY_FILE``) on a host that signs: the
  development key in the data folder would be generated anew on a fresh server, and every
  earlier anchor would then read as forged.

The check reads settings and connector configuration files only: nothing is connected to.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import yaml

from hub.errors import ConfigurationError

DEVELOPMENT_PASSWORDS = frozenset({"kho"})


class ProductionSettings(Protocol):
    """What the check reads of KhoSettings."""

    @property
    def bus_url(self) -> str: ...

    @property
    def database_url(self) -> str: ...

    @property
    def registry_url(self) -> str: ...

    @property
    def portal_url(self) -> str: ...

    @property
    def pseudonym_key(self) -> object | None: ...

    @property
    def connectors_dir(self) -> Path: ...

    @property
    def audit_anchors_url(self) -> str: ...

    @property
    def audit_anchor_key_file(self) -> Path | None: ...

    @property
    def audit_anchor_public_key(self) -> str | None: ...

    @property
    def rate_limit_storage_url(self) -> str: ...


def production_refusals(settings: ProductionSettings) -> list[str]:
    """Every development shortcut the settings take, each naming its setting (Vietnamese)."""
    refusals: list[str] = []
    bus = settings.bus_url
    if bus.startswith("embedded:"):
        refusals.append("KHO_BUS_URL dùng bus nhúng (SQLite); môi trường production cần Kafka")
    elif bus.startswith("kafka://"):
        refusals.append(
            "KHO_BUS_URL kết nối Kafka không mã hoá (kafka://); dùng kafka+ssl:// (SASL_SSL)"
        )
    if settings.database_url.startswith("sqlite"):
        refusals.append("KHO_DATABASE_URL dùng SQLite; môi trường production cần PostgreSQL")
    for name, url in (
        ("KHO_BUS_URL", bus),
        ("KHO_DATABASE_URL", settings.database_url),
        ("KHO_REGISTRY_URL", settings.registry_url),
        ("KHO_PORTAL_URL", settings.portal_url),
        ("KHO_AUDIT_ANCHORS_URL", settings.audit_anchors_url),
        ("KHO_RATE_LIMIT_STORAGE_URL", settings.rate_limit_storage_url),
    ):
        if _development_password(url):
            refusals.append(f"{name} dùng mật khẩu phát triển (kho/kho)")
    if settings.pseudonym_key is None:
        refusals.append(
            "KHO_PSEUDONYM_KEY chưa đặt; production không tự sinh khoá bí danh trong thư mục dữ"
            " liệu"
        )
    refusals.extend(_anchor_refusals(settings))
    for config, url in _mqtt_urls(settings.connectors_dir):
        parts = urlsplit(url)
        if not parts.username or not parts.password:
            refusals.append(
                f"connector {config} kết nối MQTT ẩn danh ({parts.hostname}); cần"
                " mqtt://user:${BIẾN_MẬT_KHẨU}@máy:cổng"
            )
        elif _development_password(url):
            refusals.append(f"connector {config} dùng mật khẩu phát triển (kho/kho) cho MQTT")
    return refusals


def require_production_ready(settings: ProductionSettings, environment: str) -> None:
    """Raise ConfigurationError, one line naming every refused setting, when ``environment``
    is production and the settings take a development shortcut."""
    if environment != "production":
        return
    refusals = production_refusals(settings)
    if refusals:
        raise ConfigurationError("KHO_ENV=production từ chối khởi động: " + "; ".join(refusals))


def _anchor_refusals(settings: ProductionSettings) -> list[str]:
    anchors = settings.audit_anchors_url
    refusals: list[str] = []
    if not anchors.startswith("kafka+ssl://"):
        where = "Kafka không mã hoá" if anchors.startswith("kafka://") else "tệp trên máy hub"
        refusals.append(
            f"KHO_AUDIT_ANCHORS_URL ghi mốc nhật ký kiểm toán vào {where}; production cần chủ đề"
            " Kafka qua TLS (kafka+ssl://)"
        )
    if settings.audit_anchor_key_file is None and not settings.audit_anchor_public_key:
        refusals.append(
            "KHO_AUDIT_ANCHOR_KEY_FILE chưa đặt; production không tự sinh khoá ký mốc trong thư"
            " mục dữ liệu"
        )
    return refusals


def _development_password(url: str) -> bool:
    try:
        password = urlsplit(url).password
    except ValueError:
        return False
    return password is not None and unquote(password) in DEVELOPMENT_PASSWORDS


def _mqtt_urls(folder: Path) -> Iterator[tuple[str, str]]:
    """(file name, MQTT URL) of every connector configuration in the folder using MQTT."""
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.y*ml")):
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue  # an unreadable file is refused by the connector that loads it
        source = document.get("source") if isinstance(document, dict) else None
        if isinstance(source, dict) and source.get("kind") == "mqtt":
            yield path.name, str(source.get("url", "mqtt://127.0.0.1:1883"))
