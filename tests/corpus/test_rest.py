"""The corpus through the REST connector, against a real HTTP server on a free port: items
with bad values are published or dead-lettered as the corpus says; a page whose body is a bad
body of the corpus makes the source unavailable with a clear message (the run keeps nothing
back and can retry), never a crash."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
from starlette.requests import Request
from starlette.responses import Response

from connectors.config import ConnectorConfig, RestSource
from connectors.errors import SourceUnavailable
from connectors.runner import run_batch
from connectors.sources.rest import RestApiSource
from hub.app.cli.connector import checkpoint_store
from hub.app.wiring import Hub
from hub.bus import read_all
from hub.ingest.dead_letter import DeadLetter
from tests.corpus.inputs import bad_bodies, bad_values, splice
from tests.corpus.tally import Tally
from tests.unit.connectors.rest_api_fixture import FeedbackApi, feedback_item, serving

DATASET = "feedback.citizen_feedback"
COLUMNS = {"text": "noi_dung", "key": "id", "code": "ma_xa"}
"""Where each bad value goes in a feedback item (no integer field: numbers are skipped)."""
ENVIRON = {"KHO_API_TOKEN": "secret-token"}


@dataclass
class RawApi(FeedbackApi):
    """The feedback API, answering ``raw`` as the body of its next answer when one is set."""

    raw: list[bytes] = field(default_factory=list)

    async def _feedback(self, request: Request) -> Response:
        if self.raw:
            return Response(self.raw.pop(0), media_type="application/json")
        return await super()._feedback(request)


def _config(api: FeedbackApi) -> ConnectorConfig:
    return ConnectorConfig.model_validate(
        {
            "name": "phan-anh-1022-corpus",
            "dataset": DATASET,
            "source": {
                "kind": "rest",
                "url": api.url,
                "items_path": "data",
                "next_path": "links.next",
                "cursor_field": "updated_at",
                "key_field": "id",
                "headers": {"Authorization": "Bearer ${KHO_API_TOKEN}"},
                "retries": 0,
                "backoff_s": 0.01,
                "timeout_s": 5,
            },
            "fields": {
                "feedback_id": {"column": "id"},
                "channel": {"column": "kenh"},
                "category": {"column": "linh_vuc"},
                "commune_code": {"column": "ma_xa", "convert": "commune_2025"},
                "text": {"column": "noi_dung"},
                "reporter_phone": {"column": "sdt", "required": False},
                "status": {"column": "trang_thai"},
                "received_at": {"column": "tiep_nhan_luc", "convert": "iso_datetime"},
            },
        }
    )


def _run(hub: Hub, api: FeedbackApi) -> tuple[int, int]:
    config = _config(api)
    assert isinstance(config.source, RestSource)
    source = RestApiSource(config, config.source, ENVIRON)
    store = checkpoint_store(hub, save_every_s=0)
    run = run_batch(config, source, hub.writer(DATASET), hub.bus, store, finite=False)
    return run.report.accepted, run.report.rejected


@pytest.mark.usefixtures("no_tracebacks")
def test_items_with_bad_values(embedded_hub: Hub, tally: Tally) -> None:
    """One item per bad value, all in one page as the API's JSON carries them (NaN and lone
    surrogates included): on the topic or in the DLQ."""
    cases = [v for v in bad_values() if v.target in COLUMNS]
    items: list[bytes] = []
    for i, value in enumerate(cases):
        item = feedback_item(i)
        item["id"] = f"PA-CORPUS-{i:04d}"
        item["updated_at"] = f"2025-08-01T08:{i:02d}:00+07:00"  # one each: keys never tie
        items.append(splice(item, COLUMNS[value.target], value))
    page = b'{"data": [' + b", ".join(items) + b'], "links": {"next": null}}'
    counts = tally.path("REST connector: values")
    with serving(RawApi(raw=[page])) as api:
        accepted, rejected = _run(embedded_hub, api)
    for _ in range(accepted):
        counts.sent_one("accepted")
    for _ in range(rejected):
        counts.sent_one("dead_lettered")
    assert counts.sent == len(cases) and counts.adds_up()
    letters = [DeadLetter.from_bytes(r.value) for r in read_all(embedded_hub.bus, f"{DATASET}.dlq")]
    assert rejected == sum(1 for v in cases if v.expect == "refused"), [
        (json.loads(letter.original)["id"], letter.reason[:150]) for letter in letters
    ]
    assert sum(1 for _ in read_all(embedded_hub.bus, DATASET)) == accepted


@pytest.mark.usefixtures("no_tracebacks")
def test_pages_with_bad_bodies(embedded_hub: Hub, tally: Tally) -> None:
    """A page that is a bad body (truncated, mis-encoded, nested too deep...): the source is
    unavailable, saying the answer is not JSON, and nothing is published; a BOM is read."""
    counts = tally.path("REST connector: pages")
    valid = json.dumps({"data": [feedback_item(0)], "links": {"next": None}}, ensure_ascii=False)
    published = 0
    with serving(RawApi()) as api:  # one server; each run reads one page, the next raw body
        for body in bad_bodies():
            content = body.content(valid.encode("utf-8"), 0)
            if not body.applies_to(valid.encode()) or body.name == "over-size-limit":
                continue
            api.raw.append(content)
            try:
                accepted, rejected = _run(embedded_hub, api)
            except SourceUnavailable as exc:
                assert body.expect == "refused", (body.name, str(exc))
                assert api.url in str(exc), str(exc)
                counts.sent_one("refused")
                continue
            assert body.expect == "accepted", (body.name, accepted, rejected)
            published += accepted
            counts.sent_one("accepted")
    assert counts.adds_up()
    assert sum(1 for _ in read_all(embedded_hub.bus, DATASET)) == published
