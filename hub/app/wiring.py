"""The composition root: every port's adapter, chosen from the settings, in one place."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import sqlalchemy as sa

from hub.app.wiring_audit import open_audit_log
from hub.app.wiring_index766 import (
    build_index_export,
    build_index_worker,
    load_index_method,
    open_index_reader,
    open_index_store,
)
from hub.app.wiring_opendata import (
    build_publish_watch,
    build_publisher,
    load_publications,
    open_approvals,
)
from hub.audit.entry import CLI, Actor
from hub.bus.factory import open_bus
from hub.catalogue.loader import LoadedCatalogue, load_catalogue
from hub.db import create_engine, create_tables, metadata
from hub.production import require_production_ready
from hub.registry.ensure import RegisteredSets, ensure_registered
from hub.registry.factory import open_registry
from hub.settings import KhoSettings
from hub.sharing.catalogue_subjects import catalogue_subjects

# What only some commands use is imported where it is built: `kho publish` or `kho --help`
# does not pay for the 766 index, the JWT library or the PostgreSQL drivers (hub/app/cli).
if TYPE_CHECKING:
    from hub.app.api.stream_tail import StreamTails
    from hub.async_postgres import AsyncPostgres
    from hub.auth.tokens import TokenStore
    from hub.avro.decoder import RegistryDecoder
    from hub.bus.port import EventBus
    from hub.bus.relay import GroupOffsetsFactory, RelayFactory
    from hub.dlq.desk import StewardDesk
    from hub.dlq.status import ReplayLog
    from hub.ingest.idempotency import IdempotencyStore
    from hub.ingest.topic_ends import TopicEnds
    from hub.ingest.writer import DatasetWriter
    from hub.provide_once.access_log import AccessLogView
    from hub.provide_once.dossier_feed import DossierFeed
    from hub.provide_once.outbox import EvidenceOutbox
    from hub.provide_once.procedures import ProcedureCatalogue
    from hub.provide_once.service import ProvideOnce
    from hub.provide_once.subject_auth import SubjectTokens
    from hub.registry.port import SchemaRegistry
    from hub.sharing import Projector, Pseudonymiser
    from hub.sharing.mask_lag import DatasetLag
    from hub.sharing.masked_worker import MaskingWorker


@dataclass
class Hub:
    settings: KhoSettings
    catalogue: LoadedCatalogue
    engine: sa.Engine
    bus: EventBus
    registry: SchemaRegistry
    _writers: dict[str, DatasetWriter] = field(default_factory=dict)
    _projectors: dict[str, Projector] = field(default_factory=dict)
    _tables_made: int = 0
    """How many of ``metadata``'s tables existed at the last ``_create_declared_tables``."""

    def _create_declared_tables(self) -> None:
        """Create the tables a store's module declared when it was imported: stores are
        imported where they are built, after build_hub's ``create_tables``, so on a fresh
        database their tables would otherwise not exist."""
        if len(metadata.tables) != self._tables_made:
            create_tables(self.engine)
            self._tables_made = len(metadata.tables)

    @cached_property
    def async_postgres(self) -> AsyncPostgres | None:
        """The async pool for what the HTTP API does on every request, on PostgreSQL."""
        if self.engine.dialect.name != "postgresql":
            return None
        from hub.async_postgres import AsyncPostgres

        return AsyncPostgres(self.settings.database_url)

    @cached_property
    def tokens(self) -> TokenStore:
        from hub.auth.tokens import TokenStore

        self._create_declared_tables()
        return TokenStore(self.engine, self.async_postgres)

    # The audit log with its anchoring (hub.app.wiring_audit)
    audit = cached_property(open_audit_log)

    @cached_property
    def idempotency(self) -> IdempotencyStore:
        from hub.ingest.idempotency import IdempotencyStore

        stale_after = dt.timedelta(seconds=self.settings.idempotency_stale_after_s)
        retention = dt.timedelta(seconds=self.settings.idempotency_retention_s)
        self._create_declared_tables()
        return IdempotencyStore(self.engine, stale_after=stale_after, retention=retention)

    @cached_property
    def topic_ends(self) -> TopicEnds:
        """Where idempotent ingest batches will land at the earliest (hub.ingest.topic_ends)."""
        from hub.ingest.topic_ends import TopicEnds

        return TopicEnds(self.bus)

    @cached_property
    def stream_tails(self) -> StreamTails:
        """The process's watchers of the topics streams read (hub.app.api.stream_tail)."""
        from hub.app.api.stream_tail import StreamTails

        return StreamTails(self.bus, self.settings.stream_poll_interval_s)

    @cached_property
    def decoder(self) -> RegistryDecoder:
        """One decoder for the process, so each writer schema is fetched and parsed once."""
        from hub.avro.decoder import RegistryDecoder

        return RegistryDecoder(self.registry)

    def writer(self, dataset_id: str) -> DatasetWriter:
        if dataset_id not in self._writers:
            from hub.ingest.writer import DatasetWriter

            self._writers[dataset_id] = DatasetWriter(
                self.bus,
                self.registry,
                self.catalogue,
                dataset_id,
                batch_size=self.settings.publish_batch_size,
            )
        return self._writers[dataset_id]

    @cached_property
    def pseudonymiser(self) -> Pseudonymiser:
        from hub.sharing import Pseudonymiser, load_pseudonym_key

        key = self.settings.pseudonym_key
        configured = key.get_secret_value() if key else None
        return Pseudonymiser(load_pseudonym_key(configured, self.settings.data_dir))

    @cached_property
    def procedures(self) -> ProcedureCatalogue:
        from hub.provide_once.procedures import load_procedures

        return load_procedures(self.settings.procedures_path, self.catalogue.catalogue)

    @cached_property
    def provide_once(self) -> ProvideOnce:
        from hub.provide_once.service import ProvideOnce

        self._create_declared_tables()
        return ProvideOnce(
            self.engine, self.audit, self.procedures, self.catalogue.catalogue, self.async_postgres
        )

    @cached_property
    def access_log_view(self) -> AccessLogView:
        from hub.provide_once.access_log import AccessLogView

        return AccessLogView(self.catalogue.catalogue, self.procedures)

    @cached_property
    def evidence_outbox(self) -> EvidenceOutbox:
        from hub.provide_once.evidence import EVIDENCE_DATASET
        from hub.provide_once.outbox import EvidenceOutbox

        self._create_declared_tables()
        return EvidenceOutbox(self.engine, lambda: self.writer(EVIDENCE_DATASET))

    @cached_property
    def subject_tokens(self) -> SubjectTokens:
        from hub.provide_once.subject_auth import SubjectTokens
        from hub.secret_keys import load_hex_key

        s = self.settings
        key = None
        if not s.subject_jwks_url:
            configured = s.subject_signing_key.get_secret_value() if s.subject_signing_key else None
            key = load_hex_key(
                configured, s.data_dir / "subject-signing.key", setting="KHO_SUBJECT_SIGNING_KEY"
            )
        return SubjectTokens(
            issuer=s.subject_token_issuer,
            audience=s.subject_token_audience,
            id_claim=s.subject_id_claim,
            jwks_url=s.subject_jwks_url or None,
            signing_key=key,
        )

    def projector(self, dataset_id: str) -> Projector:
        """The dataset's projections (full, masked, public), built once."""
        if dataset_id not in self._projectors:
            from hub.sharing import Projector

            entry = self.catalogue.entry(dataset_id)
            schema = self.catalogue.schema(dataset_id)
            self._projectors[dataset_id] = Projector(entry, schema, self.pseudonymiser)
        return self._projectors[dataset_id]

    # The open-data publisher's parts (hub.app.wiring_opendata)
    publications = cached_property(load_publications)
    approvals = cached_property(open_approvals)
    publisher = build_publisher
    publish_watch = build_publish_watch

    @cached_property
    def relays(self) -> RelayFactory:
        """Opens exactly-once relays on the configured bus, for the workers that need one."""
        from hub.bus.relay_factory import relay_factory

        return relay_factory(
            self.settings.bus_url,
            client_id=self.settings.client_id,
            wait_s=self.settings.kafka_transaction_wait_s,
        )

    @cached_property
    def group_offsets(self) -> GroupOffsetsFactory:
        """Opens readers of consumer groups' committed offsets on the configured bus."""
        from hub.bus.relay_factory import group_offsets_factory

        return group_offsets_factory(self.settings.bus_url, client_id=self.settings.client_id)

    def masking_worker(
        self,
        dataset_ids: Sequence[str] | None = None,
        *,
        batch_size: int = 500,
        instance: str | None = None,
    ) -> MaskingWorker:
        """The masking worker for the datasets named (default: every maskable one)."""
        from hub.sharing.masked_worker import MaskingPorts, MaskingWorker

        ports = MaskingPorts(
            bus=self.bus,
            relays=self.relays,
            group_offsets=self.group_offsets,
            registry=self.registry,
            decoder=self.decoder,
            pseudonymiser=self.pseudonymiser,
        )
        return MaskingWorker(
            self.catalogue, ports, dataset_ids, batch_size=batch_size, instance=instance
        )

    def masking_lag(self, dataset_ids: Sequence[str] | None = None) -> list[DatasetLag]:
        """How far the masking worker is behind, read now."""
        from hub.sharing.mask_lag import read_masking_lag

        return read_masking_lag(self.catalogue, self.bus, self.group_offsets, dataset_ids)

    def dossier_feed(
        self, dataset_id: str | None = None, *, group: str | None = None, batch_size: int = 500
    ) -> DossierFeed:
        """The evidence feed reading the dossier dataset's topic in ``group`` (default: the
        dossiers, in the feed's group)."""
        from hub.provide_once.dossier_feed import (
            DOSSIER_DATASET,
            FEED_GROUP,
            DossierFeed,
            FeedPorts,
        )
        from hub.provide_once.evidence import EVIDENCE_DATASET

        dataset_id = dataset_id or DOSSIER_DATASET
        group = group or FEED_GROUP
        ports = FeedPorts(
            bus=self.bus,
            group_offsets=self.group_offsets,
            decoder=self.decoder,
            procedures=self.procedures,
            store=self.provide_once,
            outbox=self.evidence_outbox,
            evidence_writer=lambda: self.writer(EVIDENCE_DATASET),
        )
        return DossierFeed(
            self.catalogue.entry(dataset_id), ports, group=group, batch_size=batch_size
        )

    # The Decision-766 index's parts (hub.app.wiring_index766)
    index_store = cached_property(open_index_store)
    index_method = cached_property(load_index_method)
    index_reader = cached_property(open_index_reader)
    index_worker = build_index_worker
    index_export = build_index_export

    @cached_property
    def replay_log(self) -> ReplayLog:
        from hub.dlq.status import ReplayLog

        return ReplayLog(self.engine)

    def steward_desk(self, dataset_id: str, actor: Actor = CLI) -> StewardDesk:
        """A data steward's desk for the dataset's dead letters, acting as ``actor``."""
        from hub.dlq.desk import DeskPorts, StewardDesk

        entry = self.catalogue.entry(dataset_id)
        ports = DeskPorts(
            bus=self.bus,
            replays=self.replay_log,
            audit=self.audit,
            writer=lambda: self.writer(entry.id),
        )
        field_names = self.catalogue.schema(entry.id).field_names
        return StewardDesk(entry, field_names, ports, actor=actor)

    def close(self) -> None:
        if "audit" in self.__dict__ and self.audit.anchoring is not None:
            self.audit.anchoring.close()
        self.bus.close()
        self.registry.close()
        self.engine.dispose()

    def __enter__(self) -> Hub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def build_hub(settings: KhoSettings) -> Hub:
    """Load the catalogue, open the database and the bus. No network call is made to Kafka
    until the bus is first used. Under ``KHO_ENV=production`` a development shortcut in the
    settings is refused first (hub.production), before anything is opened."""
    require_production_ready(settings, settings.env)
    catalogue = load_catalogue(settings.catalogue_path, settings.schemas_dir)
    engine = create_engine(settings.database_url)
    create_tables(engine)
    registry = open_registry(settings.registry_url, engine)
    # Every catalogue subject, the masked ones too, from start-up: a consumer can fetch a schema
    # before the first record. The hub's own registry is checked in its database; an external
    # one is sent the set only when it changed (a ledger in the hub's database).
    ensure_registered(
        registry,
        catalogue_subjects(catalogue),
        ledger=None if settings.registry_url == "embedded" else RegisteredSets(engine),
        where=settings.registry_url,
    )
    return Hub(
        settings=settings,
        catalogue=catalogue,
        engine=engine,
        bus=open_bus(settings.bus_url, client_id=settings.client_id),
        registry=registry,
    )
