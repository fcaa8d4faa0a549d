"""The project's exception hierarchy: the geodata base classes plus the optimiser's own."""

from __future__ import annotations

from geodata.errors import HomecareError, InputError, Problem

__all__ = [
    "ConfigError",
    "HomecareError",
    "InfeasibleError",
    "InputError",
    "OutputError",
    "Problem",
    "SolverError",
]


class ConfigError(InputError):
    """A scenario or settings file that cannot be used as written."""


class InfeasibleError(HomecareError):
    """The model, as stated, has no solution (for example no capacity at all)."""


class SolverError(HomecareError):
    """A solver failed for a reason other than infeasibility (time-out without a solution...)."""


class OutputError(HomecareError):
    """An output cannot be written without destroying something (a user's file or folder)."""
