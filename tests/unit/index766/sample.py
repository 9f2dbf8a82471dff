"""A hand-computed sample for agency so-a, August 2025, judged after the month closed
(as_of = 2025-09-01 00:00 Vietnam time). test_indicators.py states each figure by hand.

    id  proc chan    received due        finished   fee  paid sync rdig comp  reuse sat   store
    d1  P1   online  04/8     10/8 17:00 10/8 17:00 yes  yes  yes  yes  3/3   1     ok    yes
    d2  P1   offline 20/8     25/8 17:00 26/8       yes  no   no   no   1/2   0     -     no
    d3  P2   online  28/8     5/9        open       no   -    yes  no   0/0   0     -     no
    d4  P2   offline 15/8     29/8 17:00 open       yes  no   yes  no   1/1   2     -     no
    d5  P3   online  05/8     12/8 17:00 14/8       yes  yes  yes  yes  0/0   0     bad   no
    d6  P1   online  30/8     2/9        3/9        no   -    no   yes  0/0   0     -     yes

d1 finished exactly at its due time (on time); d3 is still open at the end of the period and
not yet due (on time); d4 is open and overdue (late); d5's first record finished it on 11/8,
a later record corrects that to 14/8 (late); d6 finished after as_of (open, not yet due);
d7 was first received by so-a, then moved to so-b (it leaves so-a).
Feedback about so-a: f1 resolved in time; f2 (about d3) not resolved by as_of, past its 15
working days; f3 rejected; f4 open within its limit but a repeat of f1."""

from __future__ import annotations

from hub.index766.facts import ProcedureFacts
from hub.index766.states import DossierState, FeedbackState, Satisfaction
from tests.unit.index766.builders import dossier, feedback, vn

P1, P2, P3, P4 = "1.000001", "1.000002", "1.000003", "1.000004"

FACTS = ProcedureFacts(
    full_online=frozenset({P1}),
    fee=frozenset({P1, P2, P3, P4}),
    with_result=frozenset({P1}),
    handled_by={"so-a": frozenset({P1, P2, P3, P4}), "so-b": frozenset({P1})},
)

_D5_FIRST = dossier(
    "d5",
    procedure_code=P3,
    received_at=vn(2025, 8, 5, 9),
    due_at=vn(2025, 8, 12, 17),
    finished_at=vn(2025, 8, 11, 9),
    fee_vnd=20000,
    paid_online=True,
    synced_national=True,
    result_digitised=True,
)

DOSSIER_RECORDS: list[DossierState] = [
    dossier(
        "d1",
        procedure_code=P1,
        received_at=vn(2025, 8, 4, 9),
        due_at=vn(2025, 8, 10, 17),
        finished_at=vn(2025, 8, 10, 17),
        fee_vnd=10000,
        paid_online=True,
        synced_national=True,
        result_digitised=True,
        components_total=3,
        components_digitised=3,
        reused_components=1,
        satisfaction=Satisfaction.SATISFIED,
        result_in_store=True,
    ),
    _D5_FIRST,
    dossier("d7", procedure_code=P1, received_at=vn(2025, 8, 6, 9)),
    dossier(
        "d2",
        procedure_code=P1,
        channel="offline",
        received_at=vn(2025, 8, 20, 9),
        due_at=vn(2025, 8, 25, 17),
        finished_at=vn(2025, 8, 26, 10),
        fee_vnd=10000,
        components_total=2,
        components_digitised=1,
    ),
    dossier(
        "d3",
        procedure_code=P2,
        received_at=vn(2025, 8, 28, 9),
        due_at=vn(2025, 9, 5, 17),
        synced_national=True,
    ),
    dossier(
        "d4",
        procedure_code=P2,
        channel="offline",
        received_at=vn(2025, 8, 15, 9),
        due_at=vn(2025, 8, 29, 17),
        fee_vnd=5000,
        synced_national=True,
        components_total=1,
        components_digitised=1,
        reused_components=2,
    ),
    dossier(
        "d6",
        procedure_code=P1,
        received_at=vn(2025, 8, 30, 9),
        due_at=vn(2025, 9, 2, 17),
        finished_at=vn(2025, 9, 3, 9),
        result_digitised=True,
        result_in_store=True,
    ),
    # Later records: d5's finish corrected (now late, and the citizen is dissatisfied), d7
    # moved to another agency.
    DossierState(
        **{
            **{f: getattr(_D5_FIRST, f) for f in DossierState.__dataclass_fields__},
            "finished_at": vn(2025, 8, 14, 9),
            "satisfaction": Satisfaction.DISSATISFIED,
        }
    ),
    dossier("d7", procedure_code=P1, received_at=vn(2025, 8, 6, 9), receiving_agency_code="so-b"),
]

FEEDBACK_RECORDS: list[FeedbackState] = [
    feedback("f1", received_at=vn(2025, 8, 4, 9), status="resolved", resolved_at=vn(2025, 8, 20)),
    feedback(
        "f2",
        received_at=vn(2025, 8, 1, 9),
        status="resolved",
        resolved_at=vn(2025, 9, 10, 9),
        dossier_id="d3",
    ),
    feedback("f3", received_at=vn(2025, 8, 25, 9), status="rejected", resolved_at=vn(2025, 8, 26)),
    feedback("f4", received_at=vn(2025, 8, 27, 9), repeat_of="f1"),
]
