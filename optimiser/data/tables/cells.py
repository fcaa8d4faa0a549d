"""Cell values as text: blanks, canonical tags and postcodes, quoted values, suggestions."""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Iterable

import pandas as pd

#: First characters that make a spreadsheet read a text cell as a formula (OWASP, "CSV
#: injection"). Writers put a single quote before such text (``writers.safe_text``); readers
#: take that quote off again, so written tables read back exactly.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def normalise_token(text: str) -> str:
    """A need, skill or similar tag in canonical form: lower case, words joined by ``_``."""
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def normalise_postcode(text: str) -> str:
    """A postcode as a lookup key: upper case, no spaces (``le15 6ab`` -> ``LE156AB``)."""
    return re.sub(r"\s+", "", text).upper()


#: Characters that print as nothing (zero-width space, joiners, word joiner, byte-order mark,
#: soft hyphen): an id pasted from a web page or an e-mail often carries one.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")


def normalise_id(text: str) -> str:
    """An id as compared: Unicode NFKC form (full-width digits, no-break spaces and other
    look-alikes become their plain form), invisible characters removed, runs of spaces one
    space, trimmed. Two ids that print the same compare equal."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    return re.sub(r"\s+", " ", text).strip()


def norm_col(name: object) -> str:
    """A column name as matched: lower case, spaces and hyphens read as ``_``."""
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known name most like ``name``, if any is close enough."""
    hits = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return hits[0] if hits else None


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest known name, or an empty string."""
    hit = closest(name, known)
    return f" (did you mean '{hit}'?)" if hit else ""


def is_missing(value: object) -> bool:
    """True for a blank cell: None, NaN, NA/NaT or text that is only spaces."""
    if type(value) is str:  # the common case first (every CSV cell)
        return not value.strip()
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, str) and not value.strip()


def shown(value: object) -> str:
    """A cell value as quoted in a message (text in quotes, cut to 60 characters)."""
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def as_text(value: object) -> str:
    """Cell value as text; integral floats (Excel numbers) lose their ``.0``; the quote a
    writer puts before formula-like text (``'=x``) is taken off (``=x``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if text[:1] == "'" and text[1:2] and text[1] in FORMULA_STARTS:
        return text[1:].strip()
    return text
