"""Evaluating a roster against requirements: agents on each queue per interval, the service level that buys,
under-staffing, paid hours and cost; week summaries and a simulation check of the projected phone service level."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecasts.site import Site
from scheduler.chat import chat_metrics
from scheduler.domain import Agent
from scheduler.email_backlog import answer_within_intervals
from scheduler.erlang import erlang_c_metrics
from scheduler.erlang_a import erlang_a_metrics
from scheduler.roster import Roster
from scheduler.simulation import IntervalMetrics, simulate_intervals

HOURS_PER_MONTH_PER_WEEKLY_HOUR = 52 / 12  # a 40 h contract is paid for 173.3 h a month
ALL_QUEUES = "(all)"  # the queue name of the all-queues rows in Evaluation.weeks
WEEK_COLUMNS = ("queue", "week_start", "offered", "service_level", "asa_s", "abandon_rate", "short_agent_intervals")
CHECK_COLUMNS = ("queue", "date", "projected_service_level", "simulated_service_level", "simulated_se")


@dataclass(frozen=True)
class Evaluation:
    """Per interval, per day and in total: what the roster covers and what it costs."""

    intervals: pd.DataFrame  # queue, interval_start, offered, required, scheduled, short, service_level, asa_s, ...
    days: pd.DataFrame  # queue, date, offered, service_level, short_agent_intervals
    paid_hours: float
    cost_eur: float | None
    short_agent_intervals: float
    # queue (ALL_QUEUES for all queues together), week_start (Monday, local date), offered, service_level,
    # asa_s, abandon_rate, short_agent_intervals
    weeks: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(WEEK_COLUMNS)))


def scheduled_agents(roster: Roster, site: Site, requirements: pd.DataFrame) -> np.ndarray:
    """Agents working each requirement row's queue during its interval (part of an interval counts in part)."""
    step = pd.Timedelta(minutes=site.interval_minutes)
    index = {(q, t): i for i, (q, t) in enumerate(zip(requirements["queue"],
                                                     requirements["interval_start"].dt.tz_convert("UTC"),
                                                     strict=True))}
    counts = np.zeros(len(requirements))
    for shift in roster.shifts:
        for segment in shift.segments:
            start = pd.Timestamp(segment.start).tz_convert("UTC")
            end = pd.Timestamp(segment.end).tz_convert("UTC")
            slot = start.floor(step)
            while slot < end:
                i = index.get((segment.activity, slot))
                if i is not None:
                    overlap = min(end, slot + step) - max(start, slot)
                    counts[i] += overlap / step
                slot += step
    return counts


def evaluate(roster: Roster, requirements: pd.DataFrame, site: Site, agents: dict[str, Agent] | None = None
             ) -> Evaluation:
    """Scheduled against required per queue and interval, the projected service level of what is scheduled
    (the same formulas as staffing), days aggregated by offered contacts, paid hours and cost."""
    frame = requirements.sort_values(["queue", "interval_start"]).reset_index(drop=True).copy()
    frame["scheduled"] = scheduled_agents(roster, site, frame)
    frame["short"] = np.maximum(frame["agents_required"] - frame["scheduled"], 0.0)
    interval_s = site.interval_minutes * 60
    parts = []
    for name, rows in frame.groupby("queue", sort=True):
        parts.append(projected_metrics(rows.copy(), site, name, interval_s))
    intervals = pd.concat(parts, ignore_index=True) if parts else frame
    local = intervals["interval_start"].dt.tz_convert(site.timezone)
    intervals["date"] = local.dt.date
    days = intervals.groupby(["queue", "date"]).apply(_day_summary, include_groups=False).reset_index()
    paid = sum(s.work_minutes for s in roster.shifts) / 60
    return Evaluation(intervals, days, paid, _cost(roster, site, agents), float(intervals["short"].sum()),
                      week_summary(intervals, site))


def week_summary(intervals: pd.DataFrame, site: Site) -> pd.DataFrame:
    """Per queue and week (Monday to Sunday, local time), then all queues together per week (queue ALL_QUEUES).

    offered: contacts; service_level and abandon_rate: weighted by offered contacts (so a week's service level
    is the offered-weighted mean of its days'); asa_s: weighted by answered contacts, offered * (1 - abandon
    rate), as ASA is a mean over answered contacts (inf if an unstable interval has answered contacts; e-mail has
    none and is left out); short_agent_intervals: agents short, summed over intervals.
    """
    if intervals.empty:
        return pd.DataFrame(columns=list(WEEK_COLUMNS))
    local = intervals["interval_start"].dt.tz_convert(site.timezone).dt.tz_localize(None).dt.normalize()
    monday = (local - pd.to_timedelta(local.dt.day_of_week, unit="D")).dt.date
    frame = intervals.assign(week_start=monday)
    per_queue = frame.groupby(["queue", "week_start"]).apply(_week_row, include_groups=False).reset_index()
    together = frame.groupby("week_start").apply(_week_row, include_groups=False).reset_index()
    together.insert(0, "queue", ALL_QUEUES)
    weeks = pd.concat([per_queue, together], ignore_index=True)
    return weeks[list(WEEK_COLUMNS)]


def _week_row(rows: pd.DataFrame) -> pd.Series:
    offered = rows["offered"].to_numpy(dtype=float)
    abandon = rows["projected_abandon_rate"].to_numpy(dtype=float)
    answered = offered * (1.0 - np.nan_to_num(abandon))
    return pd.Series({"offered": float(offered.sum()),
                      "service_level": _weighted(rows["projected_service_level"].to_numpy(dtype=float), offered),
                      "asa_s": _weighted(rows["projected_asa_s"].to_numpy(dtype=float), answered),
                      "abandon_rate": _weighted(abandon, offered),
                      "short_agent_intervals": float(rows["short"].sum())})


def _weighted(values: np.ndarray, weights: np.ndarray) -> float:
    """Weighted mean over the rows with a value and a positive weight; nan if there are none."""
    usable = ~np.isnan(values) & (weights > 0)
    return float(np.average(values[usable], weights=weights[usable])) if usable.any() else math.nan


def simulated_check(evaluation: Evaluation, site: Site, seed: int = 0, runs: int = 5) -> pd.DataFrame:
    """The projected service level of each phone queue and day beside a simulation of the scheduled roster.

    Per queue and local day, `runs` runs of simulation.simulate_intervals (seeds seed, seed + 1, ...) over the
    day's intervals in time order (back to back: a gap between them is skipped): Poisson arrivals with the
    interval's offered contacts as mean, the whole scheduled agents (as in the projection), the interval's
    handle time, the queue's answer time and patience (none: nobody hangs up, as Erlang C). A run's service level
    is the share of the day's simulated arrivals answered within the answer time (nan if none arrived);
    simulated_service_level is their mean over the runs and simulated_se its standard error. The queue starts
    empty each day and the last interval's agents stay until the queue is empty, so the simulation is not
    stationary like the formulas; that, and the queue carrying over from one interval to the next, is what it
    checks. Only channel "phone" is simulated: chat (concurrency) and e-mail (deferred work) are not.
    Columns: queue, date, projected_service_level (the day's, as in Evaluation.days), simulated_service_level,
    simulated_se.
    """
    if runs < 2:
        raise ValueError(f"runs must be at least 2 (got {runs}); the standard error needs several runs")
    interval_s = site.interval_minutes * 60
    projected = evaluation.days.set_index(["queue", "date"])["service_level"]
    phone = [name for name in evaluation.intervals["queue"].unique() if site.queue(name).channel == "phone"]
    frame = evaluation.intervals[evaluation.intervals["queue"].isin(phone)]
    records = []
    for (name, date), rows in frame.groupby(["queue", "date"], sort=True):
        queue = site.queue(name)
        rows = rows.sort_values("interval_start")
        arrivals = rows["offered"].to_numpy(dtype=float)
        agents = np.floor(rows["scheduled"].to_numpy(dtype=float) + 1e-9)
        aht = rows["aht_s"].to_numpy(dtype=float)
        levels = np.array([_day_service_level(simulate_intervals(
            arrivals=arrivals, agents=agents, interval_s=interval_s, aht_s=aht, answer_within_s=queue.answer_within_s,
            patience_s=queue.patience_s, seed=seed + run)) for run in range(runs)])
        levels = levels[~np.isnan(levels)]
        mean = float(levels.mean()) if levels.size else math.nan
        se = float(levels.std(ddof=1) / math.sqrt(levels.size)) if levels.size >= 2 else math.nan
        records.append((name, date, float(projected[(name, date)]), mean, se))
    return pd.DataFrame.from_records(records, columns=list(CHECK_COLUMNS))


def _day_service_level(metrics: IntervalMetrics) -> float:
    """Share of all the run's arrivals answered within the answer time (per-interval shares weighted by arrivals)."""
    offered = int(metrics.offered.sum())
    return float(metrics.answered_within.sum() / offered) if offered else math.nan


def projected_metrics(rows: pd.DataFrame, site: Site, name: str, interval_s: int) -> pd.DataFrame:
    """Service level, ASA and abandon rate per interval of one queue with `rows['scheduled']` agents on it."""
    queue = site.queue(name)
    # Whole agents: someone on the queue for half an interval helps, but the formulas count people.
    agents = np.floor(rows["scheduled"].to_numpy() + 1e-9).astype(int)
    offered, aht = rows["offered"].to_numpy(dtype=float), rows["aht_s"].to_numpy(dtype=float)
    if queue.channel == "email":
        rows["projected_service_level"] = _email_service_level(offered, rows["scheduled"].to_numpy(), aht,
                                                               interval_s, queue.answer_within_hours)
        rows["projected_asa_s"] = np.nan
        rows["projected_abandon_rate"] = 0.0
        return rows
    if queue.channel == "chat":
        metrics = chat_metrics(agents, offered, interval_s, aht, queue.answer_within_s, queue.concurrency,
                               queue.concurrency_slowdown)
    elif queue.patience_s:
        metrics = erlang_a_metrics(agents, offered, interval_s, aht, queue.answer_within_s, queue.patience_s)
    else:
        metrics = erlang_c_metrics(agents, offered, interval_s, aht, queue.answer_within_s)
    rows["projected_service_level"] = np.asarray(metrics.service_level, dtype=float)
    rows["projected_asa_s"] = np.asarray(metrics.asa_s, dtype=float)
    rows["projected_abandon_rate"] = np.asarray(metrics.abandon_rate, dtype=float)
    return rows


def _email_service_level(offered: np.ndarray, scheduled: np.ndarray, aht: np.ndarray, interval_s: int,
                         hours: float) -> np.ndarray:
    """Share of each interval's e-mails answered by their deadline, working first in first out."""
    deadline = answer_within_intervals(hours, interval_s)
    capacity = scheduled * interval_s / np.where(aht > 0, aht, 1.0)  # e-mails the scheduled agents can answer
    waiting: list[list[float]] = []  # [arrival interval, e-mails left]
    answered_in_time = np.zeros(len(offered))
    for t in range(len(offered)):
        if offered[t] > 0:
            waiting.append([t, float(offered[t])])
        free = float(capacity[t])
        while free > 1e-9 and waiting:
            take = min(free, waiting[0][1])
            if t - waiting[0][0] < deadline:
                answered_in_time[waiting[0][0]] += take
            free -= take
            waiting[0][1] -= take
            if waiting[0][1] <= 1e-9:
                waiting.pop(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(offered > 0, answered_in_time / offered, np.nan)


def _day_summary(rows: pd.DataFrame) -> pd.Series:
    offered = rows["offered"].sum()
    level = rows["projected_service_level"].to_numpy(dtype=float)
    weights = rows["offered"].to_numpy(dtype=float)
    usable = ~np.isnan(level) & (weights > 0)
    service = float(np.average(level[usable], weights=weights[usable])) if usable.any() else float("nan")
    return pd.Series({"offered": offered, "service_level": service, "short_agent_intervals": rows["short"].sum(),
                      "required_agent_intervals": rows["agents_required"].sum(),
                      "scheduled_agent_intervals": rows["scheduled"].sum()})


def _cost(roster: Roster, site: Site, agents: dict[str, Agent] | None) -> float | None:
    """Employer cost of the rostered working time: monthly pay pro rata per hour, times the employer factor."""
    if not agents:
        return None
    factor = float(site.extra.get("costs", {}).get("employer_cost_factor", 1.0))
    total = 0.0
    for shift in roster.shifts:
        agent = agents.get(shift.agent_id)
        if agent is None or agent.monthly_pay_eur is None:
            return None
        # monthly_pay_eur is the full-time (40 h) gross pay, so the hourly rate does not depend on the contract.
        hourly = agent.monthly_pay_eur / (40 * HOURS_PER_MONTH_PER_WEEKLY_HOUR)
        total += hourly * shift.work_minutes / 60 * factor
    return round(total, 2)
