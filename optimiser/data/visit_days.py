"""Whether one person's calls on each day can all be made: within the day, one after another.

A person receives one call at a time (a double-handed call is one call with two carers), and
each call must start within its start-time window (``Visit.window_min``). So the calls of one
day are possible when they fit in the day (their minutes add up to at most 1,440) and some
order of them lets each start within its window after the one before has ended. The order is
searched exactly (over subsets, earliest finish first) for up to ``MAX_EXACT_CALLS`` calls a
day; a day with more calls is checked for its total only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from optimiser.data.domain import DAYS, Visit

#: Minutes in a day [min].
DAY_MIN = 24 * 60
#: Calls a day up to which the order is searched exactly (2^12 subsets: instant).
MAX_EXACT_CALLS = 12


@dataclass(frozen=True)
class ImpossibleDay:
    """One day whose calls cannot all be made, with the reason as a sentence."""

    day: int
    message: str


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _call_text(v: Visit) -> str:
    start, end = v.window_min
    kind = f"{v.call_type.value} " if v.call_type is not None else ""
    return f"{kind}starting {_clock(start)}-{_clock(end)} for {v.duration_min} min"


def can_sequence(calls: Sequence[Visit]) -> bool:
    """True if the calls can be made one after another, each starting within its window.

    Exact: the earliest time at which each subset of calls can be finished, over subsets
    (a later finish is never better, so the earliest dominates).
    """
    n = len(calls)
    windows = [c.window_min for c in calls]
    durations = [c.duration_min for c in calls]
    inf = float("inf")
    finish = [inf] * (1 << n)
    finish[0] = 0.0
    for mask in range(1 << n):
        t = finish[mask]
        if t == inf:
            continue
        for j in range(n):
            if mask & (1 << j):
                continue
            start = max(t, windows[j][0])
            if start <= windows[j][1]:
                nxt = mask | (1 << j)
                finish[nxt] = min(finish[nxt], start + durations[j])
    return finish[(1 << n) - 1] < inf


def impossible_days(visits: Iterable[Visit]) -> list[ImpossibleDay]:
    """Every day of a weekly pattern whose calls cannot all be made (empty: all possible).

    Days with the same calls and the same reason share one entry (its ``day`` the first), so
    ``mon-sun`` calls that overlap give one sentence naming the days, not seven.
    """
    by_day: dict[int, list[Visit]] = {}
    for v in visits:
        by_day.setdefault(v.day, []).append(v)
    found: dict[str, list[int]] = {}
    for day in sorted(by_day):
        calls = sorted(by_day[day], key=lambda c: (c.window_min, c.duration_min))
        total = sum(c.duration_min for c in calls)
        if total > DAY_MIN:
            why = f"add up to {total} min, more than the {DAY_MIN} minutes in a day"
        elif len(calls) <= MAX_EXACT_CALLS and not can_sequence(calls):
            listed = "; ".join(_call_text(c) for c in calls)
            why = (
                f"overlap: the {len(calls)} calls cannot be made one after another with each "
                f"starting within its window ({listed})"
            )
        else:
            continue
        found.setdefault(why, []).append(day)
    return [
        ImpossibleDay(days[0], f"the calls on {', '.join(DAYS[d] for d in days)} {why}")
        for why, days in found.items()
    ]
