"""Mankowska et al. (2014) home health care instances: reader, rounds instance, solution scorer.

Problem (as the benchmark's authors and Kummer et al.'s code state it): each patient needs one
or two services; a carer may only give services it is qualified for; a service starts no earlier
than the patient's window start, and starting after the window end costs tardiness; a
double-service patient gets its two services from two different carers, simultaneously when
``mind = maxd = 0``, otherwise the second (higher-numbered) service starts between ``mind`` and
``maxd`` after the first. Objective = (total travel + total tardiness + maximum tardiness) / 3.

Index trap: the ``DS`` block lists double-service patients 1-based; everything else is 0-based.
Processing times are read for the first carer only (they do not vary by carer in the files, and
the reference code does the same). The solver works in hundredths of a minute, scaled in
:func:`to_hundredths`; travel times round up, so every integer schedule is feasible in the
file's real-valued times, and :func:`evaluate` always rescores with the real values.
"""

from __future__ import annotations

import csv
import itertools
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from optimiser.models.rounds import RoundsInstance, RoundsResult, SyncGroup, Vehicle, Visit

__all__ = [
    "HhcInstance",
    "HhcScore",
    "best_known",
    "evaluate",
    "family_name",
    "read_hhc",
    "read_hhc_solution",
    "routes_from_result",
    "to_hundredths",
    "to_rounds_instance",
]

SCALE = 100
_FAMILIES = {10: "A", 25: "B", 50: "C", 75: "D", 100: "E", 200: "F", 300: "G"}

Route = list[tuple[int, int]]  # (node, service) in visiting order, depot excluded


@dataclass(frozen=True, eq=False)
class HhcInstance:
    """One instance file, 0-based throughout (the ``DS`` block already converted).

    ``proc[i, s]`` is the duration of service s at node i [min]; ``dist`` is the full node x node
    travel matrix [min]; ``e``/``l`` the window of each node [min]; ``mind``/``maxd`` the gap of
    a double-service patient's second service after its first [min].
    """

    name: str
    n_vehicles: int
    req: np.ndarray
    double: frozenset[int]
    qual: np.ndarray
    dist: np.ndarray
    proc: np.ndarray
    mind: np.ndarray
    maxd: np.ndarray
    e: np.ndarray
    l: np.ndarray  # noqa: E741 (the paper's name)

    @property
    def n_nodes(self) -> int:
        """Nodes including both depot copies (0 and n_nodes - 1)."""
        return int(self.dist.shape[0])

    @property
    def patients(self) -> range:
        """Patient nodes (1 .. n_nodes - 2)."""
        return range(1, self.n_nodes - 1)

    def services(self, node: int) -> list[int]:
        """Services a patient needs, lowest first (the first of a pair is served first)."""
        return [int(s) for s in np.flatnonzero(self.req[node])]


def family_name(path: Path | str) -> str:
    """The literature's name of an instance file: ``InstanzCPLEX_HCSRP_10_1.txt`` -> ``A1``."""
    m = re.search(r"_(\d+)_(\d+)\.txt$", str(path))
    if not m or int(m.group(1)) not in _FAMILIES:
        raise ValueError(f"not a Mankowska instance file name: {path}")
    return f"{_FAMILIES[int(m.group(1))]}{int(m.group(2))}"


def read_hhc(path: Path | str) -> HhcInstance:
    """Read one instance file (keyword lines followed by their blocks)."""
    lines = [ln.strip() for ln in Path(path).read_text().splitlines()]
    blocks: dict[str, list[str]] = {}
    key = None
    for ln in lines:
        if not ln:
            continue
        if re.fullmatch(r"[A-Za-z]+", ln):
            key = ln
            blocks[key] = []
        elif key is not None:
            blocks[key].append(ln)

    def nums(k: str) -> np.ndarray:
        return np.array([float(x) for ln in blocks[k] for x in ln.split()])

    n, v, s = (int(nums(k)[0]) for k in ("nbNodes", "nbVehi", "nbServi"))
    p = nums("p").reshape(n, v, s)
    return HhcInstance(
        name=family_name(path),
        n_vehicles=v,
        req=nums("r").reshape(n, s).astype(int),
        double=frozenset(int(x) - 1 for x in nums("DS")),  # DS is 1-based
        qual=nums("a").reshape(v, s).astype(int),
        dist=nums("d").reshape(n, n),
        proc=p[:, 0, :],
        mind=nums("mind"),
        maxd=nums("maxd"),
        e=nums("e"),
        l=nums("l"),
    )


def to_hundredths(value: float, *, round_up: bool = False) -> int:
    """Minutes as solver units (hundredths); ``round_up`` for travel times (keeps feasibility)."""
    x = float(value) * SCALE
    return math.ceil(x - 1e-6) if round_up else round(x)


def to_rounds_instance(hhc: HhcInstance) -> tuple[RoundsInstance, list[tuple[int, int]]]:
    """The instance as a rounds problem, and the (node, service) of each visit index.

    Every service is a visit with a soft window end (tardiness weight 1 per hundredth, the same
    unit as distance), a required skill ``s<k>``, and a large missed penalty. Carers start and
    end at node 0 with no shift limit. Double-service pairs become sync groups.
    """
    n = hhc.n_nodes
    travel = np.vectorize(lambda d: to_hundredths(d, round_up=True), otypes=[np.int64])(hhc.dist)
    distance = np.vectorize(to_hundredths, otypes=[np.int64])(hhc.dist)
    horizon = to_hundredths(
        hhc.l.max() + hhc.proc.sum() + float(np.max(hhc.dist)) * n + float(np.max(hhc.maxd))
    )
    visits: list[Visit] = []
    keys: list[tuple[int, int]] = []
    syncs: list[SyncGroup] = []
    for i in hhc.patients:
        first = len(visits)
        for s in hhc.services(i):
            visits.append(
                Visit(
                    location=i,
                    window_start=to_hundredths(hhc.e[i]),
                    window_end=to_hundredths(hhc.l[i]),
                    duration=to_hundredths(hhc.proc[i, s]),
                    required_skills=frozenset({f"s{s}"}),
                    soft_end=True,
                    tardiness_weight=1,
                    penalty=10**9,
                    label=f"{i}/{s}",
                )
            )
            keys.append((i, s))
        if i in hhc.double:
            syncs.append(
                SyncGroup(first, first + 1, to_hundredths(hhc.mind[i]), to_hundredths(hhc.maxd[i]))
            )
    vehicles = tuple(
        Vehicle(
            start_location=0,
            end_location=0,
            shift_start=0,
            shift_end=horizon,
            skills=frozenset(f"s{s}" for s in np.flatnonzero(hhc.qual[k])),
            label=str(k),
        )
        for k in range(hhc.n_vehicles)
    )
    inst = RoundsInstance(
        visits=tuple(visits),
        vehicles=vehicles,
        travel_time=travel,
        distance=distance,
        syncs=tuple(syncs),
        arc_cost="distance",
        max_tardiness_weight=1,
        name=hhc.name,
    )
    return inst, keys


def routes_from_result(result: RoundsResult, keys: list[tuple[int, int]], n_vehicles: int):
    """Per-carer (node, service) sequences from a rounds result (empty for unused carers)."""
    routes: list[Route] = [[] for _ in range(n_vehicles)]
    for r in result.routes:
        routes[r.vehicle] = [keys[s.visit] for s in r.stops]
    return routes


def read_hhc_solution(path: Path | str) -> tuple[dict[str, float], list[Route]]:
    """A route file of Kummer et al.: its stated header values and per-carer (node, service)."""
    text = Path(path).read_text().splitlines()
    stated: dict[str, float] = {}
    for ln in text:
        if ln.startswith("#"):
            for k, v in re.findall(r"(\w+) = ([-\d.eE+]+)", ln):
                stated[k] = float(v)
    rows = [ln.split() for ln in text if ln.strip() and not ln.startswith("#")]
    routes: list[Route] = []
    j = 0
    while j < len(rows):
        vehicle, length = int(rows[j][0]), int(rows[j][1])
        while len(routes) <= vehicle:
            routes.append([])
        arcs = rows[j + 1 : j + 1 + length]
        routes[vehicle] = [(int(a[1]), int(a[3])) for a in arcs if int(a[1]) != 0]
        j += 1 + length
    return stated, routes


@dataclass(frozen=True)
class HhcScore:
    """A solution scored with the benchmark's real-valued objective [min]."""

    travel: float
    total_tardiness: float
    max_tardiness: float
    violations: tuple[str, ...]

    @property
    def cost(self) -> float:
        """(travel + total tardiness + maximum tardiness) / 3."""
        return (self.travel + self.total_tardiness + self.max_tardiness) / 3.0

    @property
    def feasible(self) -> bool:
        """No hard rule broken."""
        return not self.violations


def evaluate(hhc: HhcInstance, routes: list[Route]) -> HhcScore:
    """Score routes with real values: earliest-start schedule, then travel and tardiness.

    The schedule is the least solution of the difference constraints (route order, window
    starts, double-service gaps), found by repeated relaxation; it minimises every start time
    at once, hence every tardiness, for the given routes. Hard-rule breaches (qualification,
    coverage, same carer for both services, an impossible gap) are listed as violations.
    """
    viol: list[str] = []
    served: dict[tuple[int, int], int] = {}
    for k, route in enumerate(routes):
        for node, s in route:
            if (node, s) in served:
                viol.append(f"service {s} of patient {node} served twice")
            served[(node, s)] = k
            if not hhc.req[node, s]:
                viol.append(f"patient {node} does not need service {s}")
            if not hhc.qual[k, s]:
                viol.append(f"carer {k} is not qualified for service {s}")
    for i in hhc.patients:
        for s in hhc.services(i):
            if (i, s) not in served:
                viol.append(f"service {s} of patient {i} not served")
        if i in hhc.double:
            a, b = hhc.services(i)
            if (i, a) in served and served.get((i, a)) == served.get((i, b)):
                viol.append(f"both services of patient {i} by carer {served[(i, a)]}")
    travel = 0.0
    for route in routes:
        nodes = [0] + [n for n, _ in route] + [0]
        travel += sum(float(hhc.dist[a, b]) for a, b in itertools.pairwise(nodes))
    start = _earliest_schedule(hhc, routes, viol)
    tard = [max(0.0, t - float(hhc.l[node])) for (node, _), t in start.items()]
    return HhcScore(travel, float(sum(tard)), float(max(tard, default=0.0)), tuple(viol))


def _earliest_schedule(
    hhc: HhcInstance, routes: list[Route], viol: list[str]
) -> dict[tuple[int, int], float]:
    """Least start times meeting route order, window starts and double-service gaps."""
    start: dict[tuple[int, int], float] = {}
    for route in routes:
        for node, s in route:
            start[(node, s)] = float(hhc.e[node])
    pairs = []
    for i in hhc.double:
        a, b = hhc.services(i)
        if (i, a) in start and (i, b) in start:
            pairs.append(((i, a), (i, b), float(hhc.mind[i]), float(hhc.maxd[i])))
    for _ in range(4 * len(start) + 10):
        changed = False
        for route in routes:
            prev, leave = 0, 0.0
            for key in route:
                t = max(start[key], leave + float(hhc.dist[prev, key[0]]))
                if t > start[key] + 1e-9:
                    start[key], changed = t, True
                prev, leave = key[0], start[key] + float(hhc.proc[key])
        for ka, kb, lo, hi in pairs:
            if start[kb] < start[ka] + lo - 1e-9:
                start[kb], changed = start[ka] + lo, True
            if start[ka] < start[kb] - hi - 1e-9:
                start[ka], changed = start[kb] - hi, True
        if not changed:
            return start
    viol.append("no schedule meets the double-service gaps (cyclic waiting)")
    return start


def best_known(folder: Path | str) -> dict[str, float]:
    """min(bks.csv, best published BRKGA-MP-IPR run) per instance name."""
    folder = Path(folder)
    best: dict[str, float] = {}
    with (folder / "bks.csv").open() as f:
        for row in csv.DictReader(f):
            best[row["instance"]] = float(row["bks"])
    runs = folder / "brkga_mp_ipr_2021_runs.csv"
    if runs.is_file():
        with runs.open() as f:
            for row in csv.DictReader(f):
                name, cost = row["instance"], float(row["cost"])
                best[name] = min(best.get(name, math.inf), cost)
    return best
