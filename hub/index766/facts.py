"""What the index needs to know of the procedure catalogue: which procedures are fully online,
which carry a fee, which issue a result that is an evidence type, and who handles each."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from hub.index766.periods import Unit
from hub.provide_once.procedures import ProcedureCatalogue


@dataclass(frozen=True)
class ProcedureFacts:
    """Procedure codes by property; `handled_by` maps an agency code to its procedures."""

    full_online: frozenset[str] = frozenset()
    fee: frozenset[str] = frozenset()
    with_result: frozenset[str] = frozenset()
    handled_by: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def from_catalogue(cls, catalogue: ProcedureCatalogue) -> ProcedureFacts:
        agencies: dict[str, set[str]] = {}
        for procedure in catalogue.procedures:
            for agency in procedure.handled_by:
                agencies.setdefault(agency, set()).add(procedure.code)
        return cls(
            full_online=frozenset(p.code for p in catalogue.procedures if p.full_online),
            fee=frozenset(p.code for p in catalogue.procedures if p.fee),
            with_result=frozenset(p.code for p in catalogue.procedures if p.result),
            handled_by={agency: frozenset(codes) for agency, codes in agencies.items()},
        )

    def fee_procedures_of(self, unit: Unit, receiving_agencies: Iterable[str]) -> frozenset[str]:
        """The fee-bearing procedures a unit handles: all of them for the province, the
        agency's own for an agency, and for a commune those of the agencies that received its
        dossiers (`receiving_agencies`), the catalogue naming no commune."""
        if unit.level == "province":
            return self.fee
        agencies = [unit.code or ""] if unit.level == "agency" else list(receiving_agencies)
        handled = frozenset().union(*(self.handled_by.get(a, frozenset()) for a in agencies))
        return self.fee & handled
