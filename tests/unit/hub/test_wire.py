"""Records are framed in the Confluent wire format and read back unchanged."""

from __future__ import annotations

import datetime as dt
import io
import struct

import fastavro
import pytest

from hub.avro import SerializationError, decode, encode, load_schema, split_wire
from tests.paths import SCHEMAS_DIR

SCHEMA = load_schema(SCHEMAS_DIR / "tthc" / "dossier.avsc")
VN = dt.timezone(dt.timedelta(hours=7))


def dossier() -> dict[str, object]:
    return {
        "dossier_id": "DT-250701-00001",
        "procedure_code": "1.001193",
        "procedure_name": "Đăng ký khai sinh",
        "receiving_agency_code": "UBND-28261",
        "applicant_id_number": "082195000123",
        "applicant_name": "Nguyễn Thị Lan",
        "commune_code": "28261",
        "channel": "online",
        "received_at": dt.datetime(2025, 7, 1, 8, 0, tzinfo=VN),
        "due_at": dt.datetime(2025, 7, 2, 8, 0, tzinfo=VN),
        "finished_at": None,
        "status": "received",
        "paid_online": False,
        "fee_vnd": 0,
        "synced_national": True,
        "result_digitised": False,
        "components_total": 3,
        "components_digitised": 2,
        "reused_components": 1,
        "satisfaction": "satisfied",
    }


def test_header_is_magic_byte_and_big_endian_schema_id() -> None:
    """The first five bytes are 0 and the schema id, as Confluent deserializers expect."""
    payload = encode(4242, SCHEMA.parsed, dossier())
    assert payload[0] == 0
    assert struct.unpack(">I", payload[1:5])[0] == 4242
    assert split_wire(payload)[0] == 4242


def test_body_is_plain_avro_binary() -> None:
    """After the header, plain fastavro reads the body with the schema alone."""
    payload = encode(7, SCHEMA.parsed, dossier())
    body = fastavro.schemaless_reader(io.BytesIO(payload[5:]), SCHEMA.parsed, None)
    assert body["applicant_name"] == "Nguyễn Thị Lan"


def test_round_trip_keeps_every_field() -> None:
    """decode(encode(x)) == x, time zones normalised to UTC."""
    original = dossier()
    decoded = decode(encode(1, SCHEMA.parsed, original), SCHEMA.parsed)
    assert decoded["received_at"] == original["received_at"]
    assert {k: v for k, v in decoded.items() if not k.endswith("_at")} == {
        k: v for k, v in original.items() if not k.endswith("_at")
    }


def test_wrong_magic_byte_is_refused() -> None:
    """A payload that is not in the wire format is a clear error."""
    with pytest.raises(SerializationError, match="magic byte"):
        split_wire(b"\x01\x00\x00\x00\x01abc")


def test_personal_fields_come_from_schema_marks() -> None:
    """The fields marked "personal": true are the applicant's id number and name."""
    assert SCHEMA.personal_fields == {"applicant_id_number", "applicant_name"}
    assert SCHEMA.key_field == "dossier_id"
