"""The base of the project's one exception hierarchy (lowest layer, so geodata can raise it too)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as the input allows.

    ``row`` is the 1-based data row as a spreadsheet user sees it (header excluded) or
    ``None`` when the problem is about the whole file or a whole column.
    """

    source: str
    row: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.source
        if self.row is not None:
            where += f", row {self.row}"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"


class HomecareError(Exception):
    """Base class for every error this project raises on purpose."""


class InputError(HomecareError):
    """Bad input: carries every problem found, so a user can fix them all in one go."""

    def __init__(self, problems: list[Problem] | Problem | str, source: str = "input") -> None:
        if isinstance(problems, str):
            problems = [Problem(source, None, None, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        lines = [str(p) for p in self.problems]
        head = f"{len(lines)} problem(s) found" if len(lines) > 1 else "1 problem found"
        super().__init__(head + ":\n  " + "\n  ".join(lines))
