"""The rounds benchmarks' per-instance rows, per-class tables and RESULT line, computed once.

Shared by ``bench_rounds`` (Solomon / Gehring-Homberger) and ``bench_hhc`` (Mankowska home
care), so both count the same way: every instance is a row; an instance whose solution misses a
visit, breaks a rule the validator checks, or has no solution at all is *infeasible*. Gaps [%]
against best known are averaged over the feasible instances only (``mean_gap_pct``), and the
infeasible ones are counted beside it (``infeasible``), never dropped silently; the mean of the
gaps as returned over every instance (``mean_gap_all_pct``) is printed too, though a solution
that misses visits looks shorter than it is. The peer (PyVRP, run in the same process at the
same time limit) is counted the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["BenchRow", "ClassSummary", "class_table", "result_line", "summarise"]


@dataclass(frozen=True)
class BenchRow:
    """One instance's figures: the product path and (optionally) the peer.

    ``gap_pct`` is the product's gap to best known [%] (NaN without a solution); ``missed``
    and ``violations`` its missed visits and validator violations. ``peer_gap_pct`` is the
    peer's gap [%] (NaN when the peer's best plan is infeasible or there is none; None when no
    peer ran, e.g. where it cannot express the instance). ``vehicles`` / ``bk_vehicles`` are
    routes used and best known's routes (0 where not known).
    """

    instance: str
    group: str
    gap_pct: float
    missed: int = 0
    violations: int = 0
    peer_gap_pct: float | None = None
    vehicles: int = 0
    bk_vehicles: int = 0

    @property
    def feasible(self) -> bool:
        """A solution with every visit served and no violation."""
        return self.missed == 0 and self.violations == 0 and math.isfinite(self.gap_pct)

    @property
    def peer_feasible(self) -> bool | None:
        """Whether the peer found a feasible plan (None: no peer ran)."""
        if self.peer_gap_pct is None:
            return None
        return math.isfinite(self.peer_gap_pct)


@dataclass(frozen=True)
class ClassSummary:
    """Aggregates over a set of rows (one class, or all) [%].

    ``mean_gap_pct`` / ``max_gap_pct`` are over the feasible rows (NaN if none);
    ``mean_gap_all_pct`` is over every row with a solution, gaps as returned. The peer's
    ``peer_mean_gap_pct`` is over its feasible rows; ``peer_infeasible`` counts the rest of the
    rows it ran on; ``peer_rows`` is how many rows it ran on (0: no peer).
    """

    group: str
    instances: int
    infeasible: int
    missed: int
    violations: int
    mean_gap_pct: float
    max_gap_pct: float
    mean_gap_all_pct: float
    vehicles: int
    bk_vehicles: int
    peer_rows: int
    peer_infeasible: int
    peer_mean_gap_pct: float

    @property
    def feasible(self) -> int:
        """Instances with a feasible solution."""
        return self.instances - self.infeasible


def _mean(xs: Sequence[float]) -> float:
    return sum(xs) / len(xs) if xs else math.nan


def summarise(rows: Sequence[BenchRow], group: str = "all") -> ClassSummary:
    """The aggregates of ``rows`` (see :class:`ClassSummary`)."""
    ok = [r.gap_pct for r in rows if r.feasible]
    solved = [r.gap_pct for r in rows if math.isfinite(r.gap_pct)]
    peer = [r for r in rows if r.peer_gap_pct is not None]
    peer_ok = [r.peer_gap_pct for r in peer if r.peer_feasible]
    return ClassSummary(
        group=group,
        instances=len(rows),
        infeasible=sum(not r.feasible for r in rows),
        missed=sum(r.missed for r in rows),
        violations=sum(r.violations for r in rows),
        mean_gap_pct=_mean(ok),
        max_gap_pct=max(ok) if ok else math.nan,
        mean_gap_all_pct=_mean(solved),
        vehicles=sum(r.vehicles for r in rows),
        bk_vehicles=sum(r.bk_vehicles for r in rows),
        peer_rows=len(peer),
        peer_infeasible=len(peer) - len(peer_ok),
        peer_mean_gap_pct=_mean(peer_ok),
    )


def _groups(rows: Sequence[BenchRow], key: Callable[[BenchRow], str]) -> list[str]:
    return sorted({key(r) for r in rows})


def class_table(rows: Sequence[BenchRow], *, peer_name: str = "pyvrp") -> str:
    """Per-class table (one line per group, then "all"), product path and peer side by side."""
    head = (
        f"{'class':6} {'n':>3} {'infeas':>6} {'mean_gap%':>9} {'max_gap%':>8} "
        f"{'all_gap%':>8} {'missed':>6} {'viol':>4} {'veh':>5} {'bk_veh':>6} "
        f"{peer_name + '_gap%':>11} {peer_name + '_inf':>9}"
    )
    lines = [head]
    groups = _groups(rows, lambda r: r.group)
    sums = [summarise([r for r in rows if r.group == g], g) for g in groups]
    sums.append(summarise(rows))
    for s in sums:
        peer_gap = f"{s.peer_mean_gap_pct:>11.2f}" if s.peer_rows else f"{'n/a':>11}"
        peer_inf = f"{s.peer_infeasible:>9}" if s.peer_rows else f"{'n/a':>9}"
        lines.append(
            f"{s.group:6} {s.instances:>3} {s.infeasible:>6} {s.mean_gap_pct:>9.2f} "
            f"{s.max_gap_pct:>8.2f} {s.mean_gap_all_pct:>8.2f} {s.missed:>6} {s.violations:>4} "
            f"{s.vehicles:>5} {s.bk_vehicles:>6} {peer_gap} {peer_inf}"
        )
    return "\n".join(lines)


def result_line(rows: Sequence[BenchRow], **extra: object) -> str:
    """The last line: ``RESULT instances=.. missed=.. violations=.. infeasible=..
    mean_gap_pct=.. pyvrp_mean_gap_pct=..`` and the rest, then ``extra`` keys in order.

    ``mean_gap_pct`` is over the feasible instances (``infeasible`` counts the others);
    ``pyvrp_mean_gap_pct`` over PyVRP's feasible ones ("nan" when no peer ran).
    """
    s = summarise(rows)
    keys: dict[str, object] = {
        "instances": s.instances,
        "missed": s.missed,
        "violations": s.violations,
        "infeasible": s.infeasible,
        "mean_gap_pct": f"{s.mean_gap_pct:.2f}",
        "pyvrp_mean_gap_pct": f"{s.peer_mean_gap_pct:.2f}",
        "mean_gap_all_pct": f"{s.mean_gap_all_pct:.2f}",
        "max_gap_pct": f"{s.max_gap_pct:.2f}",
        "feasible": f"{s.feasible}/{s.instances}",
        "pyvrp_infeasible": s.peer_infeasible if s.peer_rows else "n/a",
    }
    keys.update(extra)
    return "RESULT " + " ".join(f"{k}={v}" for k, v in keys.items())
