"""Evaluating a roster against requirements: agents on each queue per interval, the service level that buys,
under-staffing, paid hours and cost."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasts.site import Site
from scheduler.chat import chat_metrics
from scheduler.domain import Agent
from scheduler.email_backlog import answer_within_intervals
from scheduler.erlang import erlang_c_metrics
from scheduler.erlang_a import erlang_a_metrics
from scheduler.roster import Roster

HOURS_PER_MONTH_PER_WEEKLY_HOUR = 52 / 12  # a 40 h contract is paid for 173.3 h a month


@dataclass(frozen=True)
class Evaluation:
    """Per interval, per day and in total: what the roster covers and what it costs."""

    intervals: pd.DataFrame  # queue, interval_start, offered, required, scheduled, short, service_level, asa_s, ...
    days: pd.DataFrame  # queue, date, offered, service_level, short_agent_intervals
    paid_hours: float
    cost_eur: float | None
    short_agent_intervals: float


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
        parts.append(_projected(rows.copy(), site, name, interval_s))
    intervals = pd.concat(parts, ignore_index=True) if parts else frame
    local = intervals["interval_start"].dt.tz_convert(site.timezone)
    intervals["date"] = local.dt.date
    days = intervals.groupby(["queue", "date"]).apply(_day_summary, include_groups=False).reset_index()
    paid = sum(s.work_minutes for s in roster.shifts) / 60
    return Evaluation(intervals, days, paid, _cost(roster, site, agents), float(intervals["short"].sum()))


def _projected(rows: pd.DataFrame, site: Site, name: str, interval_s: int) -> pd.DataFrame:
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
