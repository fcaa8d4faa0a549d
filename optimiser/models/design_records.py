"""Zone design records: the integer-ready instance, the rules, the budget and the design found."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

#: Travel is handed to the solvers in tenths of a minute (integers at the solver seam).
TRAVEL_SCALE = 10
#: Objective weights are handed to the solvers in hundredths.
WEIGHT_SCALE = 100


def _frozen(arr: np.ndarray, dtype: type) -> np.ndarray:
    out = np.array(arr, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class DesignInstance:
    """The units (small areas) of an area, their demand, adjacency and road travel.

    Per unit ``u`` (length N): ``unit_ids``, ``demand_min`` [carer min/week: double-handed
    calls twice, the carers' travel estimate included]. ``unit_min`` (N x N) [min] is road
    travel between the units' representative points, ``office_min`` (P x N) [min] from each
    provider's office to each unit (NaN: unreachable). ``capacity_min`` (P) [carer min/week].
    ``arcs`` (E x 2, u < v) are the contiguity neighbours: units sharing a boundary that the
    roads also join (see ``optimiser.service.design``).
    """

    unit_ids: tuple[str, ...]
    demand_min: np.ndarray
    unit_min: np.ndarray
    provider_ids: tuple[str, ...]
    office_min: np.ndarray
    capacity_min: np.ndarray
    arcs: np.ndarray

    def __post_init__(self) -> None:
        n, p = len(self.unit_ids), len(self.provider_ids)
        object.__setattr__(self, "demand_min", _frozen(self.demand_min, np.int64))
        object.__setattr__(self, "unit_min", _frozen(self.unit_min, np.float64))
        object.__setattr__(self, "office_min", _frozen(self.office_min, np.float64))
        object.__setattr__(self, "capacity_min", _frozen(self.capacity_min, np.int64))
        arcs = np.asarray(self.arcs, dtype=np.int64).reshape(-1, 2)
        arcs = np.unique(np.sort(arcs, axis=1), axis=0)
        object.__setattr__(self, "arcs", _frozen(arcs[arcs[:, 0] != arcs[:, 1]], np.int64))
        checks = [
            (self.demand_min.shape == (n,), "demand_min", f"({n},)"),
            (self.unit_min.shape == (n, n), "unit_min", f"({n}, {n})"),
            (self.office_min.shape == (p, n), "office_min", f"({p}, {n})"),
            (self.capacity_min.shape == (p,), "capacity_min", f"({p},)"),
        ]
        for ok, name, shape in checks:
            if not ok:
                raise ValueError(f"DesignInstance: field {name!r} must have shape {shape}")
        if (self.demand_min < 0).any():
            raise ValueError("DesignInstance: field 'demand_min' must be >= 0")
        if len(self.arcs) and (self.arcs.min() < 0 or self.arcs.max() >= n):
            raise ValueError("DesignInstance: field 'arcs' names a unit outside 0..N-1")

    @property
    def n_units(self) -> int:
        return len(self.unit_ids)

    @property
    def n_providers(self) -> int:
        return len(self.provider_ids)

    def neighbours(self) -> list[list[int]]:
        """Contiguity neighbours of every unit (both directions of each arc)."""
        out: list[list[int]] = [[] for _ in range(self.n_units)]
        for u, v in self.arcs.tolist():
            out[u].append(v)
            out[v].append(u)
        return out

    def unit_travel_int(self) -> np.ndarray:
        """Unit-to-unit travel [0.1 min], symmetric (the mean of both ways), unreachable large."""
        t = np.where(np.isfinite(self.unit_min), self.unit_min, np.nan)
        t = np.nanmean(np.stack([t, t.T]), axis=0)
        big = np.nanmax(t) * 4 if np.isfinite(t).any() else 1.0
        t = np.where(np.isfinite(t), t, big)
        np.fill_diagonal(t, 0.0)
        return np.rint(t * TRAVEL_SCALE).astype(np.int64)

    def office_travel_int(self) -> np.ndarray:
        """Office-to-unit travel [0.1 min]; unreachable pairs large (a lead there never pays)."""
        t = self.office_min
        big = np.nanmax(t) * 4 if np.isfinite(t).any() else 1.0
        t = np.where(np.isfinite(t), t, big)
        return np.rint(t * TRAVEL_SCALE).astype(np.int64)


@dataclass(frozen=True)
class DesignRules:
    """What a design must satisfy and what it minimises.

    ``n_zones`` zones, each with 1 to ``max_leads`` lead providers. ``headroom_pct`` [%] of the
    leads' capacity is kept free (negative: zones are planned above the leads' capacity, the
    tier-2 fallback taking the rest). ``min_volume_h`` [carer-h/week] is the least demand of a
    zone. ``lead_weight`` and ``spread_weight`` weight the two travel terms of the objective.
    ``together`` lists groups of unit ids that share a zone (a town; a ward); ``pinned`` maps
    a unit id to a zone label: units with one label share a zone, different labels differ.
    ``rural_spread_min`` [min]: a zone whose demand-weighted travel to its centre unit is at
    least this is flagged rural.
    """

    n_zones: int
    max_leads: int = 2
    headroom_pct: float = -10.0
    min_volume_h: float = 150.0
    lead_weight: float = 1.0
    spread_weight: float = 1.0
    together: tuple[tuple[str, ...], ...] = ()
    pinned: Mapping[str, str] = field(default_factory=dict)
    rural_spread_min: float = 6.0

    def __post_init__(self) -> None:
        problems = []
        if self.n_zones < 1:
            problems.append(f"field 'n_zones' must be >= 1, got {self.n_zones}")
        if self.max_leads not in (1, 2):
            problems.append(f"field 'max_leads' must be 1 or 2, got {self.max_leads}")
        if not -100.0 < self.headroom_pct < 100.0:
            problems.append(f"field 'headroom_pct' must be in (-100, 100), got {self.headroom_pct}")
        if self.min_volume_h < 0:
            problems.append(f"field 'min_volume_h' must be >= 0, got {self.min_volume_h}")
        if self.lead_weight < 0 or self.spread_weight < 0:
            problems.append("fields 'lead_weight', 'spread_weight' must be >= 0")
        if problems:
            raise ValueError("DesignRules: " + "; ".join(problems))

    def usable_capacity_min(self, capacity_min: np.ndarray) -> np.ndarray:
        """Capacity a provider's zones may plan on [carer min/week], after the headroom."""
        return np.floor(np.asarray(capacity_min) * (1.0 - self.headroom_pct / 100.0)).astype(
            np.int64
        )

    def groups(self, unit_ids: tuple[str, ...]) -> list[list[int]]:
        """Units that must share a zone (keep-together groups and pinned labels), by index."""
        index = {u: i for i, u in enumerate(unit_ids)}
        out = [[index[u] for u in g if u in index] for g in self.together]
        labels: dict[str, list[int]] = {}
        for u, label in self.pinned.items():
            if u in index:
                labels.setdefault(str(label), []).append(index[u])
        return [g for g in out + list(labels.values()) if len(g) > 1]

    def pinned_apart(self, unit_ids: tuple[str, ...]) -> list[int]:
        """One unit index per pinned label: these units must all be in different zones."""
        index = {u: i for i, u in enumerate(unit_ids)}
        first: dict[str, int] = {}
        for u, label in self.pinned.items():
            if u in index:
                first.setdefault(str(label), index[u])
        return list(first.values())


@dataclass(frozen=True)
class DesignSettings:
    """The design's budget, always recorded with it.

    ``method``: "exact" (a HiGHS MIP), "heuristic" (local search with a lower bound) or "auto"
    (exact up to ``max_exact_units`` units). ``exact_model``: "units" (the default: unit-to-centre
    assignments with flow contiguity; Rutland K = 6, 7, 8 proven in 21-55 s, K = 4 and 5 not
    within the budget) or "columns" (every feasible zone enumerated with its lead sets, the unit
    model where an area has too many feasible zones; Rutland K = 4 to 8 all proven, but K = 5
    in about 4 CPU-min, K = 8 in 56 CPU-s, and 1.7-2.5 GB of memory for the 1.92 million zones).
    ``node_limit`` is the exact method's deterministic budget (HiGHS branch-and-bound nodes per MIP:
    single-threaded HiGHS repeats exactly within it, whatever the machine's load); ``time_limit_s``
    [s] is a safety cap for both methods, and a design it ends says so in its notes;
    ``max_deterministic_time`` and ``workers`` are recorded for a CP-SAT model (not used by HiGHS,
    which is single-threaded); ``search_moves`` is the heuristic's deterministic budget (move
    evaluations); ``seed`` seeds it.
    """

    method: str = "auto"
    exact_model: str = "units"
    time_limit_s: float = 300.0
    node_limit: int = 200
    max_deterministic_time: float = 60.0
    workers: int = 1
    seed: int = 7
    search_moves: int = 200_000
    max_exact_units: int = 60

    def __post_init__(self) -> None:
        if self.exact_model not in ("units", "columns"):
            raise ValueError(
                f"DesignSettings: field 'exact_model' must be units or columns, "
                f"got {self.exact_model!r}"
            )
        if self.method not in ("auto", "exact", "heuristic"):
            raise ValueError(
                f"DesignSettings: field 'method' must be auto, exact or heuristic, "
                f"got {self.method!r}"
            )
        if (
            self.time_limit_s <= 0
            or self.workers < 1
            or self.search_moves < 0
            or self.node_limit < 1
        ):
            raise ValueError(
                "DesignSettings: 'time_limit_s' must be > 0, 'workers' >= 1, 'search_moves' >= 0,"
                " 'node_limit' >= 1"
            )


@dataclass(frozen=True, eq=False)
class ZoneDesign:
    """A design: the zone of every unit, each zone's centre and leads, and how it was found.

    ``zone_of`` (N) zone index per unit (0..K-1); ``centre`` (K) the centre unit of each zone;
    ``leads`` the provider indices leading each zone; ``flow_min`` (N x P) [carer min/week]
    how much of each unit's demand each lead serves. ``objective_min`` [min] is the weighted
    demand-weighted mean travel: ``lead_weight`` x travel to the serving lead's office plus
    ``spread_weight`` x travel to the zone's centre unit, per carer-minute of demand;
    ``lead_min`` and ``spread_min`` are the two terms (unweighted means). ``bound_min`` is a
    proven lower bound on ``objective_min`` and ``gap`` their relative difference. ``rural``
    flags zones (see ``DesignRules.rural_spread_min``). ``nodes``: the exact method's
    branch-and-bound nodes.
    """

    zone_of: np.ndarray
    centre: np.ndarray
    leads: tuple[tuple[int, ...], ...]
    flow_min: np.ndarray
    objective_min: float
    lead_min: float
    spread_min: float
    bound_min: float
    gap: float
    status: str
    method: str
    wall_s: float
    settings: DesignSettings
    rules: DesignRules
    rural: tuple[bool, ...]
    notes: tuple[str, ...] = ()
    #: branch-and-bound nodes the exact method used (0 for the heuristic)
    nodes: int = 0

    @property
    def n_zones(self) -> int:
        return len(self.centre)

    def summary(self) -> str:
        """A few text lines: method, status, objective, bound and gap, budget."""
        s = self.settings
        lines = [
            f"zone design ({self.method}): {self.status}, {self.n_zones} zones, "
            f"{self.wall_s:.1f} s",
            f"  objective {self.objective_min:.3f} min per carer-minute (lead "
            f"{self.lead_min:.3f}, spread {self.spread_min:.3f}); bound {self.bound_min:.3f}; "
            f"gap {100 * self.gap:.2f}%" + (f"; {self.nodes} nodes" if self.nodes else ""),
            f"  settings: node_limit={s.node_limit} time_limit_s={s.time_limit_s} "
            f"max_deterministic_time="
            f"{s.max_deterministic_time} workers={s.workers} seed={s.seed} "
            f"search_moves={s.search_moves}",
        ]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)
