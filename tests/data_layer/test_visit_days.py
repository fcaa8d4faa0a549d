"""Tests for optimiser.data.visit_days: which days of a weekly pattern cannot be made."""

from __future__ import annotations

from optimiser.data.domain import CallType, Visit
from optimiser.data.visit_days import can_sequence, impossible_days


def _call(start: int, end: int, minutes: int, day: int = 0) -> Visit:
    return Visit(day, None, minutes, window_start_min=start, window_end_min=end)


def test_tight_calls_that_can_follow_each_other_are_possible() -> None:
    """Three one-hour calls whose windows force the order 08:00, 09:00, 10:00 are possible,
    whatever order they are listed in."""
    calls = [_call(420, 600, 60), _call(540, 570, 60), _call(480, 510, 60)]
    assert can_sequence(calls)
    assert impossible_days(calls) == []


def test_calls_whose_windows_force_an_overlap_are_impossible() -> None:
    """A 30-minute call starting 08:00-08:15 and another starting 08:10-08:20 cannot both be
    made: the second would have to start by 08:20, the first ends at 08:30 at the earliest."""
    calls = [_call(480, 495, 30), _call(490, 500, 30)]
    assert not can_sequence(calls)
    (bad,) = impossible_days(calls)
    assert bad.day == 0 and "calls on mon overlap" in bad.message


def test_more_minutes_than_a_day_is_impossible_and_days_share_a_sentence() -> None:
    """Two 12.5-hour calls on Tuesday and Thursday exceed a day: one sentence names both days;
    Monday's single morning call is fine."""
    calls = [
        Visit(0, CallType.MORNING, 45),
        *(_call(0, 1440, 750, day) for day in (1, 3)),
        *(_call(0, 1440, 750, day) for day in (1, 3)),
    ]
    (bad,) = impossible_days(calls)
    assert bad.message.startswith("the calls on tue, thu add up to 1500 min")
