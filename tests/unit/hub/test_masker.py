"""The masking worker on the embedded bus: one masked record per input, in the input's
partition, personal fields dropped or pseudonymised; exactly once across a crash between writing
and committing; undecodable messages dead-lettered; the lag seen by `kho mask status`."""

from __future__ import annotations

import json
import secrets
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import SecretStr

from connectors.samples.dossiers import dossier_documents, write_dossier_export
from hub.app.wiring import Hub, build_hub
from hub.avro.wire import split_wire
from hub.bus import BusRecord, OutgoingMessage, Position, read_all
from hub.bus.embedded import EmbeddedBus
from hub.bus.partitioning import partition_for_key
from hub.bus.relay import RoutedMessage
from hub.dlq import DeadLetterQueue
from hub.errors import ConfigurationError
from hub.registry.port import SchemaId
from hub.settings import KhoSettings
from hub.sharing import Pseudonymiser, load_pseudonym_key
from hub.sharing.mask_lag import DatasetLag, read_masking_lag
from hub.sharing.masked_records import MASKER_SOURCE, UNDECODABLE_RULE, maskable_datasets
from hub.sharing.masked_worker import MaskingPorts, MaskingWorker
from tests.bus_ports import embedded_group_offsets, embedded_relays
from tests.paths import CATALOGUE_DIR, DOSSIER_CONNECTOR
from tests.unit.test_cli import kho

DOSSIERS = "tthc.dossiers"
PHONE = "0912345678"


class InjectedCrash(Exception):
    """Raised by the fault-injection hook: the worker 'dies' between writing and committing."""


def publish_dossiers(hub: Hub, count: int, *, seed: int = 11) -> list[tuple[Position, Any]]:
    """Valid dossiers published with the hub's writer; their positions and Avro datums."""
    writer = hub.writer(DOSSIERS)
    records = [writer.json_reader.read(d) for d in dossier_documents(count, seed=seed)]
    positions = writer.publish([writer.message(r) for r in records])
    return list(zip(positions, records, strict=True))


def masked(hub: Hub, dataset_id: str) -> list[tuple[BusRecord, dict[str, Any]]]:
    topic = hub.catalogue.entry(dataset_id).masked_topic
    return [(m, hub.decoder.decode(m.value)) for m in read_all(hub.bus, topic)]


def pseudonymiser(hub: Hub) -> Pseudonymiser:
    """Built from the key itself, not through the hub."""
    key = hub.settings.pseudonym_key
    return Pseudonymiser(
        load_pseudonym_key(key.get_secret_value() if key else None, hub.settings.data_dir)
    )


def worker(hub: Hub, dataset_ids: list[str] | None = None, **options: Any) -> MaskingWorker:
    """The worker on the test's embedded adapters, passed in: the bus (relays and committed
    offsets on the same log), the registry and its decoder, a pseudonymiser built from the key."""
    ports = MaskingPorts(
        bus=hub.bus,
        relays=embedded_relays(hub.bus),
        group_offsets=embedded_group_offsets(hub.bus),
        registry=hub.registry,
        decoder=hub.decoder,
        pseudonymiser=pseudonymiser(hub),
    )
    return MaskingWorker(hub.catalogue, ports, dataset_ids, **options)


def lag_of(hub: Hub, dataset_ids: list[str]) -> list[DatasetLag]:
    return read_masking_lag(hub.catalogue, hub.bus, embedded_group_offsets(hub.bus), dataset_ids)


def publish_elsewhere(hub: Hub, count: int) -> list[tuple[Position, Any]]:
    """Dossiers a producer put in the partition after their key's (an explicit partition)."""
    writer = hub.writer(DOSSIERS)
    records = [writer.json_reader.read(d) for d in dossier_documents(count, seed=99, start=500)]
    messages = [writer.message(r) for r in records]
    assert isinstance(hub.bus, EmbeddedBus)
    routed = [
        RoutedMessage(
            writer.entry.topic, (partition_for_key(m.key or b"", 3) + 1) % 3, m.key, m.value
        )
        for m in messages
    ]
    positions = hub.bus.append_and_commit(routed, "producer", {})
    return list(zip(positions, records, strict=True))


def test_each_record_is_masked_once_in_its_partition(embedded_hub: Hub) -> None:
    """Every dossier gives one masked record, same key, same partition number (also when the
    producer did not pick the key's partition); the name is gone, the CCCD is its keyed
    pseudonym, other fields are kept; a second run adds nothing."""
    published = publish_dossiers(embedded_hub, 34) + publish_elsewhere(embedded_hub, 6)
    entry = embedded_hub.catalogue.entry(DOSSIERS)

    run = worker(embedded_hub, [DOSSIERS], batch_size=7).drain()

    assert run.drained and run.counts[DOSSIERS].masked == 40
    assert run.counts[DOSSIERS].dead_letters == 0
    bus = embedded_hub.bus
    assert bus.partition_count(entry.masked_topic) == bus.partition_count(entry.topic)
    found = masked(embedded_hub, DOSSIERS)
    by_key = {m.key: (m, datum) for m, datum in found}
    assert len(found) == len(by_key) == 40
    names = pseudonymiser(embedded_hub)
    for position, record in published:
        message, datum = by_key[record["dossier_id"].encode()]
        assert message.partition == position.partition
        assert "applicant_name" not in datum
        assert datum["applicant_id_number"] == names.pseudonym(record["applicant_id_number"])
        assert datum["applicant_id_number"] != record["applicant_id_number"]
        assert {k: v for k, v in datum.items() if k != "applicant_id_number"} == {
            k: v for k, v in record.items() if k not in ("applicant_id_number", "applicant_name")
        }
    schema_id, _ = split_wire(found[0][0].value)
    schema = json.loads(embedded_hub.registry.schema_text(SchemaId(schema_id)))
    assert schema["name"] == "DossierMasked"
    assert "applicant_name" not in {f["name"] for f in schema["fields"]}

    again = worker(embedded_hub, [DOSSIERS]).drain()
    assert again.masked == 0 and len(masked(embedded_hub, DOSSIERS)) == 40


@pytest.fixture
def phone_hub(tmp_path: Path) -> Iterator[Hub]:
    """The repo's catalogue with the OCOP contact phone pseudonymised too (like the 1022
    reporter's phone), and a configured KHO_PSEUDONYM_KEY."""
    raw = yaml.safe_load((CATALOGUE_DIR / "datasets.yaml").read_text("utf-8"))
    next(d for d in raw["datasets"] if d["id"] == "ocop.products")["pseudonymise"] = [
        "contact_phone"
    ]
    catalogue = tmp_path / "datasets.yaml"
    catalogue.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    settings = KhoSettings(
        data_dir=tmp_path / "kho",
        bus_url=f"embedded:{tmp_path / 'kho' / 'bus.sqlite3'}",
        database_url=f"sqlite:///{tmp_path / 'kho' / 'kho.sqlite3'}",
        catalogue_path=catalogue,
        pseudonym_key=SecretStr(secrets.token_hex(32)),
    )
    hub = build_hub(settings)
    yield hub
    hub.close()


def test_the_same_value_gets_the_same_pseudonym_in_two_datasets(phone_hub: Hub) -> None:
    """A phone number in a 1022 feedback and in an OCOP product masks to the same pseudonym
    (HMAC under KHO_PSEUDONYM_KEY), so the masked topics can still be joined on it."""
    feedback = phone_hub.writer("feedback.citizen_feedback")
    feedback.publish(
        [
            feedback.message(
                feedback.json_reader.read(
                    {
                        "feedback_id": "PA-1",
                        "channel": "phone",
                        "category": "environment",
                        "commune_code": "29263",
                        "text": "Nước nhiễm mặn ở ấp 3, gọi lại cho tôi",
                        "reporter_phone": PHONE,
                        "status": "received",
                        "received_at": "2025-08-01T08:00:00+07:00",
                    }
                )
            )
        ]
    )
    ocop = phone_hub.writer("ocop.products")
    product = {
        "product_id": "OCOP-1",
        "name": "Xoài cát Hòa Lộc",
        "producer_name": "HTX Hòa Lộc",
        "producer_tax_code": None,
        "category": "Thực phẩm",
        "stars": 4,
        "commune_code": "29263",
        "certified_on": "2025-01-02",
        "valid_until": "2027-01-02",
        "contact_phone": PHONE,
    }
    ocop.publish([ocop.message(ocop.json_reader.read(product))])

    run = worker(phone_hub).drain()

    assert run.counts["feedback.citizen_feedback"].masked == 1
    assert run.counts["ocop.products"].masked == 1
    [(_, masked_feedback)] = masked(phone_hub, "feedback.citizen_feedback")
    [(_, masked_product)] = masked(phone_hub, "ocop.products")
    expected = pseudonymiser(phone_hub).pseudonym(PHONE)
    assert masked_feedback["reporter_phone"] == masked_product["contact_phone"] == expected
    assert "text" not in masked_feedback


def test_a_crash_between_writing_and_committing_loses_and_duplicates_nothing(
    embedded_hub: Hub,
) -> None:
    """The worker dies after writing its second batch and before committing it: that batch
    leaves no trace, and a restarted worker masks each remaining record exactly once."""
    published = publish_dossiers(embedded_hub, 30)
    batches = 0

    def crash_on_second_batch() -> None:  # fault injection
        nonlocal batches
        batches += 1
        if batches == 2:
            raise InjectedCrash

    crashing = worker(embedded_hub, [DOSSIERS], batch_size=10, after_write=crash_on_second_batch)
    with pytest.raises(InjectedCrash):
        crashing.drain()
    assert len(masked(embedded_hub, DOSSIERS)) == 10
    [lag] = lag_of(embedded_hub, [DOSSIERS])
    assert lag.lag == 20

    restarted = worker(embedded_hub, [DOSSIERS], batch_size=10).drain()

    assert restarted.masked == 20
    keys = Counter(m.key for m, _ in masked(embedded_hub, DOSSIERS))
    assert keys == Counter(record["dossier_id"].encode() for _, record in published)
    assert set(keys.values()) == {1}


def test_an_undecodable_message_becomes_a_dead_letter_and_the_worker_moves_on(
    embedded_hub: Hub,
) -> None:
    """Bytes that are not Avro, or name an unknown schema id, go to the dataset's DLQ with the
    reason and the original bytes; the records around them are masked and the lag is 0."""
    entry = embedded_hub.catalogue.entry(DOSSIERS)
    publish_dossiers(embedded_hub, 5)
    garbage = b"khong phai avro"
    unknown_schema = b"\x00" + (9999).to_bytes(4, "big") + b"\x02ab"
    bad = embedded_hub.bus.publish(
        entry.topic, [OutgoingMessage(b"HS-X", garbage), OutgoingMessage(b"HS-Y", unknown_schema)]
    )
    publish_dossiers(embedded_hub, 5, seed=12)

    run = worker(embedded_hub, [DOSSIERS]).drain()

    assert (run.masked, run.dead_letters) == (10, 2)
    letters = {
        stored.letter.original: stored.letter
        for stored in DeadLetterQueue(embedded_hub.bus, DOSSIERS, entry.dlq_topic).letters()
    }
    assert set(letters) == {garbage, unknown_schema}
    for position, original in zip(bad, (garbage, unknown_schema), strict=True):
        letter = letters[original]
        assert letter.source == {
            "kind": MASKER_SOURCE,
            "name": f"{entry.topic}:{position.partition}",
            "position": position.offset,
        }
        assert [v.rule for v in letter.violations] == [UNDECODABLE_RULE]
        assert "Không giải mã được" in letter.reason
    assert "9999" in letters[unknown_schema].reason  # the schema id it could not find
    assert [d.lag for d in lag_of(embedded_hub, [DOSSIERS])] == [0]


def test_only_unrestricted_datasets_with_personal_fields_are_masked(embedded_hub: Hub) -> None:
    """The default selection has every dataset with personal fields except restricted ones;
    naming a restricted dataset or one without personal fields is refused."""
    chosen = {e.id for e in maskable_datasets(embedded_hub.catalogue)}
    assert DOSSIERS in chosen and "feedback.citizen_feedback" in chosen
    assert "evidence.citizen_evidence" not in chosen  # restricted
    assert "salinity.readings" not in chosen  # no personal field
    with pytest.raises(ConfigurationError, match="hạn chế"):
        worker(embedded_hub, ["evidence.citizen_evidence"])
    with pytest.raises(ConfigurationError, match="không có trường cá nhân"):
        worker(embedded_hub, ["salinity.readings"])


def lag_rows(stdout: str) -> list[list[str]]:
    """The dossier rows of `kho mask status`: partition, input end, committed, lag, masked end."""
    rows = []
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.split("│")]
        if len(cells) == 8 and cells[1] == DOSSIERS:
            rows.append(cells[2:7])
    return rows


def test_mask_status_shows_the_lag_going_to_zero(tmp_path: Path) -> None:
    """`kho mask status` shows the dossiers' lag per partition; `kho mask run --once` masks
    them all and prints the count; then the lag is 0 and the masked topic has caught up."""
    export = write_dossier_export(tmp_path / "ho-so.csv", rows=60, seed=4)
    ingest = kho(
        ["connector", "run", str(DOSSIER_CONNECTOR), "--input", str(export.path)], tmp_path
    )
    assert ingest.returncode == 0, ingest.stderr

    before = kho(["mask", "status", "--dataset", DOSSIERS], tmp_path)
    assert before.returncode == 0, before.stderr
    rows = lag_rows(before.stdout)
    assert len(rows) == 3
    assert sum(int(r[3]) for r in rows) == export.valid_rows > 0
    assert {r[2] for r in rows} == {"—"}  # nothing committed yet

    ran = kho(["mask", "run", "--once", "--dataset", DOSSIERS], tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert f"{DOSSIERS}.masked" in ran.stdout and str(export.valid_rows) in ran.stdout

    after = lag_rows(kho(["mask", "status", "--dataset", DOSSIERS], tmp_path).stdout)
    assert [r[3] for r in after] == ["0", "0", "0"]
    assert all(r[1] == r[2] == r[4] for r in after)


def test_mask_run_refuses_a_restricted_dataset_in_one_line(tmp_path: Path) -> None:
    """Naming a restricted dataset is a one-line error, not a traceback."""
    result = kho(["mask", "run", "--once", "--dataset", "evidence.citizen_evidence"], tmp_path)
    assert result.returncode == 1
    assert "evidence.citizen_evidence" in result.stderr and "Traceback" not in result.stderr
