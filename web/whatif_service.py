"""What-if service: a site's stored scenarios, their capacity plans on the newest covering forecast, and the
peak-week full run (forecast → scenario changes → staffing → roster → evaluation) as the "whatif_week" job."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import multiprocessing
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from forecasts.site import Site
from scheduler.capacity import CapacityPlan, apply_changes, capacity_plan, hourly, scenario_site
from scheduler.domain import Agent
from scheduler.evaluate import ALL_QUEUES, Evaluation, evaluate, week_summary
from scheduler.roster import Roster
from scheduler.roster_model import Problem
from scheduler.rules import rules_for_site
from scheduler.scenario import Scenario, ScenarioError, StaffChange, parse_scenario
from scheduler.staffing import staff
from scheduler.whatif import (
    DEFAULT_TARGET,
    Value,
    checked_value,
    compare,
    grid_points,
    peak_weeks,
    point_scenario,
    sweep,
    value_text,
)
from web import models
from web.cli_whatif import plain, sweep_document
from web.db import Database
from web.forecasting import forecast_values, run_forecast
from web.jobs import N_, JobContext, job_kind, site_param
from web.repository import events_frame, find_site, site_config
from web.roster_store import published_shifts
from web.rostering import latest_run_covering, solve_as_job, stored_absences, stored_agents

NAME_LENGTH = 100
PEAK_EVENTS = ("bill_mailing",)  # the events that make a week a peak week (the year-end billing waves)
WHATIF_WEEK = "whatif_week"
DEFAULT_TIME_LIMIT_S = 60


# --- stored scenarios ---------------------------------------------------------------------------------------------

def read_scenario(text: str, site: Site, name: str) -> Scenario:
    """The scenario of a stored text under the stored name (the name planners see wins over [scenario] name)."""
    return dataclasses.replace(parse_scenario(text, site, source=name or "scenario"), name=name)


def save_scenario(session: Session, site_row: models.Site, name: str, text: str, user: str,
                  row: models.Scenario | None = None) -> models.Scenario:
    """Store a new scenario (or change `row`) after checking its name and its text against the site; every
    problem is reported at once (ScenarioError) and then nothing is stored."""
    name = name.strip()
    problems = _name_problems(session, site_row.id, name, row.id if row is not None else None)
    try:
        read_scenario(text, site_config(site_row), name)
    except ScenarioError as exc:
        problems += exc.problems
    if problems:
        raise ScenarioError(name or "scenario", problems)
    if row is None:
        row = models.Scenario(site_id=site_row.id, name=name, toml=text, created_by=user)
        session.add(row)
    else:
        row.name, row.toml = name, text
    session.flush()
    return row


def _name_problems(session: Session, site_id: int, name: str, own_id: int | None) -> list[str]:
    if not name:
        return ["name: give the scenario a name"]
    if len(name) > NAME_LENGTH:
        return [f"name: at most {NAME_LENGTH} characters"]
    s = models.Scenario
    other = session.scalar(select(s.id).where(s.site_id == site_id, s.name == name))
    if other is not None and other != own_id:
        return [f"name {name!r}: the site has a scenario of that name already; choose another"]
    return []


def site_scenarios(session: Session, site_id: int) -> list[models.Scenario]:
    s = models.Scenario
    return list(session.scalars(select(s).where(s.site_id == site_id).order_by(s.name)))


def next_monday(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=7 - today.weekday())


# --- capacity plans -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StoredPlan:
    """A scenario's capacity plan on a stored forecast, with its peak weeks and summaries."""

    scenario: Scenario
    forecast_run: int
    plan: CapacityPlan
    peak_weeks: tuple[dt.date, ...]
    peak: dict[str, Any] | None       # the peak weeks together, see scheduler.whatif.totals_of (None: no peak)
    total: dict[str, Any]             # the whole plan


def plan_of(session: Session, site_row: models.Site, scenario: Scenario) -> StoredPlan | None:
    """The capacity plan on the newest stored forecast covering the whole plan; None when none covers it."""
    run_id = latest_run_covering(session, site_row.id, scenario.start, 7 * scenario.weeks)
    if run_id is None:
        return None
    plan = capacity_plan(forecast_values(session, run_id), site_config(site_row),
                         stored_agents(session, site_row.id), scenario)
    peaks = plan_peak_weeks(events_frame(session, site_row), scenario)
    together = compare([plan], peaks)  # the same totals as `wfm whatif` prints
    return StoredPlan(scenario, run_id, plan, peaks, together.total(plan.scenario, "peak") if peaks else None,
                      together.total(plan.scenario, "plan"))


def plan_peak_weeks(events: pd.DataFrame | None, scenario: Scenario,
                    kinds: Sequence[str] = PEAK_EVENTS) -> tuple[dt.date, ...]:
    """The plan's weeks with a bill mailing (any queue), as `wfm whatif` finds them."""
    return tuple(peak_weeks(events, scenario.week_starts, kinds))


# --- the peak-week full run ---------------------------------------------------------------------------------------

def _scenario_id(params: dict[str, Any]) -> int:
    scenario_id = params.get("scenario_id")
    if isinstance(scenario_id, bool) or not isinstance(scenario_id, int):
        raise ValueError(f"scenario_id {scenario_id!r}: give the id of a stored scenario")
    return scenario_id


def check_week_params(params: dict[str, Any]) -> dict[str, Any]:
    """Normalise a whatif_week job's parameters, refusing what cannot work with a message that says why."""
    scenario_id = _scenario_id(params)
    try:
        week = dt.date.fromisoformat(str(params.get("week", "")))
    except ValueError:
        raise ValueError(f"week {params.get('week')!r} is not a date; give the Monday as YYYY-MM-DD") from None
    if week.weekday() != 0:
        raise ValueError(f"week {week}: give the Monday the week starts, "
                         f"{week - dt.timedelta(days=week.weekday())}")
    limit = params.get("time_limit_s", DEFAULT_TIME_LIMIT_S)
    if isinstance(limit, bool) or not isinstance(limit, int | float) or not 1 <= limit <= 3600:
        raise ValueError(f"time_limit_s {limit!r}: give seconds from 1 to 3600")
    seed = params.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed {seed!r}: give a whole number")
    return {"scenario_id": scenario_id, "week": week.isoformat(), "start": week.isoformat(),
            "time_limit_s": float(limit), "seed": seed, "site": site_param(params),
            "created_by": str(params.get("created_by", ""))}


def temp_agents(scenario: Scenario, site: Site, week: dt.date) -> list[Agent]:
    """The scenario's staff groups productive in that week as agents: the group's weekly hours, the skills of
    the queues it is meant for (every queue when the scenario names none), its pay or the site's entry pay.
    A group still at 0 % of its training ramp takes no contacts, so it is left out."""
    agents = []
    for number, group in enumerate(scenario.staff, start=1):
        if group.productivity(week) <= 0:
            continue
        skills = tuple(getattr(group, "skills", ()) or site.queue_names)
        pay = group.monthly_pay_eur if group.monthly_pay_eur is not None else entry_pay(site)
        for i in range(1, group.count + 1):
            agents.append(Agent(f"whatif-{number}-{_slug(group.name)}-{i}", f"{group.name} {i}", group.name, skills,
                                group.weekly_hours, 5, level="entry", monthly_pay_eur=pay))
    return agents


def entry_pay(site: Site) -> float | None:
    """The middle of the site's lowest pay band (new people start there), as capacity plans price new hires."""
    bands = site.extra.get("pay_bands", {})
    if not isinstance(bands, dict) or not bands:
        return None
    low, high = min((tuple(v) for v in bands.values()), key=lambda band: band[0])
    return (float(low) + float(high)) / 2


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "group"


def _stored_scenario(session: Session, scenario_id: int) -> tuple[models.Site, Site, Scenario]:
    """A job's stored scenario with its site, read and checked again (the site may have changed since)."""
    row = session.get(models.Scenario, scenario_id)
    if row is None:
        raise ValueError(f"scenario {scenario_id}: there is no such scenario (deleted?)")
    site_row = session.get(models.Site, row.site_id)
    site = site_config(site_row)
    return site_row, site, read_scenario(row.toml, site, row.name)


def run_week(database: Database, params: dict[str, Any], ctx: JobContext | None = None) -> dict[str, Any]:
    week = dt.date.fromisoformat(params["week"])
    with database.session() as session:
        site_row, site, scenario = _stored_scenario(session, params["scenario_id"])
        slug = site_row.slug
        run_id = latest_run_covering(session, site_row.id, week, 7)
    if not scenario.start <= week <= scenario.end:
        raise ValueError(f"week {week}: outside the plan of scenario {scenario.name!r} ({scenario.start} to "
                         f"{scenario.end}); choose one of its weeks")
    if run_id is None:
        if ctx is not None:
            ctx.progress(0.0, N_("no stored forecast covers %(start)s; forecasting the period first"),
                         start=week.isoformat())
        run_id = run_forecast(database, {"start": week.isoformat(), "weeks": 1, "method": "auto", "site": slug,
                                         "created_by": params.get("created_by") or "what-if job"})["run_id"]
    with database.session() as session:
        site_row = find_site(session, slug)
        frame = forecast_values(session, run_id)
        stored = stored_agents(session, site_row.id)
        absences = stored_absences(session, site_row.id)
        previous = published_shifts(session, site_row.id, week - dt.timedelta(days=7), week)
    if frame.empty:
        raise ValueError(f"forecast run {run_id} has no values; run a forecast for the week of {week} first")
    changed = scenario_site(site, scenario)
    demand = apply_changes(frame, changed, scenario)
    local = demand["interval_start"].dt.tz_convert(site.timezone).dt.date
    demand = demand[(local >= week) & (local < week + dt.timedelta(days=7))]
    requirements = staff(demand, changed)
    temps = temp_agents(scenario, changed, week)
    agents = tuple(stored) + tuple(temps)
    days = tuple(week + dt.timedelta(days=i) for i in range(7))
    problem = Problem(changed, rules_for_site(changed), agents, requirements, days, tuple(absences),
                      previous=tuple(previous))
    solution = solve_as_job(problem, params["time_limit_s"], params["seed"], ctx)
    if ctx is not None:
        ctx.progress(0.99, N_("evaluating the roster"))
    by_id = {a.agent_id: a for a in agents}
    evaluation = evaluate(solution.roster, requirements, changed, by_id)
    temp_ids = {a.agent_id for a in temps}
    return {"scenario_id": params["scenario_id"], "scenario": scenario.name, "week": week.isoformat(),
            "forecast_run": run_id, "status": solution.status, "seconds": round(solution.solve_seconds, 1),
            "agents": len(stored), "temps": _temp_groups(scenario, week),
            "temp_paid_hours": sum(s.work_minutes for s in solution.roster.shifts if s.agent_id in temp_ids) / 60,
            "under_agent_intervals": solution.under_agent_intervals,
            "required_agent_intervals": int(requirements["agents_required"].sum()),
            **evaluation_json(evaluation, solution.roster, changed, by_id)}


def _temp_groups(scenario: Scenario, week: dt.date) -> list[dict[str, Any]]:
    return [{"name": g.name, "count": g.count, "weekly_hours": g.weekly_hours,
             "productivity": g.productivity(week), "rostered": g.productivity(week) > 0} for g in scenario.staff
            if _employed(g, week)]


def _employed(group: StaffChange, week: dt.date) -> bool:
    first = group.start - dt.timedelta(days=group.start.weekday())
    return first <= week and (group.end is None or week <= group.end)


def evaluation_json(evaluation: Evaluation, roster: Roster, site: Site, agents: dict[str, Agent]) -> dict[str, Any]:
    """The evaluation as JSON: the week and each day (all queues together; per queue for the week) with
    service level, ASA, abandon rate, under-staffed agent-hours, paid hours and cost (None where unknown)."""
    hours_per_interval = site.interval_minutes / 60
    intervals = evaluation.intervals
    paid, cost = _paid_by_day(roster, site, agents)
    days = []
    for day in sorted(set(intervals["date"]) | set(paid)):
        together = week_summary(intervals[intervals["date"] == day], site)
        row = together[together["queue"] == ALL_QUEUES]
        days.append({"date": day.isoformat(), **_metrics(row.iloc[0] if len(row) else None, hours_per_interval),
                     "paid_hours": paid.get(day, 0.0), "cost_eur": cost.get(day, 0.0) if cost is not None else None})
    weeks = evaluation.weeks
    together = weeks[weeks["queue"] == ALL_QUEUES]
    week = {**_metrics(together.iloc[0] if len(together) else None, hours_per_interval),
            "paid_hours": evaluation.paid_hours, "cost_eur": evaluation.cost_eur}
    queues = [{"queue": row["queue"], **_metrics(row, hours_per_interval)}
              for _, row in weeks[weeks["queue"] != ALL_QUEUES].iterrows()]
    return {"week_summary": _clean(week), "days": [_clean(d) for d in days], "queues": [_clean(q) for q in queues]}


def _metrics(row: pd.Series | None, hours_per_interval: float) -> dict[str, float]:
    if row is None:
        return {"offered": 0.0, "service_level": None, "asa_s": None, "abandon_rate": None,
                "under_staffed_hours": 0.0}
    return {"offered": float(row["offered"]), "service_level": float(row["service_level"]),
            "asa_s": float(row["asa_s"]), "abandon_rate": float(row["abandon_rate"]),
            "under_staffed_hours": float(row["short_agent_intervals"]) * hours_per_interval}


def _paid_by_day(roster: Roster, site: Site, agents: dict[str, Agent]
                 ) -> tuple[dict[dt.date, float], dict[dt.date, float] | None]:
    """Worked hours per day and their employer cost, priced as scheduler.evaluate prices a roster (None when an
    agent's pay is unknown)."""
    factor = float(site.extra.get("costs", {}).get("employer_cost_factor", 1.0))
    paid: dict[dt.date, float] = {}
    cost: dict[dt.date, float] | None = {}
    for shift in roster.shifts:
        hours = shift.work_minutes / 60
        paid[shift.date] = paid.get(shift.date, 0.0) + hours
        pay = agents[shift.agent_id].monthly_pay_eur if shift.agent_id in agents else None
        if pay is None:
            cost = None
        elif cost is not None:
            cost[shift.date] = cost.get(shift.date, 0.0) + hourly(pay) * hours * factor
    return paid, cost


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """JSON has no NaN or infinity (PostgreSQL refuses them): an unknown figure is null."""
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in values.items()}


@job_kind(WHATIF_WEEK, check_week_params)
def whatif_week_job(ctx: JobContext, database: Database, params: dict[str, Any]) -> dict[str, Any]:
    return run_week(database, params, ctx)


def scenario_runs(session: Session, scenario_id: int, kind: str = WHATIF_WEEK, limit: int = 10) -> list[models.Job]:
    """The newest jobs of a kind (full runs, sweeps) of a scenario (the job's parameters name it)."""
    j = models.Job
    rows = session.scalars(select(j).where(j.kind == kind).order_by(j.created_at.desc()).limit(500))
    return [row for row in rows if (row.params or {}).get("scenario_id") == scenario_id][:limit]


def weeks_of(scenarios: Iterable[StoredPlan]) -> list[dt.date]:
    """Every week any of the plans has, in order (for side-by-side tables)."""
    return sorted({w for p in scenarios for w in p.plan.weeks["week_start"]})


# --- sweeps -------------------------------------------------------------------------------------------------------

WHATIF_SWEEP = "whatif_sweep"
MAX_SWEEP_POINTS = 100
SWEEP_WORKERS = 2


def parse_axes(text: str) -> dict[str, list[object]]:
    """A sweep's axes written one a line as "path = value, value, …" (numbers, or dates as YYYY-MM-DD; # starts
    a comment), as a grid for check_sweep_params; the values are checked there."""
    grid: dict[str, list[object]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        path, equals, values = line.partition("=")
        path = path.strip().strip('"')
        if not equals or not path or not values.strip():
            raise ValueError(f"line {number}: write a path, = and its values, e.g. "
                             "deflection.billing.share = 0, 0.1, 0.2")
        if path in grid:
            raise ValueError(f"line {number}: {path} is given twice; give all its values on one line")
        grid[path] = [_axis_value(v.strip()) for v in values.strip().strip("[]").split(",") if v.strip()]
    return grid


def _axis_value(text: str) -> object:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text  # a date, or text that check_sweep_params refuses naming the path


def check_sweep_params(params: dict[str, Any]) -> dict[str, Any]:
    """Normalise a whatif_sweep job's parameters: scenario_id, grid {path: [values]} (at most MAX_SWEEP_POINTS
    combinations; every value checked for its path), target (a service level, default 0.8) and peak_weeks (days
    of the peak weeks; none: the weeks with bill mailings). Whether the scenario has the queues and staff groups
    the paths name is checked against it (sweep_grid) when the job starts."""
    scenario_id = _scenario_id(params)
    grid = params.get("grid")
    if not isinstance(grid, dict) or not grid:
        raise ValueError('grid: give one or more paths with their values, e.g. {"deflection.billing.share": '
                         '[0, 0.1, 0.2], "staff.temps.count": [0, 5, 10]}')
    checked: dict[str, list[object]] = {}
    for path, values in grid.items():
        if not isinstance(values, list) or not values:
            raise ValueError(f"{path}: give a non-empty list of values, e.g. [0, 0.1, 0.2]")
        mine: list[Value] = []
        for value in values:
            good = checked_value(path, value)
            if good in mine:
                raise ValueError(f"{path}: {value_text(good)} is given twice")
            mine.append(good)
        checked[path] = [v.isoformat() if isinstance(v, dt.date) else v for v in mine]
    points = math.prod(len(values) for values in checked.values())
    if points > MAX_SWEEP_POINTS:
        sizes = " × ".join(str(len(values)) for values in checked.values())
        raise ValueError(f"the grid has {points} points ({sizes}); keep to {MAX_SWEEP_POINTS} (fewer values per axis)")
    target = params.get("target", DEFAULT_TARGET)
    if isinstance(target, bool) or not isinstance(target, int | float) or not 0.01 <= target <= 0.999:
        raise ValueError(f"target {target!r}: give a service level from 0.01 to 0.999 (0.8 is 80 %)")
    days = params.get("peak_weeks") or []
    if not isinstance(days, list):
        raise ValueError(f"peak_weeks {days!r}: give a list of days as YYYY-MM-DD (any day of each peak week)")
    mondays = set()
    for day in days:
        try:
            when = dt.date.fromisoformat(str(day))
        except ValueError:
            raise ValueError(f"peak_weeks: {day!r} is not a date; give YYYY-MM-DD") from None
        mondays.add(when - dt.timedelta(days=when.weekday()))
    return {"scenario_id": scenario_id, "grid": checked, "target": float(target),
            "peak_weeks": [m.isoformat() for m in sorted(mondays)], "site": site_param(params),
            "created_by": str(params.get("created_by", ""))}


def sweep_grid(scenario: Scenario, site: Site, grid: dict[str, list[object]]) -> dict[str, list[Value]]:
    """The checked grid with dates as dates, after building every point's scenario, so that a path naming a
    queue the site lacks or a staff group the scenario lacks is refused before any plan is computed."""
    values = {path: [checked_value(path, v) for v in axis] for path, axis in grid.items()}
    for point in grid_points(values):
        point_scenario(scenario, point, site)
    return values


def sweep_peak_weeks(scenario: Scenario, events: pd.DataFrame | None,
                     chosen: Sequence[str]) -> tuple[tuple[dt.date, ...], str]:
    """The peak weeks a sweep judges service level over and where they come from: "chosen" (the job's
    peak_weeks), "events" (the plan's bill-mailing weeks) or "plan" (no bill mailing: every week, as
    `wfm whatif` does)."""
    if chosen:
        weeks = tuple(dt.date.fromisoformat(day) for day in chosen)
        outside = [w for w in weeks if w not in scenario.week_starts]
        if outside:
            raise ValueError(f"peak week {outside[0]}: not a week of the plan ({scenario.start} to {scenario.end})")
        return weeks, "chosen"
    weeks = plan_peak_weeks(events, scenario)
    return (weeks, "events") if weeks else (tuple(scenario.week_starts), "plan")


def run_sweep(database: Database, params: dict[str, Any], ctx: JobContext | None = None) -> dict[str, Any]:
    """Capacity plans of the stored scenario at every grid point on the newest stored forecast covering the plan
    (forecast first when none does), in SWEEP_WORKERS spawned processes: the result `wfm whatif --sweep` writes
    (scheduler.whatif.sweep), plus the positions of the frontier points and the cheapest point meeting the
    target."""
    with database.session() as session:
        site_row, site, scenario = _stored_scenario(session, params["scenario_id"])
        slug = site_row.slug
        run_id = latest_run_covering(session, site_row.id, scenario.start, 7 * scenario.weeks)
    grid = sweep_grid(scenario, site, params["grid"])
    if run_id is None:
        if ctx is not None:
            ctx.progress(0.0, N_("no stored forecast covers %(start)s; forecasting the period first"),
                         start=scenario.start.isoformat())
        run_id = run_forecast(database, {"start": scenario.start.isoformat(), "weeks": scenario.weeks,
                                         "method": "auto", "site": slug,
                                         "created_by": params.get("created_by") or "what-if sweep"})["run_id"]
    with database.session() as session:
        site_row = find_site(session, slug)
        frame = forecast_values(session, run_id)
        agents = stored_agents(session, site_row.id)
        events = events_frame(session, site_row)
    if frame.empty:
        raise ValueError(f"forecast run {run_id} has no values; run a forecast for the plan's weeks first")
    peak, source = sweep_peak_weeks(scenario, events, params.get("peak_weeks") or [])

    def report(done: int, total: int) -> None:
        if ctx is not None:
            ctx.progress(done / total, N_("%(done)s of %(total)s capacity plans done"), done=done, total=total)
    started = time.perf_counter()
    # Spawned, not forked, workers: the web server runs this job in a thread, and forking a threaded process can
    # leave the child holding a lock no thread will ever release.
    result = sweep(scenario, grid, frame, site, agents, peak, params["target"], workers=SWEEP_WORKERS,
                   mp_context=multiprocessing.get_context("spawn"), progress=report,
                   map_parts=ctx.parts if ctx is not None else None)
    return plain({"scenario_id": params["scenario_id"], "scenario": scenario.name, "forecast_run": run_id,
                  "peak_weeks": list(result.peak_weeks), "peak_source": source,
                  "seconds": round(time.perf_counter() - started, 1), **sweep_document(result),
                  "frontier_index": list(result.frontier), "cheapest_index": result.cheapest})


@job_kind(WHATIF_SWEEP, check_sweep_params)
def whatif_sweep_job(ctx: JobContext, database: Database, params: dict[str, Any]) -> dict[str, Any]:
    return run_sweep(database, params, ctx)
