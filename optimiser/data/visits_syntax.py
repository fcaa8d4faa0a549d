"""The compact, spreadsheet-friendly text form of a package's weekly visit pattern.

A pattern is a list of entries separated by ``;``. Each entry is ``DAYS SLOT DURATION``::

    mon-sun morning 45x2; mon,wed,fri lunch 30; sat 09:00-10:30 60; daily bed 07:30-08:00 20

- ``DAYS``: ``daily``, a day (``mon`` ... ``sun``), a forward range (``mon-fri``) or a comma
  list of days and ranges (``mon-wed,fri,sun``). Each named day gets one call.
- ``SLOT``: a call type (``morning``, ``lunch``, ``tea``, ``bed``: each has a default start-time
  window, see ``domain.CALL_WINDOWS_MIN``), an explicit start-time window ``HH:MM-HH:MM``, or
  both (a call type with its own window, in that order).
- ``DURATION``: whole minutes, optionally followed by ``x2`` for a double-handed call (two carers
  at once) or ``x1`` (the default).

Parsing is case-insensitive and tolerant of spaces around ``,``, ``-`` and ``;``; an empty
pattern is an error. The visits of a package are a multiset, so :func:`parse_visits` returns them
in canonical order (:func:`canonical_visits`: by day, then start window, then the rest) and
:func:`format_visits` writes the canonical text: ``parse_visits(format_visits(v)) ==
canonical_visits(v)`` for every tuple of visits, and ``format_visits`` of a parsed pattern is a
fixed point.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from optimiser.data.domain import CALL_WINDOWS_MIN, DAYS, CallType, Visit

__all__ = [
    "VisitsSyntaxError",
    "canonical_visits",
    "format_days",
    "format_visits",
    "parse_days",
    "parse_visits",
]

_CALL_ORDER = {ct: i for i, ct in enumerate(CallType)}
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")
_DURATION_RE = re.compile(r"^(\d+)(?:x([0-9]+))?$")
_SPACES_AROUND = re.compile(r"\s*([,\-])\s*")


class VisitsSyntaxError(ValueError):
    """A visit pattern that does not follow the syntax; the message says what was expected."""


def _visit_key(v: Visit) -> tuple[int, int, int, int, int, int, int]:
    start, end = v.window_min
    explicit = 0 if v.window_start_min is None else 1
    call = -1 if v.call_type is None else _CALL_ORDER[v.call_type]
    return (v.day, start, end, explicit, call, v.duration_min, v.carers)


def canonical_visits(visits: Iterable[Visit]) -> tuple[Visit, ...]:
    """The visits in canonical order: by day, start window, end window, then the other fields."""
    return tuple(sorted(visits, key=_visit_key))


def parse_days(text: str) -> tuple[int, ...]:
    """Day indices (0 = Monday) named by ``daily``, ``mon``, ``mon-fri`` or a comma list.

    Raises :class:`VisitsSyntaxError` on an unknown day, a backward range or a repeated day.
    """
    spec = _SPACES_AROUND.sub(r"\1", text.strip().lower())
    if spec == "daily":
        return tuple(range(7))
    days: list[int] = []
    for part in spec.split(","):
        ends = part.split("-")
        if len(ends) > 2 or not all(ends):
            raise VisitsSyntaxError(
                f"days '{text}': expected a day (mon..sun), a range like mon-fri, "
                f"a comma list or 'daily'"
            )
        idx = []
        for name in ends:
            if name not in DAYS:
                raise VisitsSyntaxError(
                    f"days '{text}': unknown day '{name}', expected one of {', '.join(DAYS)}"
                )
            idx.append(DAYS.index(name))
        lo, hi = idx[0], idx[-1]
        if hi < lo:
            raise VisitsSyntaxError(
                f"days '{text}': range '{part}' runs backwards (weeks run mon..sun), "
                f"write it as '{format_days([*range(lo, 7), *range(hi + 1)])}'"
            )
        for d in range(lo, hi + 1):
            if d in days:
                raise VisitsSyntaxError(f"days '{text}': '{DAYS[d]}' is named twice")
            days.append(d)
    return tuple(sorted(days))


def format_days(days: Iterable[int]) -> str:
    """Canonical text for a set of day indices: runs of 3+ days as ranges (``mon-fri,sun``)."""
    ordered = sorted(set(days))
    if not ordered:
        raise ValueError("format_days needs at least one day")
    parts: list[str] = []
    run = [ordered[0]]
    for d in [*ordered[1:], None]:
        if d is not None and d == run[-1] + 1:
            run.append(d)
            continue
        if len(run) >= 3:
            parts.append(f"{DAYS[run[0]]}-{DAYS[run[-1]]}")
        else:
            parts.extend(DAYS[x] for x in run)
        if d is not None:
            run = [d]
    return ",".join(parts)


def _parse_time(text: str, entry: str) -> int:
    m = _TIME_RE.match(text)
    if not m:
        raise VisitsSyntaxError(f"entry '{entry}': time '{text}' is not HH:MM")
    hh, mm = int(m.group(1)), int(m.group(2))
    if mm >= 60 or hh > 24 or (hh == 24 and mm > 0):
        raise VisitsSyntaxError(
            f"entry '{entry}': time '{text}' is not a time of day (00:00-24:00)"
        )
    return hh * 60 + mm


def _fmt_time(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _parse_entry(entry: str) -> list[Visit]:
    tokens = _SPACES_AROUND.sub(r"\1", entry.strip().lower()).split()
    if len(tokens) not in (3, 4):
        raise VisitsSyntaxError(
            f"entry '{entry}': expected 'DAYS SLOT MINUTES' such as 'mon-fri morning 30' or "
            f"'sat 09:00-10:30 45x2', got {len(tokens)} word(s)"
        )
    days = parse_days(tokens[0])
    call_type: CallType | None = None
    window: tuple[int, int] | None = None
    for tok in tokens[1:-1]:
        if ":" in tok:
            if window is not None:
                raise VisitsSyntaxError(f"entry '{entry}': two time windows given")
            ends = tok.split("-")
            if len(ends) != 2:
                raise VisitsSyntaxError(f"entry '{entry}': time window '{tok}' is not HH:MM-HH:MM")
            window = (_parse_time(ends[0], entry), _parse_time(ends[1], entry))
            if window[0] > window[1]:
                raise VisitsSyntaxError(
                    f"entry '{entry}': time window '{tok}' ends before it starts "
                    f"(windows cannot cross midnight)"
                )
        else:
            if call_type is not None or window is not None:
                raise VisitsSyntaxError(
                    f"entry '{entry}': '{tok}' is out of place; write the call type before "
                    f"the time window, once"
                )
            try:
                call_type = CallType(tok)
            except ValueError:
                raise VisitsSyntaxError(
                    f"entry '{entry}': unknown call type '{tok}', expected one of "
                    f"{', '.join(c.value for c in CallType)} or a window HH:MM-HH:MM"
                ) from None
    m = _DURATION_RE.match(tokens[-1])
    if not m:
        raise VisitsSyntaxError(
            f"entry '{entry}': duration '{tokens[-1]}' is not whole minutes such as 30 or 45x2"
        )
    duration, carers = int(m.group(1)), int(m.group(2) or 1)
    if not 5 <= duration <= 1440:
        raise VisitsSyntaxError(f"entry '{entry}': duration must be 5-1440 minutes, got {duration}")
    if carers not in (1, 2):
        raise VisitsSyntaxError(
            f"entry '{entry}': carers must be x1 or x2 (one or two at once), got x{carers}"
        )
    start, end = window if window is not None else (None, None)
    return [Visit(d, call_type, duration, carers, start, end) for d in days]


def parse_visits(text: str) -> tuple[Visit, ...]:
    """Visits of a weekly pattern such as ``mon-fri morning 30; sat 09:00-10:30 45x2``.

    Returns them in canonical order. Raises :class:`VisitsSyntaxError` naming the bad entry.
    Results are cached by text: real tables repeat a few patterns many times.
    """
    return _parse_visits_cached(text)


@functools.lru_cache(maxsize=8192)
def _parse_visits_cached(text: str) -> tuple[Visit, ...]:
    entries = [e for e in text.split(";") if e.strip()]
    if not entries:
        raise VisitsSyntaxError("no visits given: expected entries like 'mon-fri morning 30'")
    visits: list[Visit] = []
    for entry in entries:
        visits.extend(_parse_entry(entry))
    return canonical_visits(visits)


def _slot_text(v: Visit) -> str:
    parts = []
    if v.call_type is not None:
        parts.append(v.call_type.value)
    if v.window_start_min is not None and v.window_end_min is not None:
        parts.append(f"{_fmt_time(v.window_start_min)}-{_fmt_time(v.window_end_min)}")
    return " ".join(parts)


def format_visits(visits: Iterable[Visit]) -> str:
    """Canonical text of a weekly pattern (the inverse of :func:`parse_visits`).

    Calls alike in everything but the day share one entry; entries are ordered by start window.
    """
    return _format_visits_cached(tuple(visits))


@functools.lru_cache(maxsize=8192)
def _format_visits_cached(visits: tuple[Visit, ...]) -> str:
    groups: list[tuple[tuple[int, ...], list[set[int]]]] = []
    index: dict[tuple[int, ...], int] = {}
    for v in canonical_visits(visits):
        key = _visit_key(v)[1:]
        if key not in index:
            index[key] = len(groups)
            groups.append(
                (
                    key,
                    [],
                )
            )
        day_sets = groups[index[key]][1]
        # A repeated identical call on the same day needs a second entry.
        for ds in day_sets:
            if v.day not in ds:
                ds.add(v.day)
                break
        else:
            day_sets.append({v.day})
    if not groups:
        raise ValueError("format_visits needs at least one visit")
    entries: list[tuple[tuple[int, ...], int, str]] = []
    for key, day_sets in groups:
        sample = _sample_visit(key)
        duration = f"{sample.duration_min}" + ("x2" if sample.carers == 2 else "")
        for ds in day_sets:
            text = f"{format_days(ds)} {_slot_text(sample)} {duration}"
            entries.append((key, min(ds), text))
    entries.sort(key=lambda e: (e[0], e[1]))
    return "; ".join(e[2] for e in entries)


def _sample_visit(key: tuple[int, ...]) -> Visit:
    start, end, explicit, call, duration, carers = key
    call_type = None if call < 0 else list(CallType)[call]
    if explicit:
        return Visit(0, call_type, duration, carers, start, end)
    assert call_type is not None and CALL_WINDOWS_MIN[call_type] == (start, end)
    return Visit(0, call_type, duration, carers)
