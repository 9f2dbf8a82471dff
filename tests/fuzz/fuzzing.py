"""What every fuzz run shares: how many examples, the checks, and the tally of requests made.

``KHO_FUZZ_EXAMPLES`` sets the examples per operation and caller (`make fuzz` sets it high);
without it the run is the bounded one of `make test`, derandomised so that it asks the same
questions on every machine. Positive and negative data: schemathesis also sends what the
document forbids (missing or wrong fields, bad types), which must be a documented 4xx."""

from __future__ import annotations

import os
from collections import Counter
from traceback import format_exception_only
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode, checks
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err

from tests.fuzz.callers import CITIZEN, Caller

BOUNDED_EXAMPLES = 3
DEEP = "KHO_FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("KHO_FUZZ_EXAMPLES", BOUNDED_EXAMPLES))

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]

REQUEST_TIMEOUT_S = 30.0
# The record stream never ends by itself: schemathesis reads an event stream until it ends, sends
# max-stream-events events or the read timeout passes, so the stream's 200 is read this long
# (its status, content type and any first events checked); every other answer gets the full
# timeout.
STREAM_READ_S = 0.1

KNOWN: dict[str, object] = {
    "dataset_id": "tthc.dossiers",
    "publication_id": "tthc.dossiers.monthly_by_commune",
    "subject_id": CITIZEN,
    "subject": "tthc.dossiers-value",
    "version": "latest",
    "id": 1,
}
"""Path parameters naming what the catalogue and the registry hold on every hub."""

REQUESTS_MADE: Counter[str] = Counter()
"""Requests made in this pytest session, per run and caller ("embedded/public", ...)."""
STATUSES: Counter[str] = Counter()
"""The answers' status codes, per run ("embedded/200", ...)."""


def config() -> SchemathesisConfig:
    """The callers bring their own Authorization (none for the public)."""
    return SchemathesisConfig.from_dict({"generation": {"with-security-parameters": False}})


def fuzz(
    schema: schemathesis.BaseSchema, callers: list[Caller], run: str, *, examples: int = EXAMPLES
) -> list[str]:
    """Every operation of the schema, with positive and negative data (what the document
    forbids: missing or wrong fields, bad types, which must be a documented 4xx), each request
    sent by every caller; the failures found, one per operation, shrunk to a small example."""
    failures = []
    for found in schema.get_all_operations():
        if isinstance(found, Err):  # an operation the document describes wrongly
            failures.append(str(found.err()))
            continue
        operation = found.ok()
        cases = st.one_of(_strategies(operation))

        @settings(
            max_examples=examples,
            deadline=None,
            derandomize=not DEEP,  # the bounded run asks the same questions on every machine
            database=None,
            suppress_health_check=list(HealthCheck),
            print_blob=True,
        )
        @given(case=cases)
        def each(case: schemathesis.Case) -> None:
            call_as_each(case, callers, run)

        try:
            each()
        # every operation is fuzzed, then all failures are shown
        except (Exception, FailureGroup) as exc:
            failures.append(f"{operation.label}\n{''.join(format_exception_only(exc))}")
    return failures


def _strategies(operation: schemathesis.APIOperation) -> list[st.SearchStrategy[Any]]:
    """Generated path parameters, and as often the ids of things that exist (``KNOWN``), so
    that the requests also get past the 404 and reach the handler's own checks."""
    names = {parameter.name for parameter in operation.path_parameters}
    known = {name: value for name, value in KNOWN.items() if name in names}
    strategies = [operation.as_strategy(mode) for mode in GenerationMode]
    if known:
        strategies += [
            operation.as_strategy(mode, path_parameters=known) for mode in GenerationMode
        ]
    return strategies


def call_as_each(case: schemathesis.Case, callers: list[Caller], run: str) -> None:
    """Sends the case once as each caller, counting the requests and their statuses, and checks
    each answer against the document: no server error, a documented status, content type and
    body. A failure names the caller and the request."""
    streams = case.operation.path.endswith("/stream")
    for caller in callers:
        REQUESTS_MADE[f"{run}/{caller.name}"] += 1
        headers = caller.current_headers()
        extra: dict[str, Any] = {"cookies": caller.cookies} if caller.cookies else {}
        try:
            response = case.call(
                headers=headers,
                timeout=STREAM_READ_S if streams else REQUEST_TIMEOUT_S,
                **extra,
            )
            STATUSES[f"{run}/{response.status_code}"] += 1
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Exception, FailureGroup) as exc:
            exc.add_note(f"caller: {caller.name}")
            exc.add_note(case.as_curl_command(headers=headers))
            raise
