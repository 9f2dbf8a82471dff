"""Data contracts: rules beyond Avro types, declared per dataset in the catalogue as CEL
expressions, compiled once at catalogue load and enforced on every write path."""

from hub.contracts.functions import CLOCK_SKEW, FUNCTIONS
from hub.contracts.rules import NOW, CompiledRule, Contract, compile_contract
from hub.contracts.violation import Violation

__all__ = [
    "CLOCK_SKEW",
    "FUNCTIONS",
    "NOW",
    "CompiledRule",
    "Contract",
    "Violation",
    "compile_contract",
]
