"""Roster service: solve a stored site's week as a background job (forecast → staffing → roster), with progress,
cancellation and the explanation; the roster is stored as a new draft version (its id is in the job's result)."""

from __future__ import annotations

import datetime as dt
import math
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.decompose import ProcessMap, solve_decomposed
from scheduler.domain import Absence, Agent
from scheduler.roster import Roster
from scheduler.roster_model import Problem, Progress, Solution
from scheduler.roster_search import solve_roster
from scheduler.rules import rules_for_site
from scheduler.staffing import staff
from web import models
from web.db import Database
from web.forecasting import forecast_values, run_forecast
from web.jobs import N_, JobCancelled, JobContext, JobOverdue, job_kind, site_param, start_param
from web.repository import find_site, site_config
from web.roster_store import published_shifts, save_version


def check_roster_params(params: dict[str, Any]) -> dict[str, Any]:
    """Normalise a roster job's parameters, refusing what cannot work with a message that says why."""
    start = start_param(params)
    days = params.get("days", 7)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 28:
        raise ValueError(f"days {days!r}: give a whole number of days from 1 to 28")
    limit = params.get("time_limit_s", 60)
    if isinstance(limit, bool) or not isinstance(limit, int | float) or not 1 <= limit <= 3600:
        raise ValueError(f"time_limit_s {limit!r}: give seconds from 1 to 3600")
    seed = params.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed {seed!r}: give a whole number")
    run = params.get("forecast_run")
    if run is not None and (isinstance(run, bool) or not isinstance(run, int)):
        raise ValueError(f"forecast_run {run!r}: give the id of a stored forecast run")
    site = site_param(params)
    missing = params.get("forecast_if_missing", True)
    if not isinstance(missing, bool):
        raise ValueError(f"forecast_if_missing {missing!r}: give true or false")
    decompose = params.get("decompose", "auto")
    if decompose not in ("auto", "team", "skills", "off"):
        raise ValueError(f"decompose {decompose!r}: give auto (by team from {DECOMPOSE_FROM_AGENTS} agents on), "
                         "team, skills or off")
    return {"start": start.isoformat(), "days": days, "time_limit_s": float(limit), "seed": seed,
            "forecast_run": run, "site": site, "created_by": str(params.get("created_by", "")),
            "forecast_if_missing": missing, "decompose": decompose}


# From this many agents on, a site's roster is solved as one part per team, the parts side by side (on other
# workers when jobs run on Celery) and coordinated on the shared queues (scheduler/decompose.py): one search over
# all of them would spend its time on moves that touch only a few agents of a huge roster.
DECOMPOSE_FROM_AGENTS = 400


def stored_agents(session: Session, site_id: int) -> list[Agent]:
    rows = session.scalars(select(models.Agent).where(models.Agent.site_id == site_id, models.Agent.active)
                           .order_by(models.Agent.agent_id))
    return [_agent(row) for row in rows]


def stored_absences(session: Session, site_id: int) -> list[Absence]:
    rows = session.execute(select(models.Agent.agent_id, models.Absence)
                           .join(models.Absence, models.Absence.agent_pk == models.Agent.id)
                           .where(models.Agent.site_id == site_id))
    return [Absence(agent_id, a.start, a.end, a.reason) for agent_id, a in rows]


def latest_run_covering(session: Session, site_id: int, start: dt.date, days: int) -> int | None:
    """The newest forecast run that covers the whole period."""
    run = models.ForecastRun
    end = start + dt.timedelta(days=days)
    for row in session.scalars(select(run).where(run.site_id == site_id).order_by(run.id.desc())):
        if row.start_date <= start and row.start_date + dt.timedelta(days=row.days) >= end:
            return row.id
    return None


def run_roster(database: Database, params: dict[str, Any], ctx: JobContext | None = None) -> dict[str, Any]:
    start = dt.date.fromisoformat(params["start"])
    days = params["days"]
    with database.session() as session:
        site_row = find_site(session, params.get("site"))
        site = site_config(site_row)
        run_id = params.get("forecast_run") or latest_run_covering(session, site_row.id, start, days)
        site_slug = site_row.slug
    if run_id is None and params.get("forecast_if_missing", True):
        # A team lead asks for a roster, not for a forecast first: forecast the period with the defaults.
        if ctx is not None:
            ctx.progress(0.0, N_("no stored forecast covers %(start)s; forecasting the period first"),
                         start=start.isoformat())
        run_id = run_forecast(database, {"start": start.isoformat(), "weeks": math.ceil(days / 7), "method": "auto",
                                         "site": site_slug, "created_by": params.get("created_by") or "roster job"}
                              )["run_id"]
    if run_id is None:
        raise ValueError(f"no stored forecast covers {start} to {start + dt.timedelta(days=days - 1)}; "
                         "run a forecast for these days first")
    with database.session() as session:
        site_row = find_site(session, site_slug)
        frame = forecast_values(session, run_id)
        agents = stored_agents(session, site_row.id)
        absences = stored_absences(session, site_row.id)
        end = start + dt.timedelta(days=days)
        # Rest and days off continue from the published week before; a published week is changed as little as
        # the coverage allows; the published week after bounds the rest at the end.
        previous = published_shifts(session, site_row.id, start - dt.timedelta(days=7), start)
        published = published_shifts(session, site_row.id, start, end)
        following = published_shifts(session, site_row.id, end, end + dt.timedelta(days=1))
    if frame.empty:
        raise ValueError(f"forecast run {run_id} has no values; run a forecast for these days first")
    local = frame["interval_start"].dt.tz_convert(site.timezone).dt.date
    frame = frame[(local >= start) & (local < start + dt.timedelta(days=days))]
    requirements = staff(frame, site)
    period = tuple(start + dt.timedelta(days=i) for i in range(days))
    problem = Problem(site, rules_for_site(site), tuple(agents), requirements, period, tuple(absences),
                      previous=tuple(previous), published=tuple(published), following=tuple(following))
    group = _decomposition(params.get("decompose", "auto"), agents)
    if group is None:
        solution = solve_as_job(problem, params["time_limit_s"], params["seed"], ctx)
    else:
        solution = solve_decomposed_as_job(problem, params["time_limit_s"], params["seed"], group, ctx)
    summary = {"status": solution.status, "objective": solution.objective, "best_bound": solution.best_bound,
               "under_agent_intervals": solution.under_agent_intervals,
               "under_lower_bound": solution.under_lower_bound,
               "required_agent_intervals": int(requirements["agents_required"].sum()),
               "seconds": round(solution.solve_seconds, 1), "explanation": list(solution.explanation[:200])}
    with database.session() as session:
        version = save_version(session, site_row.id, start, days, solution.roster,
                               created_by=params.get("created_by") or "roster job",
                               job_id=ctx.job_id if ctx else None, forecast_run=run_id, summary=summary)
        version_id = version.id
    return {"forecast_run": run_id, "version_id": version_id, "status": solution.status,
            "objective": solution.objective,
            "best_bound": solution.best_bound, "gap": solution.gap,
            "under_agent_intervals": solution.under_agent_intervals,
            "required_agent_intervals": int(requirements["agents_required"].sum()),
            "seconds": round(solution.solve_seconds, 1), "explanation": list(solution.explanation[:200]),
            "shifts": roster_json(solution.roster)}


def solve_as_job(problem: Problem, limit: float, seed: int, ctx: JobContext | None) -> Solution:
    """Solve with the job's progress (objective, bound, gap, seconds) and stop when somebody cancels it."""
    cancelled = threading.Event()
    stopped: list[Exception] = []

    def report(progress: Progress) -> None:
        if ctx is None:
            return
        try:
            ctx.progress(min(progress.elapsed_s / limit, 0.99),
                         N_("objective %(objective)s, bound %(bound)s, gap %(gap_share)s, %(seconds)s s"),
                         objective=float(progress.objective), bound=float(progress.best_bound),
                         gap_share=float(progress.gap), seconds=float(progress.elapsed_s))
        except (JobCancelled, JobOverdue) as exc:
            # Raising inside the solver's callback would leave it to the solver what happens; ask it to stop.
            stopped.append(exc)
            cancelled.set()

    solution = solve_roster(problem, time_limit_s=limit, seed=seed, progress=report, should_stop=cancelled.is_set)
    if stopped:
        raise stopped[0]
    return solution


def _decomposition(choice: str, agents: list[Agent]) -> str | None:
    """How to split the site: None (one piece), "team" or "skills"."""
    if choice == "off":
        return None
    if choice == "auto":
        many = len(agents) >= DECOMPOSE_FROM_AGENTS and len({a.team for a in agents}) > 1
        return "team" if many else None
    return choice


def solve_decomposed_as_job(problem: Problem, limit: float, seed: int, group: str,
                            ctx: JobContext | None) -> Solution:
    """Solve one part per group, the parts on the job's part map (other workers) or on local processes; the
    merged roster is checked as a whole and must keep every hard rule."""
    rounds_done = [0]

    def run_parts(function: Callable[..., Any], arguments: Sequence[tuple]) -> list[Any]:
        rounds_done[0] += 1

        def report(done: int, total: int) -> None:  # a cancel request is noticed here, between parts
            if ctx is not None:
                ctx.progress(min(0.99, (rounds_done[0] - 1 + done / total) / DECOMPOSE_ROUNDS),
                             N_("round %(round)s: %(done)s of %(total)s teams solved"),
                             round=rounds_done[0], done=done, total=total)

        if ctx is not None and ctx.parts is not None:
            return ctx.parts(function, arguments, report)
        results = local(function, arguments)
        report(len(arguments), len(arguments))
        return results

    local = ProcessMap(max(1, min(2, os.cpu_count() or 1)))
    try:
        result = solve_decomposed(problem, time_limit_s=limit, rounds=DECOMPOSE_ROUNDS, map_parts=run_parts,
                                  group=group, seed=seed)
    finally:
        local.close()
    hard = result.hard_violations
    if hard:  # the parts keep their agents' rules; a finding here is a bug, and no such roster is stored
        raise RuntimeError(f"the merged roster breaks {len(hard)} hard rule(s), e.g. {hard[0].message}")
    lines = tuple(f"round {r.round}: {r.under_agent_intervals} agent-intervals short, "
                  f"{r.over_agent_intervals} over, {r.groups_kept} groups improved" for r in result.history)
    return Solution("FEASIBLE", result.roster, result.objective, None, None, result.seconds, result.under_after,
                    lines, {"groups": len(result.groups), "rounds": result.rounds})


DECOMPOSE_ROUNDS = 3


def roster_json(roster: Roster) -> list[dict[str, Any]]:
    return [{"agent_id": s.agent_id, "date": s.date.isoformat(),
             "segments": [{"start": g.start.isoformat(), "end": g.end.isoformat(), "activity": g.activity}
                          for g in s.segments]}
            for s in sorted(roster.shifts, key=lambda s: (s.date, s.agent_id))]


@job_kind("roster", check_roster_params)
def roster_job(ctx: JobContext, database: Database, params: dict[str, Any]) -> dict[str, Any]:
    return run_roster(database, params, ctx)


def _agent(row: models.Agent) -> Agent:
    details = row.details or {}
    return Agent(row.agent_id, row.name, row.team, tuple(row.skills), row.weekly_hours, row.max_days_per_week,
                 level=details.get("level"), monthly_pay_eur=details.get("monthly_pay_eur"),
                 preferred_shift=details.get("preferred_shift"),
                 days_off_wish=tuple(details.get("days_off_wish", ())),
                 earliest_start=_time(details.get("earliest_start")), latest_end=_time(details.get("latest_end")),
                 email=details.get("email"))


def _time(text: str | None) -> dt.time | None:
    return dt.time.fromisoformat(text) if text else None

