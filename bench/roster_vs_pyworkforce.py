"""Our roster engine against pyworkforce's shift scheduling (MinAbsDifference, MinRequiredResources) on the
large demo's billing week: same requirement, same agent count, same time budget, two workers each."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bench.pyworkforce_install import use_pyworkforce
from forecasts.calendar import open_intervals
from forecasts.forecast import forecast
from forecasts.site import Site
from scheduler.checker import CheckContext, check_roster
from scheduler.demo_data import generate_demo
from scheduler.domain import Absence, Agent
from scheduler.evaluate import scheduled_agents
from scheduler.roster_model import Problem
from scheduler.roster_search import solve_roster
from scheduler.rules import rules_for_site
from scheduler.staffing import staff

QUEUE = "billing"
WORKERS = 2
# pyworkforce's catalogue: (label, work minutes, break minutes). The 8 h shift spans 8.5 h; pyworkforce counts
# the break as coverage because a shift is one 0/1 array per period and it has no notion of a break.
SHIFT_KINDS = (("8h", 480, 30), ("6h", 360, 0), ("4h", 240, 0))
CANNOT_EXPRESS = (
    "named agents (it returns anonymous shift counts per day; nobody is assigned)",
    "one shift per agent and day, max days per week, at least one day off per week",
    "weekly contract hours (±10 %)",
    "11 h rest between days (ArbZG §5)",
    "breaks per ArbZG §4 (placement in a window, 15-min blocks, never 6 h of work in a row)",
    "opening hours per weekday (one shift catalogue for all days: Saturday shifts may run past 14:00)",
    "skills and multi-skill activity per interval",
    "leave and sickness, earliest start / latest end",
    "Sundays and holidays with substitute days (§9-§11), 10 h days averaging 8 h (§3)",
    "preferences (early/late, days-off wishes), fairness, changes against a published roster",
)


@dataclass(frozen=True)
class Profile:
    """The week both solvers get: required agents as a days x periods matrix over the widest opening window."""

    site: Site
    days: tuple[dt.date, ...]
    requirements: pd.DataFrame    # queue, interval_start, agents_required (one queue)
    agents: tuple[Agent, ...]
    absences: tuple[Absence, ...]
    first_minute: int             # local wall-clock minute of period 0
    required: np.ndarray          # days x periods, 0 where closed


@dataclass(frozen=True)
class Result:
    name: str
    status: str
    scheduled: np.ndarray         # days x periods: agents counted as working
    hours: float
    shifts_per_day: np.ndarray
    seconds: float                # wall time: model build and solve
    rules: str


def billing_week(n_agents: int | None) -> Profile:
    """The week after the large demo's history, as bench/roster.py forecasts and staffs it, billing only."""
    demo = generate_demo("large")
    site = demo.site
    last = demo.history["interval_start"].max().date()
    start = last + dt.timedelta(days=7 - last.weekday())  # the Monday after the history
    days = tuple(start + dt.timedelta(days=i) for i in range(7))
    frame = staff(forecast(demo.history, site, start, 7, events=demo.events).frame, site)
    requirements = frame.loc[frame["queue"] == QUEUE, ["queue", "interval_start", "agents_required"]]
    requirements = requirements.reset_index(drop=True)
    agents = tuple(dataclasses.replace(a, skills=(QUEUE,)) for a in demo.agents if QUEUE in a.skills)
    if n_agents is None:
        # A site staffed to its requirement: the fewest agents whose contracts cover the required hours + 15 %,
        # so that coverage, not forced contract hours, decides the comparison.
        hours = requirements["agents_required"].sum() * site.interval_minutes / 60 * 1.15
        cumulative = np.cumsum([a.weekly_hours for a in agents])
        n_agents = int(np.searchsorted(cumulative, hours) + 1)
    agents = agents[:n_agents]
    ids = {a.agent_id for a in agents}
    minutes = [t.hour * 60 + t.minute for day in days for t in open_intervals(site, day)]
    step = site.interval_minutes
    required = np.zeros((len(days), (max(minutes) + step - min(minutes)) // step), dtype=int)
    for (d, p), value in zip(_cells(requirements["interval_start"], site, days, min(minutes)),
                             requirements["agents_required"], strict=True):
        required[d, p] = value
    week = (dt.datetime.combine(days[0], dt.time(), site.tz), dt.datetime.combine(days[-1], dt.time.max, site.tz))
    absences = tuple(a for a in demo.absences if a.agent_id in ids and a.start < week[1] and a.end > week[0])
    return Profile(site, days, requirements, agents, absences, min(minutes), required)


def _cells(starts: pd.Series, site: Site, days: tuple[dt.date, ...], first_minute: int) -> list[tuple[int, int]]:
    """(day, period) of each interval start, by local wall clock (the opening window lies clear of DST jumps)."""
    local = starts.dt.tz_convert(site.timezone)
    return [(days.index(t.date()), (t.hour * 60 + t.minute - first_minute) // site.interval_minutes)
            for t in local]


def ours(profile: Profile, seconds: float) -> Result:
    """solve_roster on named agents, measured on the same matrix and checked by the roster checker."""
    started = time.perf_counter()
    rules = rules_for_site(profile.site)
    problem = Problem(profile.site, rules, profile.agents, profile.requirements, profile.days, profile.absences)
    solution = solve_roster(problem, time_limit_s=seconds, seed=1, workers=WORKERS)
    took = time.perf_counter() - started
    scheduled = np.zeros(profile.required.shape)
    counts = scheduled_agents(solution.roster, profile.site, profile.requirements)
    for (d, p), value in zip(_cells(profile.requirements["interval_start"], profile.site, profile.days,
                                    profile.first_minute), counts, strict=True):
        scheduled[d, p] = value
    context = CheckContext.build(solution.roster, profile.agents, profile.site, rules=rules,
                                 absences=profile.absences, week_start=profile.days[0], days=len(profile.days))
    hard = sorted({v.rule for v in check_roster(context) if v.hard})
    per_day = np.array([sum(s.date == day for s in solution.roster.shifts) for day in profile.days])
    hours = sum(s.work_minutes for s in solution.roster.shifts) / 60
    return Result(f"ours ({len(profile.agents)} named)", solution.status, scheduled, hours, per_day, took,
                  "all kept" if not hard else "broken: " + ", ".join(hard))


def catalogue(profile: Profile) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Every shift kind at every quarter-hour start that fits the window: pyworkforce's coverage arrays, and
    the same with a legal roster's 30 min break taken out of the middle of each 8 h shift."""
    step, periods = profile.site.interval_minutes, profile.required.shape[1]
    coverage, worked = {}, {}
    for label, work, pause in SHIFT_KINDS:
        span, gap = (work + pause) // step, pause // step
        for first in range(periods - span + 1):
            minute = profile.first_minute + first * step
            name = f"{label} {minute // 60:02d}:{minute % 60:02d}"
            coverage[name] = [int(first <= p < first + span) for p in range(periods)]
            middle = first + (span - gap) // 2
            worked[name] = [c * int(not middle <= p < middle + gap) for p, c in enumerate(coverage[name])]
    return coverage, worked


def theirs(profile: Profile, seconds: float, kind: str) -> tuple[Result, Result]:
    """pyworkforce as it counts, and the same shifts with the break a legal roster must give."""
    use_pyworkforce()
    from pyworkforce.scheduling import MinAbsDifference, MinRequiredResources

    coverage, worked = catalogue(profile)
    step_h = profile.site.interval_minutes / 60
    people = len(profile.agents)
    common = {"num_days": len(profile.days), "periods": profile.required.shape[1], "shifts_coverage": coverage,
              "required_resources": profile.required.tolist(), "max_period_concurrency": people,
              "max_shift_concurrency": people, "max_search_time": float(seconds), "num_search_workers": WORKERS}
    started = time.perf_counter()
    if kind == "MinAbsDifference":
        scheduler = MinAbsDifference(**common)
    else:  # cost = paid (break-free) periods, so it buys the fewest agent-hours, not the fewest long shifts
        scheduler = MinRequiredResources(**common, cost_dict={k: sum(v) for k, v in worked.items()})
    # pyworkforce 0.5.1 sets `solver.num_search_workers`, a plain attribute ortools 9.15 never reads, so CP-SAT
    # would use every core; put the count where CP-SAT reads it.
    scheduler.solver.parameters.num_workers = WORKERS
    solution = scheduler.solve()
    took = time.perf_counter() - started
    results = []
    for arrays, label, raw in ((coverage, kind, True), (worked, "  + 30 min breaks", False)):
        scheduled = np.zeros(profile.required.shape)
        per_day = np.zeros(len(profile.days), dtype=int)
        hours = 0.0
        for row in solution["resources_shifts"]:
            if row["resources"] > 0:
                scheduled[row["day"]] += row["resources"] * np.array(arrays[row["shift"]])
                per_day[row["day"]] += row["resources"]
                hours += row["resources"] * sum(arrays[row["shift"]]) * step_h
        results.append(Result(label, solution["status"], scheduled, hours, per_day, took,
                              "n/a: no agents" if raw else "-"))
    return results[0], results[1]


def present(profile: Profile) -> np.ndarray:
    """Agents not on leave or sick for the whole of each day: the most people a day's shifts can go to."""
    tz = profile.site.tz
    out = []
    for day in profile.days:
        start = dt.datetime.combine(day, dt.time(), tz)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tz)
        away = {a.agent_id for a in profile.absences if a.start <= start and a.end >= end}
        out.append(len(profile.agents) - len(away))
    return np.array(out)


def print_headcount(profile: Profile, results: list[Result]) -> None:
    """pyworkforce bounds agents per period and per shift, not shifts per day: check its days fit the people."""
    there = present(profile)
    for r in results:
        short = [f"{day:%a} {n} shifts for {m} agents" for day, n, m in
                 zip(profile.days, r.shifts_per_day, there, strict=True) if n > m]
        print(f"Head count: {r.name} " + ("fits the agents present every day." if not short else
                                          "needs more people than are present: " + ", ".join(short) + "."))


def print_table(profile: Profile, results: list[Result]) -> None:
    required = profile.required
    rows: list[tuple[str, list[str]]] = [("status", [r.status for r in results])]
    for label, values in (("|scheduled - required|", [np.abs(r.scheduled - required).sum() for r in results]),
                          ("  under", [np.maximum(required - r.scheduled, 0).sum() for r in results]),
                          ("  over", [np.maximum(r.scheduled - required, 0).sum() for r in results])):
        rows.append((label, [f"{v:,.0f}" for v in values]))
    rows.append(("agent-hours scheduled", [f"{r.hours:,.1f}" for r in results]))
    rows.append(("shifts (most in a day)", [f"{r.shifts_per_day.sum()} ({r.shifts_per_day.max()})"
                                            for r in results]))
    rows.append(("wall time, build + solve s", [f"{r.seconds:.1f}" for r in results]))
    rows.append(("hard rules (our checker)", [r.rules for r in results]))
    widths = [max(len(r.name), *(len(v[i]) for _, v in rows)) for i, r in enumerate(results)]
    print(f"{'':27}" + "  ".join(r.name.rjust(w) for r, w in zip(results, widths, strict=True)))
    for label, values in rows:
        print(f"{label:27}" + "  ".join(v.rjust(w) for v, w in zip(values, widths, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60, help="time limit for each solver")
    parser.add_argument("--agents", type=int, default=None,
                        help="only the first N billing agents (default: contracts = required hours + 15 %%)")
    args = parser.parse_args()
    profile = billing_week(args.agents)
    step = profile.site.interval_minutes
    contract = sum(a.weekly_hours for a in profile.agents)
    print(f"{QUEUE} queue, week of {profile.days[0]}: {profile.required.sum():,} required agent-intervals "
          f"({profile.required.sum() * step / 60:,.1f} agent-hours), {profile.required.shape[1]} periods of "
          f"{step} min from {profile.first_minute // 60:02d}:{profile.first_minute % 60:02d} x "
          f"{len(profile.days)} days, 0 where closed")
    print(f"{len(profile.agents)} agents with {QUEUE} (skills reduced to {QUEUE}), contracts {contract:,.0f} h; "
          f"{len({a.agent_id for a in profile.absences})} of them on leave or sick in the week (only ours knows)")
    print(f"time limit {args.seconds:.0f} s and {WORKERS} CP-SAT workers each; coverage in 15-min "
          "agent-intervals over the days x periods matrix")
    results, raw = [ours(profile, args.seconds)], []
    for kind in ("MinAbsDifference", "MinRequiredResources"):
        as_counted, with_breaks = theirs(profile, args.seconds, kind)
        results += [as_counted, with_breaks]
        raw.append(as_counted)
    print()
    print_table(profile, results)
    print()
    print_headcount(profile, raw)
    kinds = ", ".join(f"{label} ({work // 60} h work{f' + {pause} min break' if pause else ''})"
                      for label, work, pause in SHIFT_KINDS)
    print(f"pyworkforce shifts: {kinds}, starting every {step} min where they fit {profile.required.shape[1]} "
          f"periods, the same catalogue every day; max_period_concurrency = max_shift_concurrency = "
          f"{len(profile.agents)}; MinRequiredResources costs a shift by its paid periods.")
    print("pyworkforce returns anonymous shift counts per day. It cannot model a break, so its rows count the "
          "8 h shift's 30 min break as coverage and as hours; '+ 30 min breaks' takes that break out of each "
          "8 h shift's middle, as a legal roster must.")
    print(f"Patched in the bench: pyworkforce 0.5.1 sets solver.num_search_workers, which ortools 9.15 ignores; "
          f"the bench sets solver.parameters.num_workers = {WORKERS}.")
    if contract > profile.required.sum() * step / 60:
        print(f"Our engine must roster contract hours (a hard rule: {contract:,.0f} h, at least 90 % of it less "
              f"leave) against {profile.required.sum() * step / 60:,.0f} required agent-hours: that surplus is "
              "forced, not chosen. pyworkforce has no contracts.")
    print("Rules of ours that pyworkforce cannot express:")
    for rule in CANNOT_EXPRESS:
        print(f"  - {rule}")


if __name__ == "__main__":
    main()
