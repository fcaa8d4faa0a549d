"""The progress callback every long service call takes, and its silent default."""

from __future__ import annotations

from collections.abc import Callable

#: ``progress(fraction, message)``: fraction done (0-1) and what is happening now.
Progress = Callable[[float, str], None]


def no_progress(_fraction: float, _message: str) -> None:
    """Report nothing (the default when a caller passes no callback)."""
    return None
