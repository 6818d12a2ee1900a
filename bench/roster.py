"""Roster engine on the demo site: a week for `small` (30 s) and `large` (120 s): under-staffing against its
proven lower bound, objective, hard-rule check, time and memory; `--scale` adds 300 agents × 4 weeks."""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import time

import pandas as pd

from forecasts.forecast import forecast
from scheduler.checker import CheckContext, check_roster
from scheduler.demo_data import generate_demo
from scheduler.roster_model import Problem
from scheduler.roster_search import solve_roster
from scheduler.rules import rules_for_site
from scheduler.staffing import staff


def problem_for(size: str, weeks: int) -> tuple[Problem, object, pd.DataFrame]:
    demo = generate_demo(size)
    last = demo.history["interval_start"].max().date()
    start = last + dt.timedelta(days=7 - last.weekday())
    requirements = staff(forecast(demo.history, demo.site, start, 7 * weeks, events=demo.events).frame, demo.site)
    days = tuple(start + dt.timedelta(days=i) for i in range(7 * weeks))
    problem = Problem(demo.site, rules_for_site(demo.site), tuple(demo.agents), requirements, days,
                      tuple(demo.absences))
    return problem, demo, requirements


def run(size: str, limit: float, weeks: int = 1) -> None:
    started = time.perf_counter()
    problem, demo, requirements = problem_for(size, weeks)
    prepared = time.perf_counter() - started
    solution = solve_roster(problem, time_limit_s=limit, seed=1, workers=2)
    bound = solution.under_lower_bound
    context = CheckContext.build(solution.roster, demo.agents, demo.site, absences=demo.absences,
                                 week_start=problem.days[0], days=len(problem.days))
    violations = check_roster(context)
    hard = [v for v in violations if v.hard]
    required = int(requirements["agents_required"].sum())
    under = solution.under_agent_intervals
    print(f"{size}: {len(demo.agents)} agents, {weeks} week(s) from {problem.days[0]}, {required:,} required "
          f"agent-intervals (forecast and staffing {prepared:.0f} s)")
    print(f"  {solution.status} after {solution.solve_seconds:.0f} s (limit {limit:g} s): under-staffing {under} "
          f"agent-intervals ({under / required:.2%} of required); objective {solution.objective:,.0f}, its bound "
          f"{solution.best_bound:,.0f}")
    print(f"  proven lower bound on under-staffing {bound:,.0f} (column-generation LP, within the time limit); gap "
          f"{under - bound:,.1f} agent-intervals = {(under - bound) / max(under, 1):.1%} of ours, "
          f"{(under - bound) / required:.2%} of required")
    print(f"  largest CP-SAT part {solution.size['variables']:,} variables, {solution.size['constraints']:,} "
          f"constraints; {solution.size['parts_solved']:,} parts, {solution.size['parts_improved']:,} improvements")
    print(f"  checker: {len(hard)} hard-rule violations, {len(violations) - len(hard)} soft findings; "
          f"{len(solution.roster.shifts):,} shifts")
    print(f"  peak memory so far: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small-seconds", type=float, default=30)
    parser.add_argument("--large-seconds", type=float, default=120)
    parser.add_argument("--scale", action="store_true", help="also 300 agents × 4 weeks (xl demo, 10 min)")
    parser.add_argument("--scale-seconds", type=float, default=600)
    args = parser.parse_args()
    run("small", args.small_seconds)
    run("large", args.large_seconds)
    if args.scale:
        run("xl", args.scale_seconds, weeks=4)


if __name__ == "__main__":
    main()
