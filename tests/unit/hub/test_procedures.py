"""The procedures file (which evidence each procedure needs and issues) and subject identifiers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from hub.catalogue.loader import load_catalogue
from hub.catalogue.models import Catalogue
from hub.errors import ConfigurationError
from hub.provide_once.errors import InvalidIdentifier
from hub.provide_once.procedures import SubjectKind, load_procedures
from hub.provide_once.subjects import parse_subject
from hub.settings import KhoSettings

SETTINGS = KhoSettings()


def _catalogue() -> Catalogue:
    return load_catalogue(SETTINGS.catalogue_path, SETTINGS.schemas_dir).catalogue


def test_the_shipped_procedures_load_and_name_only_known_types_and_agencies() -> None:
    procedures = load_procedures(SETTINGS.procedures_path, _catalogue())
    codes = {t.code for t in procedures.evidence_types}
    for procedure in procedures.procedures:
        assert set(procedure.requires) <= codes
        assert procedure.result is None or procedure.result in codes
    assert procedures.procedure("1.001193") is not None


def _write(tmp_path: Path, change: dict[str, object]) -> Path:
    raw = yaml.safe_load(SETTINGS.procedures_path.read_text(encoding="utf-8"))
    raw["procedures"][0].update(change)
    path = tmp_path / "procedures.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"handled_by": ["so-xyz"]}, "so-xyz"),
        ({"result": "giay-bao-hanh"}, "giay-bao-hanh"),
        ({"reuse_without_consent": ["giay-phep-lai-xe"]}, "giay-phep-lai-xe"),
        ({"legal_basis": None}, "legal_basis"),
        ({"code": "1.000894"}, "duplicate procedure"),
    ],
)
def test_a_bad_procedures_file_is_refused_naming_the_fault(
    tmp_path: Path, change: dict[str, object], named: str
) -> None:
    with pytest.raises(ConfigurationError, match=named):
        load_procedures(_write(tmp_path, change), _catalogue())


def test_default_validity_adds_the_period_to_the_issue_date() -> None:
    procedures = load_procedures(SETTINGS.procedures_path, _catalogue())
    residence = procedures.evidence_type("xac-nhan-cu-tru")
    assert residence is not None
    assert residence.default_valid_until(dt.date(2025, 8, 31)) == dt.date(2026, 2, 28)
    birth = procedures.evidence_type("giay-khai-sinh")
    assert birth is not None and birth.default_valid_until(dt.date(2025, 1, 1)) is None


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("082095000123", SubjectKind.CITIZEN),
        ("0312345673", SubjectKind.ORGANISATION),
        ("0312345673-001", SubjectKind.ORGANISATION),
    ],
)
def test_identifiers_name_citizens_and_organisations(value: str, kind: SubjectKind) -> None:
    assert parse_subject(value).kind is kind


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("999095000123", "cccd"),  # 99 is no province code
        ("082995000123", "cccd"),  # digit 4 = 9: born in 2795
        ("0312345670", "mst"),  # wrong check digit
        ("031234567300", "cccd"),  # twelve digits are read as a CCCD
        ("08209500012", "identifier_shape"),
        ("", "identifier_shape"),
    ],
)
def test_bad_identifiers_name_the_rule(value: str, rule: str) -> None:
    with pytest.raises(InvalidIdentifier) as refused:
        parse_subject(value)
    assert refused.value.code == rule
    assert refused.value.details["field"] == "subject_id"
