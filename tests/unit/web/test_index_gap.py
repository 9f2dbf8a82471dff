"""The records an indicator lacks for its full points, from the method's own formula."""

from __future__ import annotations

from hub.app.web.index_gap import records_to_full_points
from hub.index766.method import IndicatorSpec


def spec(**fields: object) -> IndicatorSpec:
    return IndicatorSpec.model_validate({"id": "progress.on_time", "title_vi": "x", **fields})


def test_a_plain_ratio_needs_every_record() -> None:
    """20 × ratio: 184 of 200 on time needs the 16 late ones too; full already needs none."""
    on_time = spec(max_points=20, scale=20)
    assert records_to_full_points(on_time, 184, 200) == 16
    assert records_to_full_points(on_time, 200, 200) == 0


def test_a_target_below_one_needs_only_up_to_the_target() -> None:
    """12 × min(1, ratio ÷ 0.8): 50 of 100 online needs 30 more to reach 80; 1 of 3 needs 2
    (0.8 × 3 = 2.4 rounds up to 3 records)."""
    online = spec(id="online.full_online", max_points=12, scale=12, target=0.8)
    assert records_to_full_points(online, 50, 100) == 30
    assert records_to_full_points(online, 1, 3) == 2
    assert records_to_full_points(online, 85, 100) == 0


def test_a_capped_indicator_needs_the_ratio_that_reaches_the_cap() -> None:
    """min(2, 2.5 × ratio): 7 of 10 procedures need 1 more (0.8 × 10 = 8)."""
    capped = spec(id="payment.procedures_paid_online", max_points=2, scale=2.5, cap=2)
    assert records_to_full_points(capped, 7, 10) == 1


def test_no_data_or_an_unreachable_maximum_has_no_count() -> None:
    """Denominator 0, an indicator not computed, or a scale below the maximum: None."""
    assert records_to_full_points(spec(max_points=20, scale=20), 0, 0) is None
    assert records_to_full_points(spec(max_points=6, computed=False), 1, 2) is None
    assert records_to_full_points(spec(max_points=6, scale=5), 1, 2) is None
