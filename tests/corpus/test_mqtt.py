"""The corpus through the MQTT connector on the real Mosquitto (marked integration): every bad
payload and every bad value a salinity station could send is published on the topic or kept
in the DLQ with its reason and the payload's bytes; none is lost, none stops the stream."""

from __future__ import annotations

import json

import pytest

from connectors.checkpoints import CheckpointStore
from hub.app.wiring import Hub
from hub.ingest.dead_letter import DeadLetter
from tests.corpus.inputs import bad_bodies, bad_values, splice
from tests.corpus.tally import Tally
from tests.integration.test_mqtt_connector_real import (
    DLQ,
    Broker,
    Streaming,
    on_topic,
    reading,
    wait_for,
)

pytestmark = pytest.mark.integration

COLUMNS = {"text": "name", "number": "salinity", "code": "commune"}
"""Where each bad value goes in a reading (the station id, the key, comes from the topic)."""


@pytest.mark.usefixtures("no_tracebacks")
def test_bad_payloads_and_values_from_a_station(
    embedded_hub: Hub, store: CheckpointStore, broker: Broker, tally: Tally
) -> None:
    """Every bad body and bad value as a station's reading: sent = on the topic + in the DLQ,
    each letter with its reason and the payload's bytes."""
    running = Streaming(embedded_hub, store, broker.config())
    valid = json.dumps(reading("CT01"), ensure_ascii=False).encode("utf-8")
    payloads: list[tuple[str, bytes, str]] = []  # name, bytes, expected outcome
    for body in bad_bodies():
        if body.applies_to(valid) and body.name != "over-size-limit":
            payloads.append((body.name, body.content(valid, 0), body.expect))
    for value in bad_values():
        if value.target in COLUMNS:
            payload = splice(reading("CT01"), COLUMNS[value.target], value)
            payloads.append((value.name, payload, value.expect))
    for _, payload, _ in payloads:
        broker.publish("CT01", payload)
    wait_for(lambda: len(on_topic(embedded_hub) + on_topic(embedded_hub, DLQ)) >= len(payloads))
    summary = running.finish()
    assert running.error is None, running.error
    letters = [DeadLetter.from_bytes(v) for v in on_topic(embedded_hub, DLQ)]
    refused = {letter.original for letter in letters}
    counts = tally.path("MQTT connector: payloads and values")
    wrong = []
    for name, payload, expect in payloads:
        outcome = "dead_lettered" if payload in refused else "accepted"
        counts.sent_one(outcome)  # type: ignore[arg-type]
        if (outcome == "accepted") != (expect == "accepted"):
            wrong.append((name, outcome))
    assert counts.adds_up()
    assert wrong == []
    assert len(on_topic(embedded_hub)) == counts.outcomes["accepted"]
    assert len(letters) == counts.outcomes["dead_lettered"]
    assert all(letter.reason for letter in letters)
    assert summary is not None and summary.messages == len(payloads)
