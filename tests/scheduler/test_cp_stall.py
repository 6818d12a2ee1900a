"""CP-SAT stopped once it finds nothing better: scheduler/cp_stall.py."""

from __future__ import annotations

import random

from ortools.sat.python import cp_model

from scheduler.cp_stall import solve_until_stall


def _random_max_sat() -> tuple[cp_model.CpModel, cp_model.IntVar]:
    # As few broken clauses as possible in a dense random 3-SAT: good solutions come in a moment, but the proof
    # that none breaks fewer takes CP-SAT far longer than any of these tests waits.
    rng = random.Random(7)
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{i}") for i in range(150)]
    broken = []
    for _ in range(900):
        literals = [v if rng.random() < 0.5 else ~v for v in rng.sample(x, 3)]
        slack = model.new_bool_var("")
        model.add_bool_or([*literals, slack])
        broken.append(slack)
    total = model.new_int_var(0, len(broken), "broken")
    model.add(total == sum(broken))
    model.minimize(total)
    return model, total


def test_a_search_that_finds_nothing_better_stops_before_its_time_limit():
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 120
    solver.parameters.num_workers = 2
    model, broken = _random_max_sat()
    status, found = solve_until_stall(solver, model, stall_s=0.5)
    assert status == cp_model.FEASIBLE
    assert solver.wall_time < 120  # stopped by the stall, not the limit
    assert found[-1][1] == solver.value(broken)


def test_each_solution_recorded_is_better_than_the_one_before():
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 2
    solver.parameters.num_workers = 1
    _, found = solve_until_stall(solver, _random_max_sat()[0], stall_s=0.5)
    values = [value for _, value in found]
    times = [seconds for seconds, _ in found]
    assert values and values == sorted(values, reverse=True) and len(set(values)) == len(values)
    assert times == sorted(times)


def test_without_a_stall_it_is_a_plain_solve():
    model = cp_model.CpModel()
    x = model.new_int_var(0, 10, "x")
    model.add(x >= 3)
    model.minimize(x)
    solver = cp_model.CpSolver()
    status, found = solve_until_stall(solver, model)
    assert status == cp_model.OPTIMAL and solver.value(x) == 3 and found[-1][1] == 3
