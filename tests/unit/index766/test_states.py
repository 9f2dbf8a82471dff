"""latest_states: a later record of a dossier or a feedback replaces the earlier one."""

from __future__ import annotations

from hub.index766.states import latest_states
from tests.unit.index766.builders import dossier, feedback, vn


def test_the_latest_record_of_each_dossier_is_kept_where_first_seen() -> None:
    """Three records of two dossiers: two states, d1's being its second record."""
    first = dossier("d1")
    finished = dossier("d1", finished_at=vn(2025, 8, 9))
    states = latest_states([first, dossier("d2"), finished])
    assert [s.dossier_id for s in states] == ["d1", "d2"]
    assert states[0] is finished


def test_feedback_is_kept_by_its_own_id() -> None:
    """Two feedbacks about the same dossier are two states; a feedback's update replaces it."""
    resolved = feedback("f1", dossier_id="d1", resolved_at=vn(2025, 8, 9))
    states = latest_states(
        [feedback("f1", dossier_id="d1"), feedback("f2", dossier_id="d1"), resolved]
    )
    assert [s.feedback_id for s in states] == ["f1", "f2"]
    assert states[0].resolved_at == vn(2025, 8, 9)
