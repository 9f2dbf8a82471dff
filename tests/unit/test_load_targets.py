"""The load run's verdict: the rate the hub accepted is a target, beside errors, memory and
tables (a run at 1,801 of 2,000 records/s used to end "every target met")."""

from __future__ import annotations

from tests.load.figures import RATE_SHARE, missed_targets


def test_accepting_fewer_records_than_offered_is_a_missed_target() -> None:
    missed = missed_targets(
        [], {}, [], [], check_memory=True, accepted_per_s=1801, offered_per_s=2000
    )
    assert missed == ["1,801 records/s accepted, under the 2,000 offered"]


def test_keeping_up_with_the_offered_pace_meets_the_rate_target() -> None:
    kept_up = RATE_SHARE * 2000
    assert (
        missed_targets(
            [], {}, [], [], check_memory=True, accepted_per_s=kept_up, offered_per_s=2000
        )
        == []
    )


def test_a_run_too_short_to_judge_has_no_rate_target() -> None:
    assert missed_targets([], {}, [], [], check_memory=False) == []
