"""Dead letters on the real engines: a flawed CSV row dead-lettered on Kafka is corrected and
replayed onto the dataset's topic, and its replay is remembered in PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.config import load_connector_config
from connectors.runner import run_connector
from connectors.samples.dossiers import write_dossier_export
from hub.app.wiring import Hub, build_hub
from hub.avro.json_codec import record_to_json
from hub.bus import read_all
from hub.dlq import AlreadyReplayedError, LetterStatus
from tests.paths import DOSSIER_CONNECTOR
from tests.unit.hub.test_dlq import desk_on

CCCD_PATH = "$.applicant_id_number"


def test_corrected_letter_replays_onto_kafka(
    kafka_hub: Hub, isolated_catalogue: tuple[Path, str], tmp_path: Path
) -> None:
    """A letter corrected by file is published on the Kafka topic and decodes to the fix; a
    second replay, from a new hub, is refused because PostgreSQL remembers the first."""
    dataset_id = isolated_catalogue[1]
    config = load_connector_config(DOSSIER_CONNECTOR).model_copy(update={"dataset": dataset_id})
    export = write_dossier_export(tmp_path / "ho-so.csv", rows=150, seed=31)
    run_connector(config, export.path, kafka_hub.writer(dataset_id))

    desk = desk_on(kafka_hub, dataset_id)
    letters = desk.letters().letters
    assert len(letters) == len(export.invalid_rows)
    view = next(v for v in letters if any(x.path == CCCD_PATH for x in v.stored.letter.violations))
    topic = kafka_hub.catalogue.entry(dataset_id).topic
    good = record_to_json(kafka_hub.decoder.decode(next(read_all(kafka_hub.bus, topic)).value))
    record = dict(view.stored.letter.record or {})
    record["applicant_id_number"] = good["applicant_id_number"]
    fix = tmp_path / "ban-ghi.json"
    fix.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")

    (outcome,) = desk.replay([str(view.address)], record_file=fix).outcomes
    assert outcome.published is not None and outcome.published.topic == topic
    p = outcome.published
    (message,) = kafka_hub.bus.fetch(p.topic, p.partition, p.offset, 1)
    assert record_to_json(kafka_hub.decoder.decode(message.value)) == record

    again = build_hub(kafka_hub.settings)
    try:
        fresh = desk_on(again, dataset_id)
        assert fresh.letter(str(view.address)).status is LetterStatus.REPLAYED
        with pytest.raises(AlreadyReplayedError):
            fresh.replay([str(view.address)], record_file=fix)
    finally:
        again.close()
