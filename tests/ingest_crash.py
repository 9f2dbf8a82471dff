"""A hub process killed with SIGKILL at a chosen point of one idempotent ingest request.

Run as ``python -m tests.ingest_crash POINT KEY MODE DOCUMENTS ANSWER`` with the hub's settings
in ``KHO_*``: it posts the JSON file DOCUMENTS to the dossier dataset through the real ASGI app,
under the Idempotency-Key KEY, and dies at POINT. The kill is real; only its timing is a fault
injected where the real server has no hook:

- ``answered``: the batch is published and the process dies as it stores the answer (the
  window of issue 23), after writing the answer it was about to store to the file ANSWER;
- ``half``: the dataset's topic acknowledged the first half of the batch's records;
- ``dead-letters``: the dead letters are on the DLQ, none of the records is on the topic.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from starlette.testclient import TestClient

from hub.app.api import build_app
from hub.app.wiring import build_hub
from hub.auth.tokens import Role
from hub.bus.port import OutgoingMessage, Position
from hub.ingest.idempotency import Claim, Holding, StoredAnswer
from hub.settings import KhoSettings

DATASET = "tthc.dossiers"
POINTS = ("answered", "half", "dead-letters")


def die() -> NoReturn:
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable: SIGKILL")


def main(point: str, key: str, mode: str, documents: Path, answer_file: Path) -> None:
    if point not in POINTS:
        raise SystemExit(f"POINT is one of {POINTS}, not {point!r}")
    hub = build_hub(KhoSettings())
    entry = hub.catalogue.entry(DATASET)
    token = hub.tokens.create(entry.owner, frozenset({Role.PRODUCER})).plaintext
    bus = hub.bus
    publish = bus.publish

    def publish_then_die(topic: str, messages: Sequence[OutgoingMessage]) -> list[Position]:
        if topic != entry.topic:
            return publish(topic, messages)
        if point == "half":
            publish(topic, messages[: len(messages) // 2])
        die()

    def store_answer_then_die(claim: Claim | Holding, answer: StoredAnswer) -> None:
        body = {"status_code": answer.status_code, "body": answer.body}
        answer_file.write_text(json.dumps(body), encoding="utf-8")
        die()

    if point == "answered":
        hub.idempotency.finish = store_answer_then_die  # type: ignore[method-assign]
    else:
        bus.publish = publish_then_die  # type: ignore[method-assign]
    client = TestClient(build_app(hub), raise_server_exceptions=True)
    answer = client.post(
        f"/api/v1/datasets/{DATASET}/records",
        params={"mode": mode},
        content=documents.read_bytes(),
        headers={
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": key,
            "Content-Type": "application/json",
        },
    )
    raise SystemExit(f"the request ended without the kill: {answer.status_code} {answer.text}")


if __name__ == "__main__":
    point, key, mode, documents, answer = sys.argv[1:6]
    main(point, key, mode, Path(documents), Path(answer))
