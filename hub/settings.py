"""One settings object, built once at start-up and passed down (env prefix ``KHO_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hub.defaults import default_path, shipped


class KhoSettings(BaseSettings):
    """Where every port of the hub points. The defaults are the embedded adapters.

    URLs choose the adapter:

    - ``bus_url``: ``embedded:<path to a SQLite file>`` or
      ``kafka://[user:password@]host:port[,host:port][?mechanism=SCRAM-SHA-256]`` (with a user:
      SASL/SCRAM, SCRAM-SHA-512 unless told; hub.bus.kafka_url)
    - ``database_url``: any SQLAlchemy URL; ``sqlite:///...`` or ``postgresql://...``
    - ``portal_url``: ``folder:<directory>`` or ``ckan+http(s)://host[:port]`` with
      ``ckan_api_token``
    - ``registry_url``: ``embedded`` (the hub's own schema registry, in its database, also served
      as a Confluent REST API at ``/registry``) or ``http(s)://host:port[/path]`` (an external
      Confluent-compatible registry)
    """

    model_config = SettingsConfigDict(env_prefix="KHO_", extra="ignore")

    # `production` refuses every development shortcut at start (hub.production): the embedded
    # bus or SQLite, Kafka without TLS, the kho/kho passwords, no pseudonym key, anonymous MQTT.
    env: Literal["development", "production"] = "development"

    # The embedded hub's home: its bus, database, open-data folder and key files. Each of the
    # three URLs below, left empty, points into it.
    data_dir: Path = Path(".kho")
    bus_url: str = ""
    database_url: str = ""
    portal_url: str = ""
    registry_url: str = "embedded"
    ckan_api_token: SecretStr | None = None
    # The portal's upload limit (CKAN's ckan.max_resource_size, MB): a larger file stops its
    # publication before any upload.
    portal_max_resource_mb: int = Field(default=10, ge=1)
    # What a revoked approval does to a published dataset: make it private, or delete it.
    publish_withdraw: Literal["private", "delete"] = "private"
    # CKAN down or answering 5xx: retry a publication this many times, backing off
    # exponentially from `publish_backoff_s` up to 60 s, re-reading the portal each time.
    publish_retries: int = Field(default=5, ge=0)
    publish_backoff_s: float = Field(default=1.0, ge=0)
    # `kho publish --watch`: the shortest interval between republications of a `continuous`
    # dataset (daily, weekly, monthly and annual datasets wait that long).
    publish_continuous_interval_s: float = Field(default=300.0, gt=0)
    # One publisher at a time per hub database (PostgreSQL advisory lock, or a file lock in
    # `data_dir`); a second `kho publish` waits. Off only to test the portal's own safety
    # against two writers.
    publish_lock: bool = True
    # The shipped defaults (package data, hub.defaults and connectors/configs) unless set.
    catalogue_path: Path = Field(default_factory=lambda: default_path("catalogue", "datasets.yaml"))
    procedures_path: Path = Field(
        default_factory=lambda: default_path("catalogue", "procedures.yaml")
    )
    publications_path: Path = Field(
        default_factory=lambda: default_path("catalogue", "publications.yaml")
    )
    index766_path: Path = Field(default_factory=lambda: default_path("catalogue", "index766.yaml"))
    schemas_dir: Path = Field(default_factory=lambda: default_path("schemas"))
    connectors_dir: Path = Field(default_factory=lambda: shipped("connectors", "configs"))
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=1, le=65535)
    publish_batch_size: int = Field(default=1000, ge=1)
    # How often a batch connector saves its checkpoint (0: after every acknowledged batch). What
    # the bus acknowledged since the last save is found again by its headers after a crash.
    checkpoint_interval_s: float = Field(default=1.0, ge=0)
    client_id: str = "kho"
    # The broker's super.users, as Kafka writes them (brokers do not show them to clients):
    # `kho acl sync` never deletes their ACLs. The bus URL's own user always counts as one.
    kafka_super_users: str = "User:kho;User:broker;User:controller"
    # The longest the masking worker's transaction steps (flush, offsets, commit, abort) wait
    # for the broker: then the batch is dropped and read again from the committed offsets.
    kafka_transaction_wait_s: float = Field(default=30.0, gt=0)
    ingest_max_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    ingest_max_records: int = Field(default=5000, ge=1)
    # The lease of a running ingest request's Idempotency-Key, renewed every third of it: a
    # retry after the process died takes the batch over once it lapsed.
    idempotency_stale_after_s: float = Field(default=15.0, gt=0)
    # A batch with an Idempotency-Key that the bus has not taken within this time (a broker
    # restarting, say) is answered 503 with Retry-After while it goes on under its renewed
    # claim: a retry meanwhile is told 409 in_progress, and once the bus took the batch it
    # gets the stored answer. The records are sent once either way.
    ingest_answer_within_s: float = Field(default=10.0, gt=0)
    # How long an Idempotency-Key's answer is kept: a retry after that is a new request, and
    # the API process (or `kho ingest purge-keys`) deletes the expired keys.
    idempotency_retention_s: float = Field(default=24 * 3600.0, gt=0)
    stream_poll_interval_s: float = Field(default=0.5, gt=0)
    # The audit log's head is signed (Ed25519, hub.audit.anchor) every `audit_anchor_every`
    # appends, or on the first append `audit_anchor_interval_s` after the last anchor, and on
    # `kho audit anchor`. Anchors go to `audit_anchors_url`: empty, <data_dir>/audit-anchors.jsonl
    # (development); `file:<path>`; or in production a kafka:// or kafka+ssl:// URL, the
    # topic `audit_anchor_topic`, with a user that may only write and read that topic. The
    # signing key file (empty: <data_dir>/audit-anchor.key, created on first use) is never in
    # the database; a host that only verifies may set the public key (64 hex) instead.
    audit_anchors_url: str = ""
    audit_anchor_topic: str = "kho.audit.anchors"
    audit_anchor_key_file: Path | None = None
    audit_anchor_public_key: str | None = None
    audit_anchor_every: int = Field(default=100, ge=1)
    audit_anchor_interval_s: float = Field(default=60.0, gt=0)
    # 64 hex characters shared by every hub process; empty: <data_dir>/pseudonym.key
    pseudonym_key: SecretStr | None = None
    # Citizens sign in with a JWT whose `subject_id_claim` is their CCCD or MST. Production:
    # the province's identity provider's JWKS URL; empty: the hub signs its own tokens with
    # `subject_signing_key` (64 hex characters; empty: <data_dir>/subject-signing.key).
    subject_jwks_url: str | None = None
    subject_token_issuer: str = "kho"  # noqa: S105 (a JWT issuer name, not a secret)
    subject_token_audience: str = "kho"  # noqa: S105 (a JWT audience)
    subject_id_claim: str = "sub"
    subject_signing_key: SecretStr | None = None
    # People sign in to the pages with OpenID Connect (code flow with PKCE) at this issuer, e.g.
    # http://127.0.0.1:18080/realms/kho; its access tokens are accepted by the API too. Empty:
    # the development sign-in (pick a sample person), on the embedded defaults only.
    oidc_issuer_url: str = ""
    oidc_client_id: str = "kho"
    oidc_client_secret_file: Path | None = None  # empty: a public client (PKCE only)
    # Signs the session cookie; empty: <data_dir>/session.key on the embedded defaults.
    session_secret_file: Path | None = None
    session_cookie_secure: bool = False  # set when the hub is served over https
    session_max_age_s: int = Field(default=8 * 3600, ge=60)
    # None: the development sign-in when no issuer is set and the defaults are embedded.
    development_signin: bool | None = None
    # Rate limits of the HTTP API and pages (hub/app/api/rate_limits.py): moving windows in
    # `limits` notation ("3000/minute", "50/second"). None: on under KHO_ENV=production, off in
    # development (tests and fuzz runs set what they need).
    rate_limits: bool | None = None
    # Where they count: "memory://", each API process its own (N processes, N times each
    # budget), or "redis://[:password@]host:port/db" ("rediss://" over TLS), shared by every
    # process; Redis unreachable, requests pass unlimited and a warning is logged.
    rate_limit_storage_url: str = "memory://"
    rate_limit_per_address: str = "3000/minute"
    rate_limit_signin_per_address: str = "30/minute"
    rate_limit_reads_per_credential: str = "2400/minute"
    rate_limit_writes_per_credential: str = "1200/minute"

    @field_validator(
        "rate_limit_per_address",
        "rate_limit_signin_per_address",
        "rate_limit_reads_per_credential",
        "rate_limit_writes_per_credential",
    )
    @classmethod
    def _a_rate(cls, value: str, info: ValidationInfo) -> str:
        # A default rate is not parsed (the rate limiter parses it when the API starts): the
        # settings validate their defaults, and importing `limits` for it cost every command
        # ~20-40 ms (its storages, asyncio included).
        if info.field_name is not None and value == cls.model_fields[info.field_name].default:
            return value
        from limits import parse

        try:
            parse(value)
        except ValueError:
            raise ValueError(f"not a rate such as 3000/minute: {value!r}") from None
        return value

    @field_validator("rate_limit_storage_url")
    @classmethod
    def _a_rate_storage(cls, value: str) -> str:
        # the value is never quoted back: a Redis URL may hold a password
        if value != "memory://" and value.split("://", 1)[0] not in ("redis", "rediss"):
            raise ValueError("memory:// or a redis:// or rediss:// URL")
        return value

    @property
    def rate_limits_on(self) -> bool:
        return self.env == "production" if self.rate_limits is None else self.rate_limits

    @model_validator(mode="after")
    def _embedded_in_data_dir(self) -> KhoSettings:
        """Empty URLs choose the embedded adapters, inside `data_dir`."""
        if not self.bus_url:
            self.bus_url = f"embedded:{self.data_dir / 'bus.sqlite3'}"
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'kho.sqlite3'}"
        if not self.portal_url:
            self.portal_url = f"folder:{self.data_dir / 'opendata'}"
        return self
