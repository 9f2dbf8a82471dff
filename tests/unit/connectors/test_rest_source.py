"""The REST source against a real HTTP server: every page read, each item on the topic once,
incremental runs from the cursor, retries, and what is left when the API stays down."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from connectors.checkpoints import CheckpointStore
from connectors.config import ConnectorConfig, RestSource
from connectors.delivery import POSITION_HEADER, position_key
from connectors.errors import ConnectorError, SourceUnavailable
from connectors.polling import poll
from connectors.runner import RunSummary, run_batch
from connectors.sources.rest import RestApiSource, retry_after_s
from hub.app.cli.connector import checkpoint_store
from hub.app.wiring import Hub
from hub.bus import read_all
from hub.ingest.dead_letter import DeadLetter
from hub.ingest.writer import DatasetWriter
from tests.unit.connectors.rest_api_fixture import PATH, FeedbackApi, feedback_item, serving

DATASET = "feedback.citizen_feedback"
TOPIC, DLQ = "feedback.citizen_feedback", "feedback.citizen_feedback.dlq"
ENVIRON = {"KHO_API_TOKEN": "secret-token"}


@pytest.fixture
def api() -> Iterator[FeedbackApi]:
    with serving(FeedbackApi(items=[feedback_item(i) for i in range(30)])) as served:
        yield served


def _config(
    api: FeedbackApi, retries: int = 2, items_path: str = "data", url: str | None = None
) -> ConnectorConfig:
    return ConnectorConfig.model_validate(
        {
            "name": "phan-anh-1022-api",
            "dataset": DATASET,
            "source": {
                "kind": "rest",
                "url": url or api.url,
                "items_path": items_path,
                "next_path": "links.next",
                "cursor_field": "updated_at",
                "key_field": "id",
                "headers": {"Authorization": "Bearer ${KHO_API_TOKEN}"},
                "retries": retries,
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


def _source(config: ConnectorConfig, environ: dict[str, str] = ENVIRON) -> RestApiSource:
    assert isinstance(config.source, RestSource)
    return RestApiSource(config, config.source, environ)


def _run(hub: Hub, config: ConnectorConfig, store: CheckpointStore) -> RunSummary:
    writer = DatasetWriter(hub.bus, hub.registry, hub.catalogue, DATASET, batch_size=5)
    return run_batch(config, _source(config), writer, hub.bus, store, finite=False)


def _position(item: dict[str, Any]) -> str:
    return position_key([item["updated_at"], item["id"]])


def _on_bus(hub: Hub, topic: str = TOPIC) -> Counter[str]:
    """How many times each source position is on the topic, by the message headers."""
    hub.bus.ensure_topic(topic)
    return Counter((r.header(POSITION_HEADER) or b"").decode() for r in read_all(hub.bus, topic))


def test_every_page_is_read_and_each_item_published_once(
    embedded_hub: Hub, api: FeedbackApi
) -> None:
    config = _config(api)
    summary = _run(embedded_hub, config, checkpoint_store(embedded_hub, save_every_s=0))
    assert (summary.report.accepted, summary.report.rejected) == (30, 0)
    assert _on_bus(embedded_hub) == Counter(_position(item) for item in api.items)
    assert len(api.requests) == 5  # 30 items, 7 a page
    assert "since" not in api.requests[0].query
    assert {seen.authorization for seen in api.requests} == {"Bearer secret-token"}
    assert summary.checkpoint is not None
    assert summary.checkpoint.position == [api.items[-1]["updated_at"], "PA-0029"]
    assert (summary.stream, summary.source) == (api.url, f"127.0.0.1{PATH}")


def test_a_second_run_publishes_only_new_items_from_the_last_cursor(
    embedded_hub: Hub, api: FeedbackApi
) -> None:
    config, store = _config(api), checkpoint_store(embedded_hub, save_every_s=0)
    _run(embedded_hub, config, store)
    api.items += [feedback_item(i) for i in range(30, 40)]
    asked = len(api.requests)
    second = _run(embedded_hub, config, store)
    assert (second.report.accepted, second.report.rejected) == (10, 0)
    assert api.requests[asked].query == {"since": feedback_item(29)["updated_at"]}
    assert _on_bus(embedded_hub) == Counter(_position(item) for item in api.items)
    third = _run(embedded_hub, config, store)
    assert (third.report.accepted, third.report.rejected) == (0, 0)


def test_an_item_served_twice_in_a_pass_is_published_once(
    embedded_hub: Hub, api: FeedbackApi
) -> None:
    api.overlap = 2  # pages 0-6, 5-11, 10-16, ...
    summary = _run(embedded_hub, _config(api), checkpoint_store(embedded_hub, save_every_s=0))
    assert (summary.report.accepted, summary.report.rejected) == (30, 0)
    assert len(api.requests) == 6
    assert _on_bus(embedded_hub) == Counter(_position(item) for item in api.items)


def test_server_errors_are_retried(embedded_hub: Hub, api: FeedbackApi) -> None:
    api.fail_next = 2
    summary = _run(
        embedded_hub, _config(api, retries=2), checkpoint_store(embedded_hub, save_every_s=0)
    )
    assert summary.report.accepted == 30
    assert len(api.requests) == 2 + 5
    assert _on_bus(embedded_hub) == Counter(_position(item) for item in api.items)


def test_a_busy_answer_is_asked_again_after_its_retry_after(
    embedded_hub: Hub, api: FeedbackApi
) -> None:
    """429 with Retry-After: 1 waits that second, not the configured 10 ms backoff."""
    api.busy_next = 1
    summary = _run(embedded_hub, _config(api), checkpoint_store(embedded_hub))
    assert summary.report.accepted == 30
    assert len(api.requests) == 1 + 5
    assert api.requests[1].at - api.requests[0].at >= 0.95


def test_retry_after_reads_seconds_and_http_dates() -> None:
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    assert retry_after_s("7") == 7.0
    assert 25 < (retry_after_s(email.utils.format_datetime(soon, usegmt=True)) or 0) <= 30
    assert retry_after_s("Mon, 01 Jan 2001 00:00:00 GMT") == 0.0  # in the past: at once
    assert retry_after_s("soon") is None and retry_after_s(None) is None


def test_an_api_down_mid_pages_keeps_what_the_bus_acknowledged(
    embedded_hub: Hub, api: FeedbackApi
) -> None:
    """Pages 1 and 2 (items 0-13) are read, page 3 answers 502 through every retry. Batches of
    5: items 0-9 were acknowledged, 10-13 never sent. Once the API is back, the next run
    resumes after item 9 and every item ends up on the topic once."""
    config, store = _config(api, retries=2), checkpoint_store(embedded_hub, save_every_s=0)
    api.broken_from = 14
    with pytest.raises(SourceUnavailable) as failure:
        _run(embedded_hub, config, store)
    assert "offset=14" in str(failure.value) and "502" in str(failure.value)
    assert len(api.requests) == 2 + 3
    source = _source(config)
    saved = store.load(config.name, source.stream)
    assert saved is not None and saved.position == [api.items[9]["updated_at"], "PA-0009"]
    assert _on_bus(embedded_hub) == Counter(_position(item) for item in api.items[:10])

    api.broken_from = None
    resumed = _run(embedded_hub, config, store)
    assert resumed.report.accepted == 20
    assert api.requests[5].query["since"] == api.items[9]["updated_at"]
    assert _on_bus(embedded_hub) == Counter(_position(item) for item in api.items)


def test_garbage_answers_make_the_source_unavailable(embedded_hub: Hub, api: FeedbackApi) -> None:
    api.garbage_next = 100
    with pytest.raises(SourceUnavailable) as failure:
        _run(embedded_hub, _config(api, retries=1), checkpoint_store(embedded_hub, save_every_s=0))
    message = str(failure.value)
    assert api.url in message and "Hệ thống đang bảo trì" in message and "JSON" in message
    assert len(api.requests) == 2
    assert _on_bus(embedded_hub) == Counter()


def test_an_answer_without_the_items_list_is_garbage_too(
    embedded_hub: Hub, api: FeedbackApi
) -> None:
    config = _config(api, retries=1, items_path="result.items")
    with pytest.raises(SourceUnavailable, match="'result.items'") as failure:
        _run(embedded_hub, config, checkpoint_store(embedded_hub, save_every_s=0))
    message = str(failure.value)
    assert api.url in message and "các khoá: data, links" in message
    assert "Phản ánh" not in message  # the items' text is not quoted
    assert len(api.requests) == 2


def test_an_unreachable_api_is_unavailable(embedded_hub: Hub, api: FeedbackApi) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}{PATH}"
    config = _config(api, retries=1, url=closed)
    with pytest.raises(SourceUnavailable, match="lỗi kết nối") as failure:
        _run(embedded_hub, config, checkpoint_store(embedded_hub, save_every_s=0))
    assert closed in str(failure.value) and "2 lần thử" in str(failure.value)


def test_a_wrong_api_key_is_a_configuration_error_not_retried(
    embedded_hub: Hub, api: FeedbackApi
) -> None:
    config = _config(api, retries=3)
    source = _source(config, {"KHO_API_TOKEN": "expired"})
    writer = DatasetWriter(embedded_hub.bus, embedded_hub.registry, embedded_hub.catalogue, DATASET)
    with pytest.raises(ConnectorError) as failure:
        run_batch(
            config, source, writer, embedded_hub.bus, checkpoint_store(embedded_hub, save_every_s=0)
        )
    assert not isinstance(failure.value, SourceUnavailable)
    assert "401" in str(failure.value) and "khoá API" in str(failure.value)
    assert len(api.requests) == 1
    with pytest.raises(ConnectorError, match="KHO_API_TOKEN"):
        _source(config, {})


def test_items_that_cannot_be_placed_are_dead_lettered(embedded_hub: Hub, api: FeedbackApi) -> None:
    no_cursor = {key: v for key, v in feedback_item(99).items() if key != "updated_at"}
    backwards = feedback_item(0) | {"id": "PA-0100"}  # earlier than items already read
    api.items[3:3] = [no_cursor]
    api.items[11:11] = ["rác"]
    api.items[21:21] = [backwards]
    config, store = _config(api), checkpoint_store(embedded_hub, save_every_s=0)
    summary = _run(embedded_hub, config, store)
    assert (summary.report.accepted, summary.report.rejected) == (30, 3)
    assert _on_bus(embedded_hub) == Counter(_position(feedback_item(i)) for i in range(30))
    letters = {
        (r.header(POSITION_HEADER) or b"").decode(): DeadLetter.from_bytes(r.value)
        for r in read_all(embedded_hub.bus, DLQ)
    }
    after_2 = [feedback_item(2)["updated_at"], "PA-0002", 1]
    assert set(letters) == {
        position_key(after_2),
        position_key([feedback_item(9)["updated_at"], "PA-0009", 1]),
        position_key([feedback_item(18)["updated_at"], "PA-0018", 1]),
    }
    missing = letters[position_key(after_2)]
    assert "'updated_at'" in missing.reason and api.url in missing.reason
    assert json.loads(missing.original) == no_cursor
    not_object = letters[position_key([feedback_item(9)["updated_at"], "PA-0009", 1])]
    assert (
        "không phải đối tượng JSON" in not_object.reason and not_object.original == b'"r\xc3\xa1c"'
    )
    assert (
        "tăng dần" in letters[position_key([feedback_item(18)["updated_at"], "PA-0018", 1])].reason
    )

    again = _run(embedded_hub, config, store)  # the bad items are served again: not re-sent
    assert (again.report.accepted, again.report.rejected) == (0, 0)


class _SpyStore(CheckpointStore):
    """The real store, remembering each error it recorded."""

    errors: list[str]

    def record_error(self, connector: str, stream: str, message: str) -> None:
        self.errors.append(message)
        super().record_error(connector, stream, message)
        saved = self.load(connector, stream)
        assert saved is not None and saved.last_error == message


def test_polling_survives_an_api_that_fails_once(embedded_hub: Hub, api: FeedbackApi) -> None:
    config = _config(api, retries=2)
    source = _source(config)
    checkpoint_store(embedded_hub, save_every_s=0)  # creates the table
    store = _SpyStore(embedded_hub.engine)
    store.errors = []
    api.fail_next = 3  # every attempt of round 1
    writer = DatasetWriter(
        embedded_hub.bus, embedded_hub.registry, embedded_hub.catalogue, DATASET, batch_size=5
    )
    totals = poll(
        config,
        source,
        writer,
        embedded_hub.bus,
        store,
        stop=threading.Event(),
        interval_s=0.01,
        max_rounds=3,
    )
    assert (totals.rounds, totals.failures, totals.accepted, totals.rejected) == (3, 1, 30, 0)
    assert len(store.errors) == 1 and api.url in store.errors[0]
    assert _on_bus(embedded_hub) == Counter(_position(item) for item in api.items)
    saved = store.load(config.name, source.stream)
    assert saved is not None and saved.last_error is None and not saved.finished
