"""Whose data it is: a citizen by CCCD number, an organisation by tax code (MST)."""

from __future__ import annotations

from dataclasses import dataclass

from hub.contracts.functions import mst_problem
from hub.identifiers.cccd import cccd_problem
from hub.provide_once.errors import InvalidIdentifier
from hub.provide_once.procedures import SubjectKind


@dataclass(frozen=True, slots=True)
class Subject:
    id: str
    kind: SubjectKind


def parse_subject(value: str) -> Subject:
    """The subject a CCCD (12 digits) or MST (10 digits, or 10-3 for a branch) names.

    Raises InvalidIdentifier naming the rule broken: ``cccd`` for a 12-digit value, ``mst``
    for a 10- or 13-digit one, ``identifier_shape`` for anything else."""
    digits = value.replace("-", "")
    if len(value) == 12 and value.isdigit():
        problem = cccd_problem(value)
        if problem:
            raise InvalidIdentifier("cccd", problem, field="subject_id")
        return Subject(value, SubjectKind.CITIZEN)
    if len(digits) in (10, 13) and digits.isdigit():
        problem = mst_problem(value)
        if problem:
            raise InvalidIdentifier("mst", problem, field="subject_id")
        return Subject(value, SubjectKind.ORGANISATION)
    raise InvalidIdentifier(
        "identifier_shape",
        "Mã chủ thể phải là số CCCD (12 chữ số) hoặc mã số thuế (10 chữ số, hoặc 10-3 với chi"
        " nhánh)",
        field="subject_id",
    )
