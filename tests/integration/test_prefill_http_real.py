"""Prefill over HTTP on PostgreSQL, where the API takes its fast path: the token check, the
reads and the audit entry on psycopg's async pool, entries of concurrent requests committed
together. The same answers and refusals as the embedded hub, each audited once; a revocation
holds from the next request; the chain verifies after concurrent traffic."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from hub.app.api.app import build_app
from hub.app.wiring import Hub, build_hub
from hub.async_postgres import AsyncPostgres
from hub.audit.actions import EVIDENCE_READ, EVIDENCE_REFUSED
from hub.audit.entry import Actor, AuditEntry
from hub.auth.tokens import Role
from hub.provide_once.consent import ConsentInput
from hub.provide_once.evidence import EvidenceInput
from hub.provide_once.prefill import PrefillFacts
from hub.provide_once.prefill_reads import PostgresPrefillReads, TokenAndFacts
from hub.provide_once.subjects import parse_subject
from hub.settings import KhoSettings
from tests.integration.conftest import POSTGRES_URL
from tests.revocation_race import race_revocation
from tests.serving import serve_app

PROCEDURE = "1.000656"  # needs a birth certificate; so-yt may use it only with consent


@dataclass
class Served:
    hub: Hub
    base_url: str
    token: str

    def prefill(
        self, client: httpx.Client, subject_id: str, token: str | None = None
    ) -> httpx.Response:
        return client.get(
            f"{self.base_url}/api/v1/subjects/{subject_id}/prefill",
            params={"procedure": PROCEDURE},
            headers={"Authorization": f"Bearer {token or self.token}"},
        )

    def entries(self, subject_id: str) -> list[AuditEntry]:
        return self.hub.audit.for_subject(subject_id, limit=1000)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    hub = build_hub(
        KhoSettings(
            data_dir=tmp_path / "kho",
            bus_url=f"embedded:{tmp_path / 'bus.sqlite3'}",
            database_url=POSTGRES_URL,
        )
    )
    assert hub.async_postgres is not None, "PostgreSQL must take the async path"
    token = hub.tokens.create("so-yt", frozenset({Role.CONSUMER})).plaintext
    with serve_app(build_app(hub)) as base_url:
        yield Served(hub, base_url, token)
    hub.evidence_outbox.drain()
    hub.close()


def _citizen_with_consent(hub: Hub) -> tuple[str, str]:
    """A new citizen holding a birth certificate, who let so-yt use it for PROCEDURE."""
    subject_id = f"0820950{random.randrange(10**5):05d}"  # noqa: S311 - test data
    hub.provide_once.record(
        EvidenceInput.model_validate(
            {
                "evidence_id": f"KS-{subject_id}",
                "subject_id": subject_id,
                "evidence_type": "giay-khai-sinh",
                "issuing_agency": "vp-ubnd",
                "issued_on": "1995-03-02",
                "attributes": {"so": "12/1995"},
            }
        ),
        actor=Actor("token:test-issuer", "vp-ubnd"),
    )
    consent = hub.provide_once.grant_consent(
        parse_subject(subject_id),
        ConsentInput(
            agency="so-yt",
            purpose=PROCEDURE,
            evidence_types=("giay-khai-sinh",),
            expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=1),
        ),
        actor=Actor(f"subject:{subject_id}"),
    )
    return subject_id, consent.consent_id


def test_answers_refusals_and_their_audit_entries_on_the_fast_path(served: Served) -> None:
    subject_id, consent_id = _citizen_with_consent(served.hub)
    with httpx.Client(timeout=10) as client:
        answer = served.prefill(client, subject_id)
        assert answer.status_code == 200, answer.text
        [item] = answer.json()["evidence"]
        assert (item["evidence_id"], item["basis"], item["consent_id"]) == (
            f"KS-{subject_id}",
            "consent",
            consent_id,
        )
        unknown = f"0820951{random.randrange(10**5):05d}"  # noqa: S311 - never recorded
        assert served.prefill(client, unknown).status_code == 404

        revoked = served.hub.tokens.create("so-yt", frozenset({Role.CONSUMER}))
        served.hub.tokens.revoke(revoked.token_id)
        refused = served.prefill(client, subject_id, token=revoked.plaintext)
        assert (refused.status_code, refused.json()["error"]["code"]) == (401, "revoked_token")

    reads = [e for e in served.entries(subject_id) if e.action == EVIDENCE_READ]
    assert len(reads) == 1
    assert reads[0].details["evidence"] == [[f"KS-{subject_id}", 1]]
    assert reads[0].details["covered"] == {"giay-khai-sinh": "consent"}
    [refusal] = [e for e in served.entries(unknown) if e.action == EVIDENCE_REFUSED]
    assert refusal.details["code"] == "unknown_subject"
    assert refusal.actor.agency == "so-yt"


def test_concurrent_prefills_commit_together_and_the_chain_verifies(served: Served) -> None:
    subject_id, _ = _citizen_with_consent(served.hub)
    before = len(served.entries(subject_id))

    def twenty_prefills() -> list[int]:
        with httpx.Client(timeout=30) as client:
            return [served.prefill(client, subject_id).status_code for _ in range(20)]

    with ThreadPoolExecutor(10) as pool:
        statuses = [
            status for run in pool.map(lambda _: twenty_prefills(), range(10)) for status in run
        ]

    assert Counter(statuses) == {200: 200}
    reads = [e for e in served.entries(subject_id)[before:] if e.action == EVIDENCE_READ]
    assert len(reads) == 200, "each answered prefill has exactly one audit entry"
    stamps = Counter(entry.at for entry in reads)
    assert max(stamps.values()) > 1, "no two entries shared a group commit"
    report = served.hub.audit.verify()
    assert report.ok, report


def test_a_revocation_holds_from_the_next_http_request(served: Served) -> None:
    subject_id, consent_id = _citizen_with_consent(served.hub)
    subject = parse_subject(subject_id)
    per_thread = threading.local()
    opened: list[httpx.Client] = []

    def prefill() -> int:
        if not hasattr(per_thread, "client"):
            per_thread.client = httpx.Client(timeout=30)
            opened.append(per_thread.client)
        return served.prefill(per_thread.client, subject_id).status_code

    try:
        outcomes = race_revocation(
            prefill,
            lambda: served.hub.provide_once.revoke_consent(
                subject, consent_id, actor=Actor(f"subject:{subject_id}")
            ),
        )
    finally:
        for client in opened:
            client.close()
    assert set(outcomes.after) == {403}, "a prefill started after the revocation was answered"
    assert set(outcomes.before) == {200}


def test_a_token_revocation_holds_from_the_next_http_request(served: Served) -> None:
    """The token is read with the prefill's facts, in the request's own statement: nothing
    remembers it between requests."""
    subject_id, _ = _citizen_with_consent(served.hub)
    issued = served.hub.tokens.create("so-yt", frozenset({Role.CONSUMER}))
    per_thread = threading.local()
    opened: list[httpx.Client] = []

    def prefill() -> int:
        if not hasattr(per_thread, "client"):
            per_thread.client = httpx.Client(timeout=30)
            opened.append(per_thread.client)
        return served.prefill(per_thread.client, subject_id, token=issued.plaintext).status_code

    try:
        outcomes = race_revocation(prefill, lambda: served.hub.tokens.revoke(issued.token_id))
    finally:
        for client in opened:
            client.close()
    assert set(outcomes.after) == {401}, "a prefill started after the revocation was answered"
    assert set(outcomes.before) == {200}


def test_the_token_read_with_the_facts_is_checked_as_on_its_own(served: Served) -> None:
    subject_id, _ = _citizen_with_consent(served.hub)
    good = served.token
    token_id = good.split("_")[1]
    other_agency = served.hub.tokens.create("vp-ubnd", frozenset({Role.CONSUMER})).plaintext
    producer = served.hub.tokens.create("so-yt", frozenset({Role.PRODUCER})).plaintext
    expiring = served.hub.tokens.create(
        "so-yt", frozenset({Role.CONSUMER}), valid_for=dt.timedelta(microseconds=1)
    ).plaintext

    def code(answer: httpx.Response) -> tuple[int, str]:
        return answer.status_code, answer.json()["error"]["code"]

    with httpx.Client(timeout=10) as client:
        assert code(served.prefill(client, subject_id, token=good + "x")) == (
            401,
            "unknown_token",
        )
        unknown = f"kho_{'0' * 12}_{good.split('_', 2)[2]}"
        assert code(served.prefill(client, subject_id, token=unknown)) == (401, "unknown_token")
        assert code(served.prefill(client, subject_id, token=expiring)) == (401, "expired_token")
        assert code(served.prefill(client, subject_id, token=producer)) == (403, "not_a_consumer")
        # the consents read are those of the token's own agency: vp-ubnd has none here
        assert served.prefill(client, subject_id, token=other_agency).status_code == 403
        # a question that does not parse: the token is checked first, then the refusal
        bad_procedure = f"{served.base_url}/api/v1/subjects/{subject_id}/prefill"
        answer = client.get(
            bad_procedure,
            params={"procedure": "0.000000"},
            headers={"Authorization": f"Bearer {good}x"},
        )
        assert code(answer) == (401, "unknown_token")
        answer = client.get(
            bad_procedure,
            params={"procedure": "0.000000"},
            headers={"Authorization": f"Bearer {good}"},
        )
        assert code(answer) == (422, "unknown_procedure")
        assert served.prefill(client, subject_id).status_code == 200
    refusals = [e for e in served.entries(subject_id) if e.action == EVIDENCE_REFUSED]
    assert {e.details["code"] for e in refusals} >= {"unknown_procedure", "no_consent"}
    assert all(e.actor.principal.startswith("token:") for e in refusals)
    assert any(e.actor.principal == f"token:{token_id}" for e in refusals)


def test_the_facts_read_with_the_token_are_the_facts_read_for_its_agency(served: Served) -> None:
    subject_id, _ = _citizen_with_consent(served.hub)
    token_id = served.token.split("_")[1]
    question = served.hub.provide_once._prefill_asked(subject_id, PROCEDURE)

    async def both() -> tuple[TokenAndFacts, TokenAndFacts, PrefillFacts]:
        database = AsyncPostgres(POSTGRES_URL, size=1)  # its own pool: the server has one
        reads = PostgresPrefillReads(database)
        try:
            token = (token_id, served.token.split("_", 2)[2])
            ahead = await reads.facts_with_token(token, (subject_id, PROCEDURE), question)
            wrong = (token_id, "not-its-secret")
            guessed = await reads.facts_with_token(wrong, (subject_id, PROCEDURE), question)
            return ahead, guessed, await reads.facts(subject_id, "so-yt", question[2])
        finally:
            await database.close()

    ahead, guessed, alone = asyncio.run(both())
    assert ahead.facts == alone
    assert guessed.token is None, "a wrong secret finds no token"
    assert guessed.facts == PrefillFacts(subject_known=False, consents=[], evidence=[]), (
        "a wrong secret reads nothing of the subject"
    )
    assert ahead.facts.consents and ahead.facts.evidence and ahead.facts.subject_known
    assert ahead.token is not None
    assert (ahead.token["agency"], ahead.token["revoked_at"]) == ("so-yt", None)


def test_a_prefill_reads_its_token_in_the_statement_of_its_facts(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One round trip a prefill: the token's own lookup is not made (a tripwire stands in for
    it), yet the token is checked."""
    subject_id, _ = _citizen_with_consent(served.hub)

    async def tripwire(plaintext: str) -> None:
        raise AssertionError("the token was looked up on its own")

    monkeypatch.setattr(served.hub.tokens, "authenticate_async", tripwire)
    revoked = served.hub.tokens.create("so-yt", frozenset({Role.CONSUMER}))
    served.hub.tokens.revoke(revoked.token_id)
    with httpx.Client(timeout=10) as client:
        assert served.prefill(client, subject_id).status_code == 200
        refused = served.prefill(client, subject_id, token=revoked.plaintext)
        assert (refused.status_code, refused.json()["error"]["code"]) == (401, "revoked_token")
