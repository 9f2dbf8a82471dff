"""The registry's refusals are one table: each kind has its own code, the hub's API answers it
with its status and Confluent error_code, and the HTTP client turns that code back into it."""

from __future__ import annotations

import httpx
import pytest

from hub.errors import KhoError
from hub.registry.errors import (
    BAD_REQUEST,
    INCOMPATIBLE_SCHEMA,
    REFUSALS,
    REFUSALS_BY_CODE,
    SCHEMA_NOT_FOUND,
    SCHEMA_NOT_IN_SUBJECT,
    SUBJECT_NOT_FOUND,
    IncompatibleSchema,
    RefusalKind,
    RegistryRefusal,
)
from hub.registry.http import ConfluentRegistryClient
from hub.registry.port import RegistryError, SchemaId


def test_each_kind_has_its_own_code_and_a_confluent_error_code() -> None:
    """Codes are unique; every error_code agrees with its HTTP status (40401 is a 404...)."""
    codes = [kind.code for kind in REFUSALS]
    assert len(codes) == len(set(codes))
    for kind in REFUSALS:
        assert str(kind.error_code).startswith(str(kind.http_status)), kind


def test_a_kind_raises_a_refusal_in_the_kho_error_tree() -> None:
    """Calling a kind formats its message; the refusal is a RegistryError, hence a KhoError."""
    refusal = SUBJECT_NOT_FOUND(subject="s-value")
    assert str(refusal) == "Không có chủ đề s-value"
    assert (refusal.kind, refusal.http_status, refusal.error_code) == (
        SUBJECT_NOT_FOUND,
        404,
        40401,
    )
    assert isinstance(refusal, RegistryError) and isinstance(refusal, KhoError)
    bad = BAD_REQUEST(reason="Nội dung yêu cầu phải là một đối tượng JSON")
    assert isinstance(bad, KhoError) and (bad.http_status, bad.error_code) == (400, 400)


@pytest.mark.parametrize(
    "kind", [kind for kind in REFUSALS if REFUSALS_BY_CODE.get(kind.error_code) is kind]
)
def test_the_http_client_maps_an_error_code_back_to_its_kind(kind: RefusalKind) -> None:
    """An answer with a kind's status and error_code raises that kind, with the answer's
    message; an incompatible schema is an IncompatibleSchema."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            kind.http_status, json={"error_code": kind.error_code, "message": "lý do"}
        )

    client = ConfluentRegistryClient(
        "http://registry.example:8081", transport=httpx.MockTransport(handler)
    )
    with pytest.raises(RegistryRefusal, match="lý do") as refused:
        client.schema_text(SchemaId(7))
    assert refused.value.kind is kind
    assert isinstance(refused.value, IncompatibleSchema) == (kind is INCOMPATIBLE_SCHEMA)


def test_a_shared_error_code_maps_to_the_first_kind() -> None:
    """40403 is both 'no such id' and 'not in this subject'; the client reads it as the first."""
    assert SCHEMA_NOT_IN_SUBJECT.error_code == SCHEMA_NOT_FOUND.error_code
    assert REFUSALS_BY_CODE[SCHEMA_NOT_FOUND.error_code] is SCHEMA_NOT_FOUND
