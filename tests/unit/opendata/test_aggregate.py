"""Aggregations, small-count suppression, k-anonymity and the files, on hand-made records."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pyarrow.parquet as pq
import pytest

from hub.avro.schema import load_schema
from hub.vietnam_time import VIETNAM_TZ
from opendata.anonymity import require_k_anonymity, small_groups
from opendata.errors import PublishBlocked
from opendata.files import data_dictionary, table_csv, table_json, table_parquet
from opendata.materialise import materialise
from opendata.specs import PublicationCatalogue, PublicationSpec
from tests.paths import SCHEMAS_DIR

SCHEMA = load_schema(SCHEMAS_DIR / "tthc" / "dossier.avsc")


def _dossier(n: int, commune: str, month: int, *, online: bool, late: bool) -> dict[str, object]:
    received = dt.datetime(2025, month, 10, 9, 0, tzinfo=VIETNAM_TZ)
    due = received + dt.timedelta(days=5)
    return {
        "dossier_id": f"HS-{n:05d}",
        "procedure_code": "1.001193",
        "procedure_name": "Đăng ký khai sinh",
        "receiving_agency_code": "000.00.82",
        "applicant_id_number": "082090001234",
        "applicant_name": "Nguyễn Văn An",
        "commune_code": commune,
        "channel": "online" if online else "offline",
        "received_at": received,
        "due_at": due,
        "finished_at": due + dt.timedelta(days=1 if late else -1),
        "status": "finished",
        "paid_online": False,
        "fee_vnd": 8000,
    }


def _spec(yaml_like: dict[str, object]) -> PublicationSpec:
    return PublicationCatalogue.model_validate({"publications": [yaml_like]}).publications[0]


MONTHLY = _spec(
    {
        "id": "tthc.dossiers.monthly",
        "dataset": "tthc.dossiers",
        "kind": "aggregation",
        "aggregation": {
            "over": "latest",
            "group_by": [{"field": "commune_code"}, {"field": "received_at", "bucket": "month"}],
            "count_column": "dossiers",
            "min_count": 5,
            "measures": [
                {
                    "name": "online_rate_pct",
                    "title": {"vi": "Tỷ lệ trực tuyến", "en": "Online"},
                    "kind": "rate",
                    "condition": {"field": "channel", "equals": "online"},
                },
                {
                    "name": "on_time_rate_pct",
                    "title": {"vi": "Tỷ lệ đúng hạn", "en": "On time"},
                    "kind": "rate",
                    "condition": {"field": "finished_at", "at_most_field": "due_at"},
                },
            ],
        },
    }
)


def test_rates_per_commune_and_month_with_small_groups_suppressed() -> None:
    """8 dossiers in one commune-month (6 online, 2 late) give 75 % and 75 %; a commune-month
    with 3 dossiers keeps its row with every figure empty; a dossier re-sent counts once."""
    records = [_dossier(i, "28249", 7, online=i < 6, late=i in (0, 1)) for i in range(8)]
    records += [_dossier(100 + i, "28252", 7, online=True, late=False) for i in range(3)]
    records.append(dict(records[0]))  # the same dossier again: latest-per-key counts it once
    table = materialise(MONTHLY, SCHEMA, iter(records))
    assert table.names == [
        "commune_code",
        "received_at_month",
        "dossiers",
        "online_rate_pct",
        "on_time_rate_pct",
    ]
    assert table.rows == [
        ("28249", "2025-07", 8, 75.0, 75.0),
        ("28252", "2025-07", None, None, None),
    ]
    assert table.suppressed_groups == 1


def test_an_aggregation_naming_an_unknown_field_is_blocked_naming_it() -> None:
    spec = _spec(
        {
            "id": "tthc.dossiers.bad",
            "dataset": "tthc.dossiers",
            "kind": "aggregation",
            "aggregation": {
                "group_by": [{"field": "commune"}],
                "measures": [{"name": "n", "title": {"vi": "Số", "en": "N"}, "kind": "count"}],
            },
        }
    )
    with pytest.raises(PublishBlocked, match="'commune' không có trong lược đồ dossier.avsc"):
        materialise(spec, SCHEMA, iter([]))


def test_a_personal_field_can_be_neither_published_nor_grouped_by() -> None:
    spec = _spec(
        {
            "id": "tthc.dossiers.names",
            "dataset": "tthc.dossiers",
            "kind": "history",
            "columns": ["dossier_id", "applicant_name"],
        }
    )
    with pytest.raises(PublishBlocked, match="'applicant_name' là dữ liệu cá nhân"):
        materialise(spec, SCHEMA, iter([]))


def test_snapshot_drops_personal_fields_and_keeps_the_latest_record_per_key() -> None:
    spec = _spec({"id": "tthc.dossiers", "dataset": "tthc.dossiers", "kind": "snapshot"})
    first = _dossier(1, "28249", 7, online=True, late=False)
    later = {**first, "status": "returned"}
    table = materialise(
        spec, SCHEMA, iter([first, _dossier(2, "28249", 7, online=False, late=False), later])
    )
    assert "applicant_name" not in table.names and "applicant_id_number" not in table.names
    assert [row[table.names.index("status")] for row in table.rows] == ["returned", "finished"]


def test_k_anonymity_reports_the_small_groups_and_passes_when_every_group_is_big() -> None:
    spec = _spec({"id": "tthc.dossiers", "dataset": "tthc.dossiers", "kind": "history"})
    records = [_dossier(i, "28249", 7, online=True, late=False) for i in range(5)]
    records += [_dossier(10 + i, "28252", 7, online=True, late=False) for i in range(2)]
    table = materialise(spec, SCHEMA, iter(records))
    groups = small_groups(table, ["commune_code", "procedure_code"], 5)
    assert [(g.values, g.rows) for g in groups] == [
        ({"commune_code": "28252", "procedure_code": "1.001193"}, 2)
    ]
    with pytest.raises(PublishBlocked, match=r"k=5.*1 nhóm.*commune_code=28252") as blocked:
        require_k_anonymity(table, ["commune_code", "procedure_code"], 5)
    assert blocked.value.groups == groups
    require_k_anonymity(table, ["procedure_code"], 5)  # 7 rows share one procedure: passes


def test_files_hold_the_same_rows_in_csv_json_and_parquet() -> None:
    spec = _spec({"id": "tthc.dossiers", "dataset": "tthc.dossiers", "kind": "history"})
    table = materialise(
        spec, SCHEMA, iter([_dossier(i, "28249", 7, online=True, late=False) for i in range(3)])
    )
    raw = table_csv(table)
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\r\n") == 4
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0]["procedure_name"] == "Đăng ký khai sinh"
    assert rows[0]["received_at"] == "2025-07-10T09:00:00+07:00"
    documents = json.loads(table_json(table))
    assert [d["dossier_id"] for d in documents] == [r["dossier_id"] for r in rows]
    assert documents[0]["finished_at"] == "2025-07-14T09:00:00+07:00"
    parquet = pq.read_table(io.BytesIO(table_parquet(table)))
    assert parquet.column_names == table.names and parquet.num_rows == 3
    assert parquet.column("fee_vnd").to_pylist() == [8000, 8000, 8000]
    assert (
        parquet.schema.field("received_at").metadata[b"description_en"]
        == b"When the dossier was received."
    )
    assert table_parquet(table) == table_parquet(table)  # same data, same bytes
    dictionary = list(csv.reader(io.StringIO(data_dictionary(table.columns).decode("utf-8-sig"))))
    assert dictionary[0][3:] == ["Mô tả", "Description"]
    described = {row[0]: row[3] for row in dictionary[1:]}
    assert described["channel"] == "Kênh nộp: trực tuyến hoặc trực tiếp."
    assert len(dictionary) == len(table.columns) + 1
