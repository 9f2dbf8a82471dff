"""What ``make screenshots`` shows on the citizen's pages: the sample citizen Nguyễn Văn An's
birth certificate (corrected once), a consent to the health department, and that department's
read of it, recorded through the same provide-once service the API uses, in a second hub
process's view of the served hub's database."""

from __future__ import annotations

import datetime as dt

from hub.app.wiring import build_hub
from hub.audit.entry import Actor
from hub.provide_once.consent import ConsentInput
from hub.provide_once.evidence import EvidenceInput
from hub.provide_once.subjects import parse_subject
from hub.settings import KhoSettings
from tests.browser.serving import ServedHub

CITIZEN_CCCD = "082095000123"
CITIZEN_SIGNIN = f"cong-dan-{CITIZEN_CCCD}"
"""The development sign-in's key for Nguyễn Văn An."""
RECORD_PROCEDURE = "1.000656"


def give_citizen_data(served: ServedHub) -> None:
    hub = build_hub(KhoSettings(data_dir=served.data_dir))
    try:
        issuer = Actor("token:screenshots", "vp-ubnd")
        birth = {
            "evidence_id": "KS-1995-000123",
            "subject_id": CITIZEN_CCCD,
            "evidence_type": "giay-khai-sinh",
            "issuing_agency": "vp-ubnd",
            "issued_on": dt.date(1995, 3, 2),
            "attributes": {"so": "123/1995"},
        }
        hub.provide_once.record(EvidenceInput.model_validate(birth), actor=issuer)
        corrected = {**birth, "attributes": {"so": "123/1995/KS"}, "correction_reason": "Sai số"}
        hub.provide_once.record(EvidenceInput.model_validate(corrected), actor=issuer)
        subject = parse_subject(CITIZEN_CCCD)
        consent = ConsentInput(
            agency="so-yt",
            purpose=RECORD_PROCEDURE,
            evidence_types=("giay-khai-sinh",),
            expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=90),
        )
        hub.provide_once.grant_consent(subject, consent, actor=Actor(f"subject:{subject.id}"))
        reader = Actor("token:screenshots", "so-yt")
        hub.provide_once.prefill(CITIZEN_CCCD, RECORD_PROCEDURE, actor=reader)
    finally:
        hub.close()
