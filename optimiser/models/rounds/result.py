"""The result of a rounds solve: stops, routes, missed visits, and reading them from OR-Tools.

Reported start times are the earliest the assignment allows, except that each round leaves as
late as it can (the model's finalizer), so waiting before the first call is not counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from optimiser.models.rounds.model import Model
from optimiser.models.rounds.records import RoundsInstance, RoundsSettings

__all__ = [
    "MISSED_REASONS",
    "MissedVisit",
    "RoundsResult",
    "Route",
    "Stop",
    "extract_result",
    "full_cost",
]

#: Why a visit can be missed, in the order they are checked.
MISSED_REASONS: dict[str, str] = {
    "no_qualified_worker": "no care worker has the skills (or is allowed) for this call",
    "window_unreachable": "no qualified worker can reach the call inside its window and shift",
    "sync_impossible": "the two visits of a double-handed call cannot meet their timing rule",
    "sync_needs_two_workers": "a double-handed call needs two different qualified workers",
    "partner_missed": "the other visit of this double-handed call is missed",
    "not_fitted": "no room left in any round (time, shift length or capacity)",
}


@dataclass(frozen=True)
class Stop:
    """One served visit in a route [time units].

    ``arrival`` is when the worker gets there (leaving the previous stop right after its
    service, plus travel); ``wait`` is idle time before ``start`` not spent on a break.
    ``travel_time`` and ``distance`` are of the arc from the previous stop.
    """

    visit: int
    arrival: int
    start: int
    wait: int
    travel_time: int
    distance: int


@dataclass(frozen=True)
class Route:
    """One used vehicle's round: ordered stops plus totals [time units, distance units].

    ``start_time`` / ``end_time`` are when the worker leaves its start and reaches its end;
    ``breaks`` holds the (start, duration) of breaks taken during the round (a break whose
    allowed start range lies after the round ends, or which fits before it starts, is not
    needed); travel and distance include the way home.
    """

    vehicle: int
    stops: tuple[Stop, ...]
    start_time: int
    end_time: int
    travel_time: int
    distance: int
    wait: int
    service_time: int
    breaks: tuple[tuple[int, int], ...] = ()

    @property
    def visits(self) -> tuple[int, ...]:
        """Visit indices in the order served."""
        return tuple(s.visit for s in self.stops)


@dataclass(frozen=True)
class MissedVisit:
    """A visit nobody serves, with a reason key of :data:`MISSED_REASONS`."""

    visit: int
    reason: str

    @property
    def explanation(self) -> str:
        """The reason in plain words."""
        return MISSED_REASONS.get(self.reason, self.reason)


@dataclass(frozen=True)
class RoundsResult:
    """What :func:`solve_rounds` found, with the parameters it ran with.

    ``objective`` is OR-Tools' cost (arc costs + fixed costs + tardiness + weighted maximum
    tardiness + missed penalties);
    ``tardiness`` is the weighted total and ``max_tardiness`` the largest single lateness.
    ``status`` is "solved" or "no_solution". ``warm_start`` records what seeded the search.
    """

    routes: tuple[Route, ...]
    missed: tuple[MissedVisit, ...]
    objective: int
    status: str
    settings: RoundsSettings
    warm_start: str
    wall_s: float
    instance_name: str = ""
    tardiness: int = 0
    max_tardiness: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def vehicles_used(self) -> int:
        """Number of non-empty routes."""
        return len(self.routes)

    @property
    def travel_time(self) -> int:
        """Total travel time [time units]."""
        return sum(r.travel_time for r in self.routes)

    @property
    def distance(self) -> int:
        """Total distance [distance units]."""
        return sum(r.distance for r in self.routes)

    @property
    def service_time(self) -> int:
        """Total contact (service) time [time units]."""
        return sum(r.service_time for r in self.routes)

    @property
    def wait(self) -> int:
        """Total waiting time [time units]."""
        return sum(r.wait for r in self.routes)

    @property
    def travel_min_per_carer_hour(self) -> float:
        """Travel time per carer-hour of contact, time units taken as minutes [min per carer-h].

        Each vehicle is one carer, so a double-handed call counts twice in both the travel and
        the contact time (the basis of providers' returns).
        """
        return self.travel_time / (self.service_time / 60.0) if self.service_time else 0.0

    def summary(self) -> str:
        """A short text summary (the same in the CLI and the UI)."""
        lines = [
            f"rounds {self.instance_name or ''}".rstrip() + f": {self.status}",
            f"  vehicles used {self.vehicles_used}, visits served "
            f"{sum(len(r.stops) for r in self.routes)}, missed {len(self.missed)}",
            f"  travel {self.travel_time}, distance {self.distance}, contact "
            f"{self.service_time}, waiting {self.wait}, tardiness {self.tardiness}",
            f"  objective {self.objective}; time limit {self.settings.time_limit_s} s, "
            f"{self.settings.first_solution_strategy} + "
            f"{self.settings.local_search_metaheuristic}, warm start {self.warm_start}, "
            f"seed {self.settings.seed}, wall {self.wall_s:.1f} s",
        ]
        reasons: dict[str, int] = {}
        for m in self.missed:
            reasons[m.reason] = reasons.get(m.reason, 0) + 1
        lines += [f"  missed ({k}): {n}" for k, n in sorted(reasons.items())]
        return "\n".join(lines)


def full_cost(inst: RoundsInstance, res: RoundsResult) -> tuple[int, int]:
    """(missed visits, arc cost + fixed cost + tardiness + weighted max tardiness) of a result."""
    arcs = res.travel_time if inst.arc_cost == "travel_time" else res.distance
    fixed = sum(inst.vehicles[r.vehicle].fixed_cost for r in res.routes)
    extra = inst.max_tardiness_weight * max(0, res.max_tardiness)
    return len(res.missed), arcs + fixed + res.tardiness + extra


def extract_result(
    m: Model,
    solution,
    pre_missed: dict[int, str],
    settings: RoundsSettings,
    warm: str,
    wall_s: float,
    notes: Sequence[str],
) -> RoundsResult:
    """Read routes, times and missed visits from an OR-Tools assignment."""
    inst, routing, manager, time_dim = m.inst, m.routing, m.manager, m.time
    tt, dd = inst.travel_time, inst.distance
    routes: list[Route] = []
    served: set[int] = set()
    tardiness = max_tardiness = 0
    container = solution.IntervalVarContainer()
    intervals = {
        container.Element(j).Var().Name(): container.Element(j) for j in range(container.Size())
    }
    for k, veh in enumerate(inst.vehicles):
        index = routing.Start(k)
        if routing.IsEnd(solution.Value(routing.NextVar(index))):
            continue
        start_time = solution.Min(time_dim.CumulVar(index))
        breaks: list[tuple[int, int]] = []
        end_time = solution.Min(time_dim.CumulVar(routing.End(k)))
        for iv in m.breaks.get(k, []):
            b = intervals.get(iv.Name())
            # A break wholly before the round starts or after it ends is not needed that day.
            if b is not None and b.PerformedValue():
                b_start, b_dur = b.StartValue(), b.DurationValue()
                if b_start >= start_time and b_start + b_dur <= end_time:
                    breaks.append((b_start, b_dur))
        breaks.sort()
        stops: list[Stop] = []
        prev_loc, prev_depart = veh.start_location, start_time
        travel = dist = wait = service = 0
        index = solution.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            i = m.active_visits[node]
            v = inst.visits[i]
            start = solution.Min(time_dim.CumulVar(index))
            t_arc, d_arc = int(tt[prev_loc, v.location]), int(dd[prev_loc, v.location])
            arrival = prev_depart + t_arc
            in_gap = sum(d for s, d in breaks if prev_depart <= s < start)
            w = max(0, start - arrival - in_gap)
            stops.append(Stop(i, arrival, start, w, t_arc, d_arc))
            if v.soft_end:
                tardiness += v.tardiness_weight * max(0, start - v.window_end)
                max_tardiness = max(max_tardiness, start - v.window_end)
            served.add(i)
            travel, dist, wait, service = (
                travel + t_arc,
                dist + d_arc,
                wait + w,
                service + v.duration,
            )
            prev_loc, prev_depart = v.location, start + v.duration
            index = solution.Value(routing.NextVar(index))
        travel += int(tt[prev_loc, veh.end_location])
        dist += int(dd[prev_loc, veh.end_location])
        routes.append(
            Route(k, tuple(stops), start_time, end_time, travel, dist, wait, service, tuple(breaks))
        )
    missed = [MissedVisit(i, r) for i, r in sorted(pre_missed.items())]
    missed += [MissedVisit(i, "not_fitted") for i in m.active_visits if i not in served]
    missed.sort(key=lambda x: x.visit)
    return RoundsResult(
        routes=tuple(routes),
        missed=tuple(missed),
        objective=int(solution.ObjectiveValue()),
        status="solved",
        settings=settings,
        warm_start=warm,
        wall_s=wall_s,
        instance_name=inst.name,
        tardiness=tardiness,
        max_tardiness=max_tardiness,
        notes=tuple(notes),
    )
