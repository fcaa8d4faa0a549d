"""Tests for the visits mini-language: examples, every syntax error, and the exact round trip."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimiser.data.domain import CallType, Visit
from optimiser.data.visits_syntax import (
    VisitsSyntaxError,
    canonical_visits,
    format_days,
    format_visits,
    parse_days,
    parse_visits,
)


def test_documented_example_parses() -> None:
    """The docstring example gives the calls it describes, double-handed where it says x2."""
    visits = parse_visits("mon-sun morning 45x2; mon,wed,fri lunch 30; sat 09:00-10:30 60")
    assert len(visits) == 7 + 3 + 1
    mornings = [v for v in visits if v.call_type is CallType.MORNING]
    assert all(v.carers == 2 and v.duration_min == 45 for v in mornings)
    (sat,) = [v for v in visits if v.call_type is None]
    assert (sat.day, sat.window_min, sat.duration_min) == (5, (540, 630), 60)


def test_call_type_with_its_own_window() -> None:
    """'bed 20:00-21:00 30' keeps both the call type and the explicit window."""
    (v,) = parse_visits("sun bed 20:00-21:00 30")
    assert v == Visit(6, CallType.BED, 30, 1, 1200, 1260)
    assert format_visits([v]) == "sun bed 20:00-21:00 30"


def test_spelling_is_forgiving() -> None:
    """Case, spaces around commas and dashes, 'daily' and trailing ';' are all accepted."""
    a = parse_visits("Daily MORNING 30 ; Mon , Wed - Fri  tea 15X2;")
    b = parse_visits("mon-sun morning 30; mon,wed-fri tea 15x2")
    assert a == b


@pytest.mark.parametrize(
    ("days", "text"),
    [
        ((0, 1, 2, 3, 4, 5, 6), "mon-sun"),
        ((0, 1, 2, 4, 5), "mon-wed,fri,sat"),  # runs of two stay as a list
        ((6,), "sun"),
        ((0, 2, 4), "mon,wed,fri"),
    ],
)
def test_days_format_canonically(days: tuple[int, ...], text: str) -> None:
    """Day sets print with ranges for runs of three or more, and parse back."""
    assert format_days(days) == text
    assert parse_days(text) == days


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "no visits given"),
        ("mon morning", "expected 'DAYS SLOT MINUTES'"),
        ("mon morning 30 extra words", "got 5 word(s)"),
        ("fri-mon bed 30", "runs backwards"),
        ("mon,mon bed 30", "'mon' is named twice"),
        ("mun bed 30", "unknown day 'mun'"),
        ("mon brunch 30", "unknown call type 'brunch'"),
        ("mon 10:00-09:00 30", "ends before it starts"),
        ("mon 25:00-26:00 30", "is not a time of day"),
        ("mon 9-10 30", "unknown call type '9-10'"),
        ("mon 09:00 30", "is not HH:MM-HH:MM"),
        ("mon 09:00-10:00 morning 30", "write the call type before the time window"),
        ("mon 09:00-10:00 11:00-12:00 30", "two time windows"),
        ("mon morning half", "is not whole minutes"),
        ("mon morning 3", "must be 5-1440 minutes"),
        ("mon morning 30x3", "carers must be x1 or x2"),
    ],
)
def test_syntax_errors_say_what_was_expected(text: str, fragment: str) -> None:
    """Every malformed pattern raises VisitsSyntaxError with a message naming the defect."""
    with pytest.raises(VisitsSyntaxError) as info:
        parse_visits(text)
    assert fragment in str(info.value)


def test_repeated_identical_calls_survive() -> None:
    """Two identical calls on the same day (a multiset) format as two entries and round-trip."""
    visits = parse_visits("mon lunch 30; mon,tue lunch 30")
    assert len(visits) == 3
    assert parse_visits(format_visits(visits)) == visits


@st.composite
def visit_lists(draw: st.DrawFn) -> list[Visit]:
    """Any valid visits, in any order, with or without call types and explicit windows."""
    out = []
    for _ in range(draw(st.integers(1, 12))):
        call = draw(st.sampled_from([None, *CallType]))
        explicit = call is None or draw(st.booleans())
        start = draw(st.integers(0, 1440)) if explicit else None
        end = draw(st.integers(start, 1440)) if start is not None else None
        out.append(
            Visit(
                day=draw(st.integers(0, 6)),
                call_type=call,
                duration_min=draw(st.integers(5, 1440)),
                carers=draw(st.sampled_from([1, 2])),
                window_start_min=start,
                window_end_min=end,
            )
        )
    return out


@settings(max_examples=200, deadline=None)
@given(visit_lists())
def test_format_then_parse_is_identity(visits: list[Visit]) -> None:
    """parse(format(v)) equals v in canonical order, and format is a fixed point."""
    text = format_visits(visits)
    parsed = parse_visits(text)
    assert parsed == canonical_visits(visits)
    assert format_visits(parsed) == text


@settings(max_examples=100, deadline=None)
@given(visit_lists(), st.randoms())
def test_order_does_not_matter(visits: list[Visit], rnd: object) -> None:
    """A shuffled pattern formats to the same text: the text is canonical."""
    shuffled = list(visits)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert format_visits(shuffled) == format_visits(visits)
