"""Roster engine on the demo site: a week for `small` (30 s) and `large` (120 s): objective, bound, gap,
under-staffing against its LP lower bound, hard-rule check, time and memory."""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import time

from forecasts.forecast import forecast
from scheduler.checker import CheckContext, check_roster
from scheduler.demo_data import generate_demo
from scheduler.roster_bound import under_staffing_lower_bound
from scheduler.roster_model import Problem, RosterModel
from scheduler.roster_search import solve_roster
from scheduler.rules import rules_for_site
from scheduler.staffing import staff


def run(size: str, limit: float) -> None:
    demo = generate_demo(size)
    last = demo.history["interval_start"].max().date()
    start = last + dt.timedelta(days=7 - last.weekday())
    requirements = staff(forecast(demo.history, demo.site, start, 7, events=demo.events).frame, demo.site)
    days = tuple(start + dt.timedelta(days=i) for i in range(7))
    started = time.perf_counter()
    model = RosterModel(Problem(demo.site, rules_for_site(demo.site), tuple(demo.agents), requirements, days,
                                tuple(demo.absences)))
    built = time.perf_counter() - started
    bound = under_staffing_lower_bound(model)
    solution = solve_roster(model.p, time_limit_s=limit, seed=1)
    context = CheckContext.build(solution.roster, demo.agents, demo.site, absences=demo.absences,
                                 week_start=start, days=7)
    if solution.objective is None:
        print(f"{size}: {solution.status} after {solution.solve_seconds:.0f} s: {solution.explanation[0]} "
              f"({solution.size['variables']:,} variables); LP lower bound on under-staffing {bound:,.1f}")
        return
    hard = [v for v in check_roster(context) if v.hard]
    required = int(requirements["agents_required"].sum())
    under = solution.under_agent_intervals
    print(f"{size}: {len(demo.agents)} agents, week of {start}, {required:,} required agent-intervals; model "
          f"{solution.size['variables']:,} variables, {solution.size['constraints']:,} constraints, built in "
          f"{built:.1f} s")
    print(f"  {solution.status} after {solution.solve_seconds:.0f} s: objective {solution.objective:,.0f}, "
          f"CP-SAT bound {solution.best_bound:,.0f}, gap {solution.gap:.1%}")
    print(f"  under-staffing {under} agent-intervals ({under / required:.1%} of required); LP lower bound "
          f"{bound:,.1f}; excess over the bound {(under - bound) / max(bound, 1):.0%}")
    print(f"  hard-rule violations found by the checker: {len(hard)}")
    print(f"  peak memory so far: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small-seconds", type=float, default=30)
    parser.add_argument("--large-seconds", type=float, default=120)
    args = parser.parse_args()
    run("small", args.small_seconds)
    run("large", args.large_seconds)


if __name__ == "__main__":
    main()
