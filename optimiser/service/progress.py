"""The progress callback every long service call takes, its silent default, and a counter."""

from __future__ import annotations

import time
from collections.abc import Callable

#: ``progress(fraction, message)``: fraction done (0-1) and what is happening now.
Progress = Callable[[float, str], None]


def no_progress(_fraction: float, _message: str) -> None:
    """Report nothing (the default when a caller passes no callback)."""
    return None


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"about {max(5, round(seconds / 5) * 5):.0f} s left"
    return f"about {round(seconds / 60):.0f} min left"


def counted_progress(
    progress: Progress,
    *,
    what: str,
    unit: str,
    start: float,
    span: float,
    clock: Callable[[], float] = time.monotonic,
) -> Progress:
    """A callback for a stage of ``n`` equal tasks that reports ``done / n`` (``done`` = 1 on
    its first call, as the carer rounds do per provider-day): it passes on ``start + span *
    fraction`` with a plain message, "rounds: 12 of 56 provider-days, about 40 s left" (the
    time left [s] from the mean time per task so far)."""
    began = clock()
    total: list[int] = []

    def report(fraction: float, _message: str) -> None:
        if not total:
            total.append(max(1, round(1.0 / fraction)) if fraction > 0 else 1)
        n = total[0]
        done = min(n, max(0, round(fraction * n)))
        elapsed = clock() - began
        left = "" if done == 0 else ", " + _duration(elapsed / done * (n - done))
        if done >= n:
            left = ", finishing"
        progress(start + span * fraction, f"{what}: {done} of {n} {unit}{left}")

    return report
