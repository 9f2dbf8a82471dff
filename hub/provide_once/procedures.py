"""Which evidence each administrative procedure needs and issues: data kept with the catalogue
(hub/defaults/catalogue/procedures.yaml), loaded and cross-checked once."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from pathlib import Path

from pydantic import Field, model_validator

from hub.catalogue.models import Catalogue
from hub.config_files import StrictModel, load_yaml_model
from hub.errors import ConfigurationError

_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$")


class SubjectKind(StrEnum):
    CITIZEN = "citizen"
    ORGANISATION = "organisation"


class EvidenceType(StrictModel):
    code: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)
    name: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    subjects: tuple[SubjectKind, ...] = Field(min_length=1)
    issuer: str
    valid_for: str | None = Field(default=None, pattern=_DURATION.pattern)

    def default_valid_until(self, issued_on: dt.date) -> dt.date | None:
        """The end of validity when the issuer gives none: issue date plus ``valid_for``."""
        if self.valid_for is None:
            return None
        match = _DURATION.match(self.valid_for)
        assert match is not None  # noqa: S101 (the field pattern guarantees it)
        years, months, days = (int(part or 0) for part in match.groups())
        month_index = issued_on.month - 1 + months
        year = issued_on.year + years + month_index // 12
        month = month_index % 12 + 1
        day = min(issued_on.day, _days_in_month(year, month))
        return dt.date(year, month, day) + dt.timedelta(days=days)


def _days_in_month(year: int, month: int) -> int:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day


class Procedure(StrictModel):
    code: str = Field(pattern=r"^[0-9]+\.[0-9]{6}$")
    name: str = Field(min_length=1)
    handled_by: tuple[str, ...] = Field(min_length=1)
    requires: tuple[str, ...] = ()
    result: str | None = None
    reuse_without_consent: tuple[str, ...] = ()
    legal_basis: str | None = None
    full_online: bool = False
    """Offered as a fully online public service (dịch vụ công trực tuyến toàn trình)."""
    fee: bool = False
    """Carries a fee or charge (phí, lệ phí) the applicant pays."""

    @model_validator(mode="after")
    def _basis_for_reuse(self) -> Procedure:
        if self.reuse_without_consent and not self.legal_basis:
            raise ValueError("reuse_without_consent needs a legal_basis naming the law")
        outside = set(self.reuse_without_consent) - set(self.requires)
        if outside:
            raise ValueError(f"reuse_without_consent names types not required: {sorted(outside)}")
        return self


class ProcedureCatalogue(StrictModel):
    evidence_types: tuple[EvidenceType, ...]
    procedures: tuple[Procedure, ...]

    @model_validator(mode="after")
    def _references(self) -> ProcedureCatalogue:
        types = [t.code for t in self.evidence_types]
        codes = [p.code for p in self.procedures]
        for what, values in (("evidence type", types), ("procedure", codes)):
            repeated = sorted({v for v in values if values.count(v) > 1})
            if repeated:
                raise ValueError(f"duplicate {what}: {repeated}")
        known = set(types)
        for procedure in self.procedures:
            named = [*procedure.requires, *([procedure.result] if procedure.result else [])]
            unknown = sorted(set(named) - known)
            if unknown:
                raise ValueError(f"procedure {procedure.code} names unknown types {unknown}")
        return self

    def evidence_type(self, code: str) -> EvidenceType | None:
        return next((t for t in self.evidence_types if t.code == code), None)

    def procedure(self, code: str) -> Procedure | None:
        return next((p for p in self.procedures if p.code == code), None)


def load_procedures(path: Path, catalogue: Catalogue) -> ProcedureCatalogue:
    """The procedures file, with every agency it names checked against the catalogue's."""
    loaded = load_yaml_model(path, ProcedureCatalogue, what="tệp thủ tục")
    agencies = {agency.id for agency in catalogue.agencies}
    named = {t.issuer for t in loaded.evidence_types}
    for procedure in loaded.procedures:
        named.update(procedure.handled_by)
    unknown = sorted(named - agencies)
    if unknown:
        raise ConfigurationError(
            f"Tệp thủ tục {path} nêu cơ quan không có trong danh mục: {', '.join(unknown)}"
        )
    return loaded
