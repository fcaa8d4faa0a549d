"""The ``[rounds]`` options of a scenario (shifts, fleet sizing, routing budget), checked.

A record of the data layer, like ``SolverSettings`` for the assignment, so that the config
reader can check a ``[rounds]`` table (unknown keys with the closest known name, bad values)
before anything is solved. The routing model (``optimiser.models.rounds``) turns these options
into its own settings; the strategy names below are OR-Tools' enum names (ortools 9.15, the
pinned version), listed here because only the routing model may import OR-Tools routing; a test
checks them against the enums.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from optimiser.errors import ConfigError, Problem

__all__ = [
    "DEFAULT_SHIFTS",
    "FIRST_SOLUTION_STRATEGIES",
    "LOCAL_SEARCH_METAHEURISTICS",
    "RoundsOptions",
    "ShiftPattern",
    "rounds_options_problems",
]

#: ``routing_enums_pb2.FirstSolutionStrategy`` names (ortools 9.15).
FIRST_SOLUTION_STRATEGIES: tuple[str, ...] = (
    "UNSET",
    "AUTOMATIC",
    "PATH_CHEAPEST_ARC",
    "PATH_MOST_CONSTRAINED_ARC",
    "EVALUATOR_STRATEGY",
    "SAVINGS",
    "PARALLEL_SAVINGS",
    "SWEEP",
    "CHRISTOFIDES",
    "ALL_UNPERFORMED",
    "BEST_INSERTION",
    "PARALLEL_CHEAPEST_INSERTION",
    "SEQUENTIAL_CHEAPEST_INSERTION",
    "LOCAL_CHEAPEST_INSERTION",
    "LOCAL_CHEAPEST_COST_INSERTION",
    "GLOBAL_CHEAPEST_ARC",
    "LOCAL_CHEAPEST_ARC",
    "FIRST_UNBOUND_MIN_VALUE",
)

#: ``routing_enums_pb2.LocalSearchMetaheuristic`` names (ortools 9.15).
LOCAL_SEARCH_METAHEURISTICS: tuple[str, ...] = (
    "UNSET",
    "AUTOMATIC",
    "GREEDY_DESCENT",
    "GUIDED_LOCAL_SEARCH",
    "SIMULATED_ANNEALING",
    "TABU_SEARCH",
    "GENERIC_TABU_SEARCH",
)


@dataclass(frozen=True)
class ShiftPattern:
    """One kind of care-worker shift [minutes after midnight] with its break.

    ``max_shift_min`` limits a round's span; the break of ``break_min`` minutes starts inside
    [``break_earliest``, ``break_latest``] (Working Time Regulations: 20 minutes when a shift is
    over six hours).
    """

    name: str
    start: int
    end: int
    max_shift_min: int
    break_min: int = 20
    break_earliest: int | None = None
    break_latest: int | None = None


#: Default shifts: a morning shift covering morning and lunch calls and an evening shift for
#: tea and bed calls (assumption: the split most homecare rotas use).
DEFAULT_SHIFTS: tuple[ShiftPattern, ...] = (
    ShiftPattern("morning", 7 * 60, 15 * 60 + 30, 8 * 60 + 30, 20, 10 * 60, 12 * 60),
    ShiftPattern("evening", 15 * 60 + 30, 23 * 60 + 30, 8 * 60, 20, 18 * 60 + 30, 19 * 60 + 30),
)

_SOURCE = "[rounds]"


@dataclass(frozen=True)
class RoundsOptions:
    """How rounds are built and solved (from a scenario's ``[rounds]`` table).

    ``time_limit_s`` is the budget per provider-day [s] (1.5: on 14 provider-days of the 3 x 3
    county, 46-196 calls, total cost 18,768 at 2.0 s, 18,752 at 1.5 s, 18,788 at 1.2 s and
    18,789 at 1.0 s, every call served each time: the starts do the work and the OR-Tools
    polish adds little after a second; 1.5 s keeps room for the starts on a busy machine);
    ``solution_limit`` (tests) makes runs repeatable; ``first_solution_strategy``: see
    ``RoundsSettings`` for why the default;
    ``worker_slack`` multiplies the workers a shift needs by a rough load estimate
    (``travel_allowance_min`` per call) to size the fleet; ``worker_fixed_cost`` [min] is charged
    per worker used, so fewer rounds win ties. ``pyvrp_iterations`` bounds the rounds engine's
    PyVRP stage by iterations, a budget load cannot change (300: about 0.5-1 s on the demo's
    largest provider-days, about 190 calls; the stage's wall-clock cap, 80% of the time left,
    fires under heavy load and is noted); None gives the stage 80% of the time left. Every
    round starts and ends at the provider's office (the inputs hold no carers' homes).
    ``shifts`` cannot be set from a scenario file. Bad values raise
    :class:`~optimiser.errors.ConfigError` naming every key at fault.
    """

    time_limit_s: float = 1.5
    solution_limit: int | None = None
    first_solution_strategy: str = "PARALLEL_CHEAPEST_INSERTION"
    local_search_metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    seed: int = 0
    shifts: tuple[ShiftPattern, ...] = DEFAULT_SHIFTS
    worker_slack: float = 1.4
    travel_allowance_min: float = 10.0
    worker_fixed_cost: int = 30
    pyvrp_iterations: int | None = 300

    def __post_init__(self) -> None:
        problems = _value_problems({f.name: getattr(self, f.name) for f in fields(self)})
        if problems:
            raise ConfigError(problems)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = _SOURCE) -> RoundsOptions:
        """Options from a config's ``[rounds]`` table; raises ConfigError naming every bad key."""
        problems = rounds_options_problems(data, source=source)
        if problems:
            raise ConfigError(problems)
        return cls(**dict(data))


#: Keys a ``[rounds]`` table may hold, with the type each value must have.
_KINDS: dict[str, tuple[type, ...]] = {
    "time_limit_s": (int, float),
    "solution_limit": (int,),
    "first_solution_strategy": (str,),
    "local_search_metaheuristic": (str,),
    "seed": (int,),
    "worker_slack": (int, float),
    "travel_allowance_min": (int, float),
    "worker_fixed_cost": (int,),
    "pyvrp_iterations": (int,),
}


def rounds_options_problems(data: Mapping[str, Any], *, source: str = _SOURCE) -> list[Problem]:
    """Every problem of a ``[rounds]`` table (unknown keys, wrong types, bad values), as
    problems at key ``rounds.<key>``; empty when :meth:`RoundsOptions.from_dict` will succeed."""
    known = tuple(_KINDS)
    problems: list[Problem] = []
    typed: dict[str, Any] = {}
    for key, value in data.items():
        if key not in _KINDS:
            hit = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
            hint = f" (did you mean '{hit[0]}'?)" if hit else ""
            problems.append(
                Problem(
                    source,
                    None,
                    f"rounds.{key}",
                    f"unknown key '{key}'{hint}; known keys: {', '.join(known)}",
                )
            )
        elif isinstance(value, bool) or not isinstance(value, _KINDS[key]):
            kinds = " or ".join(k.__name__ for k in _KINDS[key])
            problems.append(
                Problem(
                    source,
                    None,
                    f"rounds.{key}",
                    f"expected {kinds}, got {type(value).__name__} {value!r}",
                )
            )
        else:
            typed[key] = value
    defaults = {f.name: f.default for f in fields(RoundsOptions)}
    problems += _value_problems({**defaults, **typed}, source=source, only=set(typed))
    return problems


def _value_problems(
    opts: Mapping[str, Any], *, source: str = _SOURCE, only: set[str] | None = None
) -> list[Problem]:
    """Range and name checks of the options' values (``only``: the keys to check)."""
    checks: list[tuple[str, bool, str]] = [
        ("time_limit_s", opts["time_limit_s"] > 0, "must be > 0"),
        (
            "solution_limit",
            opts["solution_limit"] is None or opts["solution_limit"] >= 1,
            "must be >= 1",
        ),
        (
            "first_solution_strategy",
            opts["first_solution_strategy"] in FIRST_SOLUTION_STRATEGIES,
            f"unknown; choose one of {', '.join(FIRST_SOLUTION_STRATEGIES)}",
        ),
        (
            "local_search_metaheuristic",
            opts["local_search_metaheuristic"] in LOCAL_SEARCH_METAHEURISTICS,
            f"unknown; choose one of {', '.join(LOCAL_SEARCH_METAHEURISTICS)}",
        ),
        ("seed", 0 <= opts["seed"] <= 2**31 - 1, "must be from 0 to 2,147,483,647"),
        ("worker_slack", opts["worker_slack"] > 0, "must be > 0"),
        ("travel_allowance_min", opts["travel_allowance_min"] >= 0, "must be >= 0"),
        ("worker_fixed_cost", opts["worker_fixed_cost"] >= 0, "must be >= 0"),
        (
            "pyvrp_iterations",
            opts["pyvrp_iterations"] is None or opts["pyvrp_iterations"] >= 1,
            "must be >= 1",
        ),
    ]
    return [
        Problem(source, None, f"rounds.{key}", f"{message}, got {opts[key]!r}")
        for key, ok, message in checks
        if not ok and (only is None or key in only)
    ]
