"""Carer rounds per provider and day, built from an assignment, as a travel estimator.

For each provider and each day of the week, the calls of the packages it serves become a
routing instance (``optimiser.models.rounds``): care workers are vehicles working a morning or an
evening shift from the office, each call a visit inside its start window for its duration, and a
double-handed call two synchronised visits ([0, 0] gap: both carers at once). The rounds' travel
is then attributed to the packages (each leg to the call it leads to, the way home to the last
call) and aggregated exactly like the fast estimate, so ``homecare run`` can use either: per
carer-hour of contact (each care worker is one vehicle, so a double-handed call is two carers'
travel and two carer-hours of contact).

Matrices: office-to-home and home-to-home door-to-door travel [min] and road distance [km] from
the road network; home-to-office is taken as office-to-home (the network is nearly symmetric;
the kerb-to-door minutes of the home are counted on the way in only): an approximation.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from optimiser.data.domain import DAYS, Package, Provider
from optimiser.data.rounds_options import RoundsOptions, ShiftPattern
from optimiser.errors import SolverError
from optimiser.models.instance import AssignmentInstance
from optimiser.models.rounds import (
    MISSED_REASONS,
    BreakSpec,
    RoundsInstance,
    RoundsResult,
    RoundsSettings,
    SyncGroup,
    Vehicle,
    Visit,
    solve_rounds,
)
from optimiser.models.travel_estimate import TravelFigures, travel_table
from optimiser.parallel import InlineRunner, Runner, Task


def rounds_settings(options: RoundsOptions) -> RoundsSettings:
    """The routing solver's settings for the scenario's rounds options."""
    return RoundsSettings(
        time_limit_s=options.time_limit_s,
        solution_limit=options.solution_limit,
        first_solution_strategy=options.first_solution_strategy,
        local_search_metaheuristic=options.local_search_metaheuristic,
        seed=options.seed,
        pyvrp_iterations=options.pyvrp_iterations,
    )


@dataclass(frozen=True, eq=False)
class ProviderDay:
    """A rounds instance for one provider and day, with the bookkeeping to read it back.

    ``visit_package[v]`` is the package index (in the assignment instance) of visit ``v``;
    ``location_package[l]`` the package index at location ``l`` (-1 for the office).
    """

    provider: int
    day: int
    instance: RoundsInstance
    visit_package: np.ndarray
    location_package: np.ndarray
    vehicle_shift: tuple[str, ...]


def _shift_of(window_start: int, shifts: Sequence[ShiftPattern]) -> int:
    for s, shift in enumerate(shifts):
        if shift.start <= window_start < shift.end:
            return s
    return len(shifts) - 1 if window_start >= shifts[-1].start else 0


def build_provider_day(
    provider_index: int,
    provider: Provider,
    day: int,
    package_indices: Sequence[int],
    packages: Sequence[Package],
    office_min: np.ndarray,
    office_km: np.ndarray,
    home_min: np.ndarray,
    home_km: np.ndarray,
    options: RoundsOptions,
) -> ProviderDay | None:
    """The rounds instance of one provider-day, or None if it has no calls that day.

    ``office_min``/``office_km`` are this provider's office-to-home rows (N,), ``home_*`` the
    (N, N) home-to-home matrices, all indexed by package index; minutes and metres are rounded
    to integers here (the one scaling step).
    """
    calls = [(i, v) for i in package_indices for v in packages[i].visits if v.day == day]
    if not calls:
        return None
    homes = sorted({i for i, _ in calls})
    loc_of = {i: n + 1 for n, i in enumerate(homes)}
    n_loc = len(homes) + 1
    tt = np.zeros((n_loc, n_loc), dtype=np.int64)
    dd = np.zeros((n_loc, n_loc), dtype=np.int64)
    idx = np.asarray(homes, dtype=np.int64)
    tt[0, 1:] = np.rint(np.nan_to_num(office_min[idx], nan=1e4))
    dd[0, 1:] = np.rint(np.nan_to_num(office_km[idx], nan=1e3) * 1000)
    tt[1:, 0] = tt[0, 1:]
    dd[1:, 0] = dd[0, 1:]
    tt[1:, 1:] = np.rint(np.nan_to_num(home_min[np.ix_(idx, idx)], nan=1e4))
    dd[1:, 1:] = np.rint(np.nan_to_num(home_km[np.ix_(idx, idx)], nan=1e3) * 1000)
    np.fill_diagonal(tt, 0)  # two calls at one home: no travel between them
    np.fill_diagonal(dd, 0)

    visits: list[Visit] = []
    visit_package: list[int] = []
    syncs: list[SyncGroup] = []
    # Workers a shift needs: the busiest call window decides (everyone wants 07:00-10:00).
    window_load: dict[tuple[int, int, int], float] = {}
    doubles = [False] * len(options.shifts)
    for i, v in calls:
        start, end = v.window_min
        s = _shift_of(start, options.shifts)
        key = (s, start, end)
        busy = v.carers * (v.duration_min + options.travel_allowance_min)
        window_load[key] = window_load.get(key, 0.0) + busy
        doubles[s] = doubles[s] or v.carers == 2
        first = len(visits)
        for c in range(v.carers):
            visits.append(
                Visit(
                    location=loc_of[i],
                    window_start=start,
                    window_end=end,
                    duration=v.duration_min,
                    required_skills=frozenset(packages[i].needs & provider.skills),
                    label=f"{packages[i].package_id}/{DAYS[day]}/{start}/{c + 1}",
                )
            )
            visit_package.append(i)
        if v.carers == 2:
            syncs.append(SyncGroup(first, first + 1, 0, 0))
    need_per_shift = [0] * len(options.shifts)
    for (s, start, end), busy in window_load.items():
        # A worker can be busy from the window's start to its end plus one call's length.
        span = (end - start) + 45
        need_per_shift[s] = max(need_per_shift[s], math.ceil(options.worker_slack * busy / span))

    vehicles: list[Vehicle] = []
    vehicle_shift: list[str] = []
    available = max(provider.care_workers, 2)
    for s, shift in enumerate(options.shifts):
        if need_per_shift[s] <= 0:
            continue
        need = max(need_per_shift[s] + 1, 2 if doubles[s] else 1)
        for w in range(min(need, available)):
            breaks = ()
            if shift.break_min > 0 and shift.break_earliest is not None:
                breaks = (
                    BreakSpec(
                        shift.break_earliest,
                        shift.break_latest or shift.break_earliest,
                        shift.break_min,
                    ),
                )
            vehicles.append(
                Vehicle(
                    start_location=0,
                    end_location=0,
                    shift_start=shift.start,
                    shift_end=shift.end,
                    max_shift=shift.max_shift_min,
                    skills=frozenset(provider.skills),
                    fixed_cost=options.worker_fixed_cost,
                    breaks=breaks,
                    label=f"{provider.provider_id}/{DAYS[day]}/{shift.name}/{w + 1}",
                )
            )
            vehicle_shift.append(shift.name)
    instance = RoundsInstance(
        visits=tuple(visits),
        vehicles=tuple(vehicles),
        travel_time=tt,
        distance=dd,
        syncs=tuple(syncs),
        arc_cost="travel_time",
        name=f"{provider.provider_id}-{DAYS[day]}",
    )
    location_package = np.array([-1, *homes], dtype=np.int64)
    return ProviderDay(
        provider_index,
        day,
        instance,
        np.asarray(visit_package, dtype=np.int64),
        location_package,
        tuple(vehicle_shift),
    )


@dataclass(frozen=True, eq=False)
class RoundsOutcome:
    """Rounds of a whole assignment: figures in the estimate's format plus per-round tables.

    ``rounds``: one row per round (provider_id, day, worker, shift, calls, start_min, end_min,
    travel_min, travel_km, wait_min, contact_min [this carer's contact min]). ``provider_days``:
    one row per provider and day (workers, calls [carer visits: a double-handed call twice],
    missed_calls, carer_hours [carer-h of contact, double-handed counted twice],
    travel_min_per_carer_hour [min per carer-hour of contact], status). ``missed``: one row per
    missed call with its reason.
    """

    figures: TravelFigures
    rounds: pd.DataFrame
    provider_days: pd.DataFrame
    missed: pd.DataFrame
    solves: int = 0
    wall_s: float = 0.0
    statuses: tuple[str, ...] = field(default_factory=tuple)


#: Home-to-home minutes and km between chosen homes (by package index), for areas too large
#: for dense matrices (see ``geodata.bounded.HomeBlocks``).
HomeBlockFn = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def plan_rounds(
    instance: AssignmentInstance,
    provider_of: np.ndarray,
    packages: Sequence[Package],
    providers: Sequence[Provider],
    office_min: np.ndarray,
    office_km: np.ndarray,
    home_min: np.ndarray,
    home_km: np.ndarray,
    options: RoundsOptions | None = None,
    progress: Callable[[float, str], None] | None = None,
    *,
    runner: Runner | None = None,
    home_blocks: HomeBlockFn | None = None,
) -> RoundsOutcome:
    """Build and solve every provider-day of an assignment and aggregate its travel.

    ``packages`` are in the assignment instance's order; ``providers`` likewise; ``options``
    defaults to ``RoundsOptions()``. ``home_blocks``, when given, replaces indexing the dense
    ``home_min``/``home_km``: it is called once per provider with the homes it serves. The
    provider-days are solved as independent tasks by ``runner`` (``optimiser.parallel``; by
    default inline, one after the other); the figures are the same whichever runs them.
    """
    options = RoundsOptions() if options is None else options
    provider_of = np.asarray(provider_of, dtype=np.int64)
    n = len(packages)
    travel_min = np.zeros(n)
    travel_km = np.zeros(n)
    round_rows: list[dict] = []
    day_rows: list[dict] = []
    missed_rows: list[dict] = []
    statuses: list[str] = []
    days: list[tuple[Provider, ProviderDay]] = []
    for k in range(len(providers)):
        mine = np.flatnonzero(provider_of == k).tolist()
        if not mine:
            continue
        h_min, h_km = home_min, home_km
        if home_blocks is not None:
            h_min, h_km = _scatter_block(home_blocks, np.asarray(mine, dtype=np.int64), n)
        for day in range(7):
            pd_inst = build_provider_day(
                k,
                providers[k],
                day,
                mine,
                packages,
                office_min[k],
                office_km[k],
                h_min,
                h_km,
                options,
            )
            if pd_inst is not None:
                days.append((providers[k], pd_inst))
    # Each provider-day is an independent task of plain data (the routing model is rebuilt
    # inside it); the results are read back in the order above whatever order they finish in,
    # so the figures do not depend on the runner.
    # Largest first (most visits), so that the longest solves start first and the last
    # minutes of a run are not one big provider-day solving alone.
    order = sorted(range(len(days)), key=lambda j: (-len(days[j][1].instance.visits), j))
    tasks = [Task(str(j), solve_provider_day, (days[j][1].instance, options)) for j in order]
    results: dict[str, RoundsResult | SolverError] = {}
    for outcome in (runner or InlineRunner()).run(tasks):
        if not outcome.ok:
            raise SolverError(
                f"rounds of {days[int(outcome.key)][1].instance.name}: {outcome.error}"
            )
        results[outcome.key] = outcome.value
        if progress is not None:
            progress(len(results) / len(tasks), f"rounds {days[int(outcome.key)][1].instance.name}")
    wall = 0.0
    for j, (provider, pd_inst) in enumerate(days):
        result = results[str(j)]
        if isinstance(result, SolverError):
            statuses.append("no_solution")
            reason = f"{NO_ROUNDS_REASON}: {result}"
            _all_missed(pd_inst, provider, packages, reason, day_rows, missed_rows)
            continue
        wall += result.wall_s
        statuses.append(result.status)
        _read_back(
            pd_inst,
            result,
            provider,
            packages,
            travel_min,
            travel_km,
            round_rows,
            day_rows,
            missed_rows,
        )
    figures = travel_table(instance, provider_of, travel_min, travel_km, method="rounds")
    return RoundsOutcome(
        figures=figures,
        rounds=pd.DataFrame(round_rows),
        provider_days=pd.DataFrame(day_rows),
        missed=pd.DataFrame(
            missed_rows, columns=["provider_id", "day", "package_id", "call", "reason"]
        ),
        solves=len(statuses),
        wall_s=wall,
        statuses=tuple(statuses),
    )


def solve_provider_day(
    instance: RoundsInstance, options: RoundsOptions
) -> RoundsResult | SolverError:
    """The rounds of one provider-day, or the solver's error if every retry failed: a task for
    the parallel seam (plain data in, plain data out; the routing model is built inside)."""
    return _solve_with_retries(instance, options)


class _ScatteredBlock:
    """A provider's home-to-home block that indexes like the dense (N, N) matrix for the
    package indices it holds (``build_provider_day`` takes ``[np.ix_(idx, idx)]`` of it)."""

    def __init__(self, block: np.ndarray, where: np.ndarray) -> None:
        self._block = block
        self._where = where  # package index -> row in block (-1: not held)

    def __getitem__(self, key: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        rows, cols = key
        return self._block[np.ix_(self._where[rows.ravel()], self._where[cols.ravel()])]


def _scatter_block(
    home_blocks: HomeBlockFn, mine: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """One provider's homes-to-homes block, wrapped to index by package index."""
    block_min, block_km = home_blocks(mine)
    where = np.full(n, -1, dtype=np.int64)
    where[mine] = np.arange(len(mine))
    return _ScatteredBlock(block_min, where), _ScatteredBlock(block_km, where)  # type: ignore[return-value]


#: Why a provider-day has no rounds; the solver's own message follows it after a colon.
NO_ROUNDS_REASON = "no rounds found within the time limit (even after retrying with 4x the time)"


def _solve_with_retries(
    instance: RoundsInstance, options: RoundsOptions
) -> RoundsResult | SolverError:
    """Solve, doubling the time limit twice if the first search finds no solution at all.

    Returns the result, or the last attempt's solver error (its message names the cause).
    """
    settings = rounds_settings(options)
    error = SolverError(f"rounds instance {instance.name!r} was not solved")
    for factor in (1, 2, 4):
        try:
            return solve_rounds(
                instance,
                dataclasses.replace(settings, time_limit_s=settings.time_limit_s * factor),
            )
        except SolverError as exc:
            error = exc
    return error


def _all_missed(
    pday: ProviderDay,
    provider: Provider,
    packages: Sequence[Package],
    reason: str,
    day_rows: list[dict],
    missed_rows: list[dict],
) -> None:
    """Report every call of a provider-day without rounds as missed, never drop them silently."""
    for v, visit in enumerate(pday.instance.visits):
        missed_rows.append(
            {
                "provider_id": provider.provider_id,
                "day": DAYS[pday.day],
                "package_id": packages[int(pday.visit_package[v])].package_id,
                "call": visit.label,
                "reason": reason,
            }
        )
    day_rows.append(
        {
            "provider_id": provider.provider_id,
            "day": DAYS[pday.day],
            "workers": 0,
            "calls": len(pday.instance.visits),
            "missed_calls": len(pday.instance.visits),
            "carer_hours": 0.0,
            "travel_min_per_carer_hour": None,
            "status": "no_solution",
        }
    )


def _read_back(
    pday: ProviderDay,
    result: RoundsResult,
    provider: Provider,
    packages: Sequence[Package],
    travel_min: np.ndarray,
    travel_km: np.ndarray,
    round_rows: list[dict],
    day_rows: list[dict],
    missed_rows: list[dict],
) -> None:
    """Attribute each route leg to the call it leads to, and tabulate rounds and misses."""
    inst = pday.instance
    day = DAYS[pday.day]
    contact_total = 0
    travel_total = 0
    for route in result.routes:
        stops = route.stops
        if not stops:
            continue
        for stop in stops:
            pkg = int(pday.visit_package[stop.visit])
            travel_min[pkg] += stop.travel_time
            travel_km[pkg] += stop.distance / 1000.0
        last = stops[-1]
        back_loc = inst.visits[last.visit].location
        last_pkg = int(pday.visit_package[last.visit])
        travel_min[last_pkg] += float(inst.travel_time[back_loc, 0])
        travel_km[last_pkg] += float(inst.distance[back_loc, 0]) / 1000.0
        contact = sum(inst.visits[s.visit].duration for s in stops)
        contact_total += contact
        travel_total += route.travel_time
        round_rows.append(
            {
                "provider_id": provider.provider_id,
                "day": day,
                "worker": inst.vehicles[route.vehicle].label,
                "shift": pday.vehicle_shift[route.vehicle],
                "calls": len(stops),
                "order": " > ".join(inst.visits[s.visit].label.split("/")[0] for s in stops),
                "start_min": route.start_time,
                "end_min": route.end_time,
                "travel_min": route.travel_time,
                "travel_km": round(route.distance / 1000.0, 3),
                "wait_min": route.wait,
                "contact_min": contact,
            }
        )
    for miss in result.missed:
        visit = inst.visits[miss.visit]
        missed_rows.append(
            {
                "provider_id": provider.provider_id,
                "day": day,
                "package_id": packages[int(pday.visit_package[miss.visit])].package_id,
                "call": visit.label,
                "reason": MISSED_REASONS.get(miss.reason, miss.reason),
            }
        )
    day_rows.append(
        {
            "provider_id": provider.provider_id,
            "day": day,
            "workers": sum(1 for r in result.routes if r.stops),
            "calls": len(inst.visits),
            "missed_calls": len(result.missed),
            "carer_hours": round(contact_total / 60.0, 2),
            "travel_min_per_carer_hour": round(travel_total / (contact_total / 60.0), 2)
            if contact_total
            else None,
            "status": result.status,
        }
    )
