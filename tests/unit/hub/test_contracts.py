"""Data contracts: the hub's CEL functions, rules evaluated on records, and catalogue refusals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.avro import DatasetSchema, load_schema
from hub.catalogue import ContractRule, load_catalogue
from hub.contracts import CLOCK_SKEW, Contract, compile_contract
from hub.contracts.functions import (
    commune_2025,
    mst_problem,
    not_future,
    province_2025,
    province_code_2025_or_empty,
    valid_cccd,
    valid_mst,
)
from hub.errors import ConfigurationError
from hub.ingest import RecordValidator
from tests.paths import CATALOGUE_DIR, SCHEMAS_DIR

CATALOGUE = CATALOGUE_DIR / "datasets.yaml"
SCHEMAS = SCHEMAS_DIR
LOADED = load_catalogue(CATALOGUE, SCHEMAS)
NOW = dt.datetime.now(dt.UTC)


def dossier(**changes: Any) -> dict[str, Any]:
    record = {
        "dossier_id": "DT-251120-00001",
        "procedure_code": "1.001193",
        "procedure_name": "Đăng ký khai sinh",
        "receiving_agency_code": "UBND-28261",
        "applicant_id_number": "082195000123",
        "applicant_name": "Nguyễn Văn An",
        "commune_code": "28261",
        "channel": "online",
        "received_at": NOW - dt.timedelta(days=3),
        "due_at": NOW - dt.timedelta(days=1),
        "finished_at": NOW - dt.timedelta(days=2),
        "status": "finished",
        "paid_online": True,
        "fee_vnd": 8000,
    }
    record.update(changes)
    return record


def reading(**changes: Any) -> dict[str, Any]:
    record = {
        "station_id": "DT-CT-01",
        "station_name": "Trạm Vàm Kênh",
        "river_mouth": "cửa Tiểu",
        "commune_code": "28261",
        "latitude": 10.25,
        "longitude": 106.75,
        "salinity_g_per_l": 4.2,
        "measured_at": NOW - dt.timedelta(minutes=10),
    }
    record.update(changes)
    return record


def ocop(**changes: Any) -> dict[str, Any]:
    record = {
        "product_id": "OCOP-DT-0157",
        "name": "Bánh phồng tôm",
        "producer_name": "Hợp tác xã Nông nghiệp Tân Mỹ Chánh",
        "producer_tax_code": "0100233488",
        "category": "Thực phẩm",
        "stars": 4,
        "commune_code": "28261",
        "certified_on": dt.date(2025, 3, 1),
        "valid_until": dt.date(2028, 3, 1),
        "contact_phone": "02773851111",
    }
    record.update(changes)
    return record


def facility(**changes: Any) -> dict[str, Any]:
    record = {
        "facility_id": "82001",
        "name": "Bệnh viện Đa khoa Tiền Giang",
        "kind": "hospital",
        "commune_code": "28261",
        "beds": 1200,
        "licence_number": "123/BYT-GPHĐ",
        "director_name": None,
    }
    record.update(changes)
    return record


def broken(dataset: str, record: dict[str, Any]) -> dict[str, str]:
    """Rule id -> path of every violation the dataset's full validator finds."""
    validator = RecordValidator(LOADED.entry(dataset), LOADED.schema(dataset))
    return {v.rule: v.path for v in validator.violations(record)}


def rules(*specs: dict[str, str]) -> tuple[ContractRule, ...]:
    return tuple(ContractRule.model_validate(spec) for spec in specs)


def dossier_schema() -> DatasetSchema:
    return load_schema(SCHEMAS / "tthc" / "dossier.avsc")


# --- the hub's functions -------------------------------------------------------------------


def test_valid_cccd_uses_the_structure_check() -> None:
    """A well-formed CCCD passes; a short one, a non-string and null do not."""
    assert valid_cccd("082195000123")
    assert not valid_cccd("08219500012")
    assert not valid_cccd(82195000123)
    assert not valid_cccd(None)


@pytest.mark.parametrize("number", ["0100233488", "0314409058-002", "0314409058002"])
def test_valid_mst(number: str) -> None:
    """Ten digits with the right check digit, or a branch's thirteen, pass."""
    assert valid_mst(number)


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("0100233480", "kiểm tra"),
        ("12345", "10 chữ số"),
        ("01002334AB", "chỉ gồm chữ số"),
        ("01 00 233 488", "viết liền"),
    ],
)
def test_invalid_mst_says_why(number: str, why: str) -> None:
    """A wrong check digit, length, character or spacing is refused with its reason."""
    assert not valid_mst(number)
    problem = mst_problem(number)
    assert problem is not None and why in problem


def test_commune_2025() -> None:
    """Mỹ Tho ward is in the 2025 list; a made-up code and null are not."""
    assert commune_2025("28261")
    assert not commune_2025("99999")
    assert not commune_2025(None)


def test_old_province_codes_map_to_the_34_province_list() -> None:
    """Old Đồng Tháp (87) and Tiền Giang (82) both map to today's Đồng Tháp (82); 03 never
    was a province code."""
    assert province_2025("82") and province_2025("87")
    assert province_code_2025_or_empty("87") == "82"
    assert province_code_2025_or_empty("83") == "86"  # Bến Tre is in Vĩnh Long since 2025
    assert not province_2025("03")
    assert province_code_2025_or_empty("03") == ""


def test_not_future_allows_clock_skew_only() -> None:
    """Now and a minute ahead pass (clock skew); an hour ahead does not; naive counts as UTC."""
    now = dt.datetime.now(dt.UTC)
    assert not_future(now - dt.timedelta(days=1))
    assert not_future(now + dt.timedelta(minutes=1))
    assert not not_future(now + CLOCK_SKEW + dt.timedelta(minutes=1))
    assert not not_future(now + dt.timedelta(hours=1))
    assert not_future(now.replace(tzinfo=None) - dt.timedelta(minutes=1))
    assert not not_future("2025-01-01")


# --- rules on records ----------------------------------------------------------------------


def test_valid_records_break_no_rule() -> None:
    """Sample records of four datasets keep every rule of their contracts."""
    assert broken("tthc.dossiers", dossier()) == {}
    assert broken("salinity.readings", reading()) == {}
    assert broken("ocop.products", ocop()) == {}
    assert broken("health.facilities", facility()) == {}


def test_violation_names_rule_and_field_with_the_cccd_reason() -> None:
    """A short CCCD is pinned on $.applicant_id_number by rule cccd, with the precise reason."""
    contract = LOADED.contract("tthc.dossiers")
    (violation,) = contract.violations(dossier(applicant_id_number="08219500012"))
    assert violation.path == "$.applicant_id_number"
    assert violation.rule == "cccd"
    assert "Số CCCD của người nộp không hợp lệ" in violation.message
    assert "12 chữ số" in violation.message


def test_several_violations_are_all_reported() -> None:
    """A record breaking three rules gets three violations, one per rule."""
    found = broken(
        "tthc.dossiers",
        dossier(commune_code="99999", fee_vnd=-1, due_at=NOW - dt.timedelta(days=5)),
    )
    assert found == {
        "commune_2025": "$.commune_code",
        "fee_not_negative": "$.fee_vnd",
        "paid_online_needs_fee": "$.fee_vnd",
        "due_not_before_received": "$.due_at",
    }


def test_mst_check_digit_is_enforced_with_its_reason() -> None:
    """An OCOP producer tax code with a wrong check digit breaks producer_mst, saying why."""
    contract = LOADED.contract("ocop.products")
    (violation,) = contract.violations(ocop(producer_tax_code="0100233480"))
    assert (violation.rule, violation.path) == ("producer_mst", "$.producer_tax_code")
    assert "Chữ số kiểm tra" in violation.message


def test_old_province_code_in_a_facility_code_is_valid() -> None:
    """A facility code with old Đồng Tháp's 87 passes (mapped to 82); one with 03 does not."""
    assert broken("health.facilities", facility(facility_id="87001")) == {}
    assert broken("health.facilities", facility(facility_id="03001")) == {
        "facility_code_shape": "$.facility_id"
    }


def test_future_timestamp_is_refused() -> None:
    """Received tomorrow breaks received_not_future; a minute ahead is within the clock skew."""
    tomorrow = NOW + dt.timedelta(days=1)
    found = broken("tthc.dossiers", dossier(received_at=tomorrow, due_at=tomorrow))
    assert found == {
        "received_not_future": "$.received_at",
        "finished_not_before_received": "$.finished_at",
    }
    ahead = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    assert broken("salinity.readings", reading(measured_at=ahead)) == {}


def test_epoch_millisecond_timestamps_are_read_as_times() -> None:
    """Timestamps given as epoch ms (which Avro accepts) are compared as times, not numbers."""
    as_ms = {k: int(v.timestamp() * 1000) for k, v in dossier().items() if k.endswith("_at")}
    assert broken("tthc.dossiers", dossier(**as_ms)) == {}
    late = int((NOW + dt.timedelta(days=2)).timestamp() * 1000)
    assert broken("tthc.dossiers", dossier(received_at=late)) == {
        "received_not_future": "$.received_at",
        "due_not_before_received": "$.due_at",
        "finished_not_before_received": "$.finished_at",
    }


@pytest.mark.parametrize(
    ("salinity", "ok"), [(0.0, True), (40.0, True), (40.1, False), (-0.5, False)]
)
def test_salinity_range(salinity: float, ok: bool) -> None:
    """Salinity must lie in 0–40 g/l, both ends included."""
    expected = {} if ok else {"salinity_range": "$.salinity_g_per_l"}
    assert broken("salinity.readings", reading(salinity_g_per_l=salinity)) == expected


def test_coordinates_outside_vietnam_are_refused() -> None:
    """A station placed in Bangkok breaks the longitude rule."""
    assert broken("salinity.readings", reading(latitude=13.75, longitude=100.5)) == {
        "longitude_in_vietnam": "$.longitude"
    }


def test_enumerations() -> None:
    """Two stars and an unknown product group are outside the OCOP enumerations."""
    assert broken("ocop.products", ocop(stars=2, category="Đồ gốm")) == {
        "stars_3_to_5": "$.stars",
        "product_group": "$.category",
    }


def test_dates_compare_as_days() -> None:
    """Avro dates (date objects or days since 1970) compare: a 37-month certificate is too long."""
    certified = dt.date(2025, 3, 1)
    days = (certified - dt.date(1970, 1, 1)).days
    assert broken("ocop.products", ocop(certified_on=days, valid_until=days + 1000)) == {}
    assert broken("ocop.products", ocop(valid_until=dt.date(2028, 4, 1))) == {
        "valid_at_most_36_months": "$.valid_until"
    }


def test_required_if_applies_only_when_its_condition_holds() -> None:
    """A finished dossier needs finished_at; one still processing does not."""
    assert broken("tthc.dossiers", dossier(finished_at=None)) == {
        "finished_needs_time": "$.finished_at"
    }
    assert broken("tthc.dossiers", dossier(finished_at=None, status="processing")) == {}


def test_rules_without_when_skip_null_fields() -> None:
    """A null tax code or phone is not checked; a present malformed one is."""
    assert broken("ocop.products", ocop(producer_tax_code=None, contact_phone=None)) == {}
    assert broken("ocop.products", ocop(contact_phone="12345")) == {
        "contact_phone_shape": "$.contact_phone"
    }


def test_avro_type_errors_come_first() -> None:
    """A record with a wrong type reports the type error, not contract rules."""
    found = broken("tthc.dossiers", dossier(fee_vnd="tám nghìn", commune_code="99999"))
    assert found == {"avro_type": "$.fee_vnd"}


def test_a_rule_that_cannot_be_evaluated_is_pinned_on_itself() -> None:
    """A runtime error (dividing by zero) is a violation of that rule; the others still run."""
    contract = compile_contract(
        "tthc.dossiers",
        rules(
            {"rule": "chia", "field": "fee_vnd", "expr": "fee_vnd / 0 == 1", "message": "Chia"},
            {
                "rule": "commune_2025",
                "field": "commune_code",
                "expr": "commune_2025(commune_code)",
                "message": "Mã xã",
            },
        ),
        dossier_schema(),
    )
    found = contract.violations(dossier(commune_code="99999"))
    assert [(v.rule, v.path) for v in found] == [
        ("chia", "$.fee_vnd"),
        ("commune_2025", "$.commune_code"),
    ]
    assert "không đánh giá được" in found[0].message


def test_now_and_comprehensions_are_available() -> None:
    """A rule may read `now` and bind a comprehension variable."""
    contract = compile_contract(
        "tthc.dossiers",
        rules(
            {
                "rule": "recent",
                "field": "received_at",
                "expr": 'received_at > now - duration("720h")',
                "message": "Cũ",
            },
            {
                "rule": "known_channel",
                "field": "channel",
                "expr": '["online", "offline"].exists(c, c == channel)',
                "message": "Kênh",
            },
        ),
        dossier_schema(),
    )
    assert contract.violations(dossier()) == []
    old = dossier(received_at=NOW - dt.timedelta(days=40))
    assert [v.rule for v in contract.violations(old)] == ["recent"]


@pytest.mark.parametrize("number", ["082195000123", "08219500012", "003195000123", None])
def test_a_predicate_gives_the_same_answer_directly_and_through_cel(number: str | None) -> None:
    """valid_cccd(field), called without CEL, and the same test inside a CEL expression give
    the same violations, reason included."""
    direct = {"expr": "valid_cccd(applicant_id_number)"}
    in_cel = {"expr": "valid_cccd(applicant_id_number) == true"}
    contracts = [
        compile_contract(
            "tthc.dossiers",
            rules({"rule": "cccd", "field": "applicant_id_number", "message": "CCCD sai"} | spec),
            dossier_schema(),
        )
        for spec in (direct, in_cel)
    ]
    assert contracts[0].rules[0].direct is not None and contracts[1].rules[0].direct is None
    record = dossier(applicant_id_number=number)
    assert contracts[0].violations(record) == contracts[1].violations(record)


def test_contracts_are_compiled_once() -> None:
    """The catalogue's compiled contract is the one every validator of the dataset uses."""
    entry, schema = LOADED.entry("tthc.dossiers"), LOADED.schema("tthc.dossiers")
    assert compile_contract(entry.id, entry.contract, schema) is LOADED.contract("tthc.dossiers")
    assert isinstance(LOADED.contract("salinity.readings"), Contract)


# --- refusals at load time -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ({"expr": "valid_cccd(applicant_id_number"}, "không phải biểu thức CEL hợp lệ"),
        ({"expr": "valid_cccd(so_cccd)"}, "biến 'so_cccd'"),
        ({"when": "trang_thai == 1"}, "biến 'trang_thai'"),
        ({"field": "so_nha"}, "trường 'so_nha'"),
        ({"expr": "la_cccd(applicant_id_number)"}, "hàm 'la_cccd'"),
    ],
)
def test_bad_rules_are_refused_naming_dataset_and_rule(spec: dict[str, str], problem: str) -> None:
    """Broken CEL, unknown variables, fields and functions are refused with dataset and rule."""
    rule = {
        "rule": "cccd_hop_le",
        "field": "applicant_id_number",
        "expr": "valid_cccd(applicant_id_number)",
        "message": "Số CCCD không hợp lệ",
    } | spec
    with pytest.raises(ConfigurationError) as refused:
        compile_contract("tthc.dossiers", rules(rule), dossier_schema())
    assert "tthc.dossiers" in str(refused.value)
    assert "cccd_hop_le" in str(refused.value)
    assert problem in str(refused.value)


def test_duplicate_rule_ids_are_refused() -> None:
    """Two rules with one id in a dataset are refused, naming the id."""
    rule = {"rule": "hai_lan", "field": "fee_vnd", "expr": "fee_vnd >= 0", "message": "Phí"}
    with pytest.raises(ConfigurationError, match="hai_lan.*trùng"):
        compile_contract("tthc.dossiers", rules(rule, rule), dossier_schema())


def test_catalogue_with_a_bad_rule_is_refused_whole(tmp_path: Path) -> None:
    """A rule that does not compile stops the catalogue load, naming file, dataset and rule."""
    raw = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    raw["datasets"][0]["contract"].append(
        {"rule": "hong", "field": "fee_vnd", "expr": "fee_vnd >", "message": "Hỏng"}
    )
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"catalogue\.yaml.*tthc\.dossiers.*hong"):
        load_catalogue(path, SCHEMAS)
