"""CP-SAT that gives up once it has found nothing better for a while: for searches from a good hint, where most
calls find nothing and a time limit alone spends all of it (instance 8 of Curtois–Qu: the integer programme over a
set of employees' columns used its whole 4 s in every set, and in most found nothing better than its hint)."""

from __future__ import annotations

import math
import threading
import time

from ortools.sat.python import cp_model


class _Improvements(cp_model.CpSolverSolutionCallback):
    """When the last better solution came, and every one as (seconds since the start, objective)."""

    def __init__(self, started: float):
        super().__init__()
        self.last = started
        self.started = started
        self.found: list[tuple[float, float]] = []

    def on_solution_callback(self) -> None:
        now = time.perf_counter()
        value = self.objective_value
        if not self.found or value < self.found[-1][1]:
            self.last = now
            self.found.append((now - self.started, value))


def solve_until_stall(solver: cp_model.CpSolver, model: cp_model.CpModel,
                      stall_s: float = math.inf) -> tuple[int, list[tuple[float, float]]]:
    """The solver's status, and each better solution it found as (seconds, objective); it stops at its own time
    limit or once `stall_s` has passed since the start or the last better solution, whichever comes first."""
    improvements = _Improvements(time.perf_counter())
    done = threading.Event()

    def watch() -> None:
        while not done.wait(min(0.05, stall_s / 10)):
            if time.perf_counter() - improvements.last >= stall_s:
                solver.stop_search()
                return

    watcher = threading.Thread(target=watch, daemon=True) if stall_s < math.inf else None
    if watcher is not None:
        watcher.start()
    try:
        status = solver.solve(model, improvements)
    finally:
        done.set()
        if watcher is not None:
            watcher.join()
    return status, improvements.found
