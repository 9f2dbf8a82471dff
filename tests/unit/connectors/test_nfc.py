"""Decomposed (NFD) Vietnamese text from any source reads as its NFC form: cells, headers, JSON
field names and the configuration's own column names and choices."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from typing import Any

from connectors.config import ConnectorConfig, CsvSource, FieldMapping, RestSource
from connectors.convert import convert_cell
from connectors.mapping import map_row
from connectors.nfc import nfc, nfc_keys
from connectors.sources.mqtt import MqttMessage, cells_of
from connectors.sources.rest import RestApiSource
from tests.unit.connectors.rest_api_fixture import TOKEN, FeedbackApi, feedback_item, serving


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def _config(**fields: FieldMapping) -> ConnectorConfig:
    return ConnectorConfig(name="c", dataset="d", source=CsvSource(), fields=fields)


MAPPING = {
    "paid": FieldMapping(column="Thanh toán trực tuyến", convert="vn_bool"),
    "channel": FieldMapping(
        column="Kênh nộp", convert="choice", choices={"Trực tuyến": "online", "Trực tiếp": "off"}
    ),
    "name": FieldMapping(column="Họ và tên"),
}


def test_nfc_keeps_composed_text_and_composes_decomposed_text() -> None:
    """An NFC string comes back as the same object; an NFD one as its NFC form."""
    composed = "Đồng Tháp"
    assert nfc(composed) is composed
    assert nfc(nfd(composed)) == composed and nfd(composed) != composed
    assert nfc_keys({nfd("Mã xã"): 1, 2: 3}) == {"Mã xã": 1, 2: 3}  # type: ignore[dict-item]


def test_decomposed_cells_map_like_composed_ones() -> None:
    """'Không', 'Trực tiếp' and a name in NFD map to False, 'off' and the NFC name, without a
    problem (the issue's "'Không' không phải Có/Không")."""
    cells = {"Thanh toán trực tuyến": "Không", "Kênh nộp": "Trực tiếp", "Họ và tên": "Lê Thị Hà"}
    record, problems = map_row(_config(**MAPPING), {k: nfd(v) for k, v in cells.items()})
    assert problems == []
    assert record == {"paid": False, "channel": "off", "name": "Lê Thị Hà"}
    assert unicodedata.is_normalized("NFC", record["name"])


def test_convert_cell_composes_text_before_converting() -> None:
    """The public one-cell entry point normalises too."""
    assert convert_cell(nfd("Có"), MAPPING["paid"]) is True
    assert convert_cell(nfd("Trực tuyến"), MAPPING["channel"]) == "online"


def test_a_configuration_saved_in_nfd_matches_nfc_sources() -> None:
    """Column names and choice keys written decomposed in a YAML file are composed on load."""
    mapping = FieldMapping.model_validate(
        {"column": nfd("Kênh nộp"), "convert": "choice", "choices": {nfd("Trực tuyến"): "online"}}
    )
    assert mapping.column == "Kênh nộp"
    assert mapping.choices == {"Trực tuyến": "online"}


def test_an_mqtt_payload_with_decomposed_field_names_maps() -> None:
    """A JSON field name in NFD is found under the mapping's NFC name."""
    payload = json.dumps({nfd("độ_mặn"): "2,5"}, ensure_ascii=False).encode()
    message = MqttMessage(
        "salinity/VL-01/reading", payload, 1, 1, False, dt.datetime.now(dt.UTC), 1
    )
    cells, problem = cells_of(message, station_level=1)
    assert problem is None and cells is not None
    assert cells["độ_mặn"] == "2,5" and cells["station_id"] == "VL-01"


def test_a_rest_item_with_decomposed_field_names_maps_and_keeps_its_original() -> None:
    """The cells of an API item carry NFC field names; its original bytes stay as sent."""
    item: dict[str, Any] = feedback_item(0)
    item[nfd("nội_dung")] = item.pop("noi_dung")
    with serving(FeedbackApi(items=[item])) as api:
        config = ConnectorConfig.model_validate(
            {
                "name": "api",
                "dataset": "feedback.citizen_feedback",
                "source": {
                    "kind": "rest",
                    "url": api.url,
                    "items_path": "data",
                    "next_path": "links.next",
                    "cursor_field": "updated_at",
                    "key_field": "id",
                    "headers": {"Authorization": f"Bearer {TOKEN}"},
                },
                "fields": {"text": {"column": "nội_dung"}},
            }
        )
        assert isinstance(config.source, RestSource)
        (record,) = RestApiSource(config, config.source, {}).records(None)
    assert record.problem is None
    assert record.cells["nội_dung"].startswith("Phản ánh số 0")
    assert nfd("nội_dung") in record.original.decode()
