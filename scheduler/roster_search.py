"""Solving a roster problem: the entry point that callers use (time limit, progress, cancellation, seed)."""

from __future__ import annotations

from collections.abc import Callable

from scheduler.roster_model import Problem, Progress, RosterModel, Solution


def solve_roster(problem: Problem, time_limit_s: float = 60.0, seed: int = 0, workers: int = 8,
                 progress: Callable[[Progress], None] | None = None,
                 should_stop: Callable[[], bool] | None = None) -> Solution:
    """Solve with contract hours as a hard rule; if that finds no roster in 60 % of the time (a large site, or
    contracts that cannot all be met), solve again with them as a heavy penalty, so a roster always comes back
    with the shortfall explained."""
    strict = RosterModel(problem).solve(time_limit_s * 0.6, workers, seed, progress, should_stop)
    if strict.objective is not None or (should_stop and should_stop()):
        return strict
    relaxed = RosterModel(problem, strict_contracts=False).solve(time_limit_s * 0.4, workers, seed, progress,
                                                                 should_stop)
    note = (f"contract hours could not all be met as a hard rule ({strict.status.lower()} after "
            f"{strict.solve_seconds:.0f} s); solved with them as a penalty")
    return Solution(relaxed.status, relaxed.roster, relaxed.objective, relaxed.best_bound, relaxed.gap,
                    strict.solve_seconds + relaxed.solve_seconds, relaxed.under_agent_intervals,
                    (*relaxed.explanation, note), relaxed.size)
