"""Rostering a big site by parts: 2,000 agents in 10 teams for a week (scheduler/big_site.py), one part per team
in worker processes, coordinated on the shared queues over a few rounds, then the whole roster checked: rounds,
wall time, peak memory, coverage gap before and after coordination, and hard-rule violations (must be 0)."""

from __future__ import annotations

import argparse
import resource
import time

from scheduler.big_site import big_site
from scheduler.decompose import GROUP_KEYS, solve_decomposed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, default=2000)
    parser.add_argument("--teams", type=int, default=10)
    parser.add_argument("--time-limit", type=float, default=240, help="seconds for the solve (the check comes on top)")
    parser.add_argument("--workers", type=int, default=2, help="parts solved at once (worker processes)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--group", default="team", choices=list(GROUP_KEYS))
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    started = time.perf_counter()
    problem = big_site(args.agents, args.teams, seed=args.seed)
    built = time.perf_counter() - started
    result = solve_decomposed(problem, time_limit_s=args.time_limit, rounds=args.rounds, group=args.group,
                              workers=args.workers, seed=args.seed)
    wall = time.perf_counter() - started
    required = result.required_agent_intervals
    print(f"big site: {len(problem.agents):,} agents in {args.teams} teams, {len(problem.days)} days from "
          f"{problem.days[0]}, {required:,} required agent-intervals on {problem.requirements['queue'].nunique()} "
          f"queues (built in {built:.1f} s)")
    print(f"  {len(result.groups)} parts by {args.group} on {args.workers} worker processes, {result.rounds} of "
          f"{args.rounds} rounds, time limit {args.time_limit:g} s")
    for figures in result.history:
        print(f"  round {figures.round}: under-staffed {figures.under_agent_intervals:,} agent-intervals "
              f"({figures.under_agent_intervals / required:.2%}), over {figures.over_agent_intervals:,}, objective "
              f"{figures.objective:,.0f}, {figures.groups_kept} parts kept, at {figures.seconds:.0f} s")
    print(f"  coverage gap: {result.under_before:,} agent-intervals after round 1 "
          f"({result.under_before / required:.2%}), {result.under_after:,} after coordination "
          f"({result.under_after / required:.2%})")
    hard = result.hard_violations
    print(f"  checker on all {len(problem.agents):,} agents together ({result.check_seconds:.1f} s): "
          f"{len(hard)} hard-rule violations, {len(result.violations) - len(hard)} soft findings; "
          f"{len(result.roster.shifts):,} shifts")
    for violation in hard[:5]:
        print(f"    {violation.rule}: {violation.message}")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"  wall time {wall:.0f} s (solve and check {result.seconds:.0f} s); peak memory {own:,.0f} MiB in this "
          f"process, {child:,.0f} MiB in the largest worker")


if __name__ == "__main__":
    main()  # the guard matters: spawned workers import this module
