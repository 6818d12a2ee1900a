"""Capacity plan per week for months ahead: a scenario's changes applied to a base forecast, staffed per
interval, against the people available (contracts, attrition, hires with their training ramp, overtime): FTE
required vs available, projected service level with the staff there is, hires needed and their latest start,
cost per week."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasts.site import Site
from scheduler.domain import Agent
from scheduler.evaluate import ALL_QUEUES, projected_metrics, week_summary
from scheduler.scenario import ALL, DateRange, Scenario, StaffChange
from scheduler.staffing import staff

FULL_TIME_HOURS = 40.0
WEEKS_PER_MONTH = 52 / 12
HOURS_PER_MONTH_PER_WEEKLY_HOUR = WEEKS_PER_MONTH


@dataclass(frozen=True)
class HireAdvice:
    """One staff group of the scenario: when it is needed and whether it starts in time."""

    name: str
    count: int
    start: dt.date
    needed_from: dt.date | None     # the first week the plan is short without this group
    latest_start: dt.date | None    # the latest start that reaches full productivity by then
    too_late: bool


@dataclass(frozen=True)
class CapacityPlan:
    scenario: str
    weeks: pd.DataFrame             # one row per week (see WEEK_COLUMNS)
    hires: tuple[HireAdvice, ...]
    extra_fte_needed: float         # the largest shortfall in FTE over the plan (0: nothing missing)
    first_short_week: dt.date | None
    latest_start_full_time: dt.date | None  # for extra full-time hires with the scenario's first ramp

    def peak(self, weeks: Iterable[dt.date]) -> pd.DataFrame:
        return self.weeks[self.weeks["week_start"].isin(set(weeks))]


WEEK_COLUMNS = ("week_start", "offered", "required_fte", "available_fte", "gap_fte", "overtime_hours",
                "service_level", "asa_s", "abandon_rate", "under_staffed_hours", "paid_hours", "cost_eur")


def scenario_site(site: Site, scenario: Scenario) -> Site:
    """The site with the scenario's service targets, shrinkage and opening hours."""
    queues = []
    for queue in site.queues:
        changed = queue
        for change in scenario.service:
            if change.queue == queue.name:
                values = {k: v for k, v in dataclasses.asdict(change).items() if k != "queue" and v is not None}
                changed = dataclasses.replace(changed, **values)
        queues.append(changed)
    hours = {**site.opening_hours, **scenario.opening_hours}
    return dataclasses.replace(site, queues=tuple(queues), opening_hours=hours)


def apply_changes(forecast: pd.DataFrame, site: Site, scenario: Scenario) -> pd.DataFrame:
    """The base forecast inside the plan with the scenario's volume, handle-time, deflection and opening-hour
    changes (contacts of newly closed intervals come back in the open intervals of the same day)."""
    frame = forecast[["queue", "interval_start", "offered", "aht_s"]].copy()
    local = frame["interval_start"].dt.tz_convert(site.timezone)
    day = local.dt.date
    frame = frame[(day >= scenario.start) & (day <= scenario.end)].copy()
    local, day = local[frame.index], day[frame.index]
    offered = frame["offered"].to_numpy(dtype=float).copy()
    aht = frame["aht_s"].to_numpy(dtype=float).copy()
    queues = frame["queue"].to_numpy()
    days = day.to_numpy()
    for change in scenario.volume:
        hit = _mask(queues, days, change.queue, change.dates)
        offered[hit] *= 1 + change.percent / 100
        if change.per_day:
            _add_per_day(offered, hit, days, queues, change.per_day)
    for change in scenario.handle_time:
        aht[_mask(queues, days, change.queue, change.dates)] *= 1 + change.percent / 100
    for change in scenario.deflection:
        hit = _mask(queues, days, change.queue, change.dates)
        offered[hit] *= 1 - change.share
        aht[hit] *= 1 + change.handle_time_percent / 100
    if scenario.opening_hours:
        offered = _reopen(offered, local, queues, days, scenario)
    frame["offered"], frame["aht_s"] = np.maximum(offered, 0.0), aht
    return frame.reset_index(drop=True)


def capacity_plan(forecast: pd.DataFrame, site: Site, agents: Sequence[Agent], scenario: Scenario) -> CapacityPlan:
    """The week-by-week plan of a scenario on a base forecast (interval level, covering the plan)."""
    site = scenario_site(site, scenario)
    demand = apply_changes(forecast, site, scenario)
    requirements = staff(demand, site)
    weeks = scenario.week_starts
    hours_per_interval = site.interval_minutes / 60
    week_of = _week_index(requirements["interval_start"], site, scenario)
    required_hours = np.bincount(week_of, weights=requirements["agents_scheduled"].to_numpy(dtype=float)
                                 * hours_per_interval, minlength=len(weeks))
    base_hours = _retained_contract(agents, scenario)
    group_hours = {g.name: np.array([g.count * g.weekly_hours * g.productivity(w) for w in weeks])
                   for g in scenario.staff}
    available = base_hours + sum(group_hours.values(), np.zeros(len(weeks)))
    overtime_cap = scenario.overtime_share * _retained_contract(agents, scenario)
    overtime = np.minimum(np.maximum(required_hours - available, 0.0), overtime_cap)
    capacity = available + overtime
    # Staff are taken to be rostered in proportion to the requirement: a week with 90 % of the hours it needs
    # has 90 % of the agents in every interval, and one with more people than needed puts them all to work
    # (which also clears an e-mail backlog left by a short week).
    share = np.where(required_hours > 0, capacity / np.maximum(required_hours, 1e-9), 1.0)
    metrics = _projected_weeks(requirements, site, share[week_of])
    paid = base_hours + sum((g.count * g.weekly_hours * _employed(g, weeks)
                                                for g in scenario.staff), np.zeros(len(weeks))) + overtime
    cost = _cost(agents, scenario, site, weeks, overtime)
    gap = np.maximum(required_hours - capacity, 0.0) / FULL_TIME_HOURS
    table = pd.DataFrame({
        "week_start": weeks, "offered": np.bincount(week_of, weights=requirements["offered"].to_numpy(dtype=float),
                                                    minlength=len(weeks)),
        "required_fte": required_hours / FULL_TIME_HOURS, "available_fte": capacity / FULL_TIME_HOURS,
        "gap_fte": gap, "overtime_hours": overtime})
    table = table.merge(metrics, on="week_start", how="left")
    table["paid_hours"], table["cost_eur"] = paid, cost
    short = [w for w, g in zip(weeks, gap, strict=True) if g > 1e-6]
    first_short = short[0] if short else None
    ramp = max((g.ramp_weeks for g in scenario.staff), default=0)
    latest = first_short - dt.timedelta(weeks=ramp) if first_short else None
    hires = tuple(_advice(g, weeks, required_hours, available - group_hours[g.name], overtime_cap)
                  for g in scenario.staff)
    return CapacityPlan(scenario.name, table[list(WEEK_COLUMNS)], hires, float(gap.max(initial=0.0)), first_short,
                        latest)


# --- demand ------------------------------------------------------------------------------------------------------

def _mask(queues: np.ndarray, days: np.ndarray, queue: str, dates: DateRange | None) -> np.ndarray:
    hit = np.ones(len(queues), dtype=bool) if queue == ALL else queues == queue
    if dates is not None:
        hit &= (days >= dates.start) & (days <= dates.end)
    return hit


def _add_per_day(offered: np.ndarray, hit: np.ndarray, days: np.ndarray, queues: np.ndarray, per_day: float) -> None:
    """Add `per_day` contacts to each queue-day in `hit`, spread like that day's forecast (evenly if it is 0)."""
    keys = pd.Series(list(zip(queues[hit], days[hit], strict=True)))
    index = np.flatnonzero(hit)
    for _key, rows in keys.groupby(keys).groups.items():
        at = index[np.asarray(rows)]
        total = offered[at].sum()
        offered[at] += per_day * (offered[at] / total if total > 0 else 1 / len(at))


def _reopen(offered: np.ndarray, local: pd.Series, queues: np.ndarray, days: np.ndarray,
            scenario: Scenario) -> np.ndarray:
    minutes = (local.dt.hour * 60 + local.dt.minute).to_numpy()
    weekday = local.dt.weekday.to_numpy()
    open_now = np.ones(len(offered), dtype=bool)
    for day_number, ranges in scenario.opening_hours.items():
        on_day = weekday == day_number
        inside = np.zeros(len(offered), dtype=bool)
        for r in ranges:
            inside |= (minutes >= r.start_min) & (minutes < r.end_min)
        open_now &= ~on_day | inside
    result = offered.copy()
    frame = pd.DataFrame({"q": queues, "d": days, "offered": offered, "open": open_now})
    for (_q, _d), rows in frame.groupby(["q", "d"]).groups.items():
        at = np.asarray(rows)
        closed = at[~open_now[at]]
        kept = at[open_now[at]]
        moved = offered[closed].sum()
        result[closed] = 0.0
        if len(kept) and moved > 0:
            base = offered[kept].sum()
            result[kept] += moved * (offered[kept] / base if base > 0 else 1 / len(kept))
    return result


def _week_index(starts: pd.Series, site: Site, scenario: Scenario) -> np.ndarray:
    local = starts.dt.tz_convert(site.timezone).dt.date
    return np.array([(d - scenario.start).days // 7 for d in local], dtype=int)


def _projected_weeks(requirements: pd.DataFrame, site: Site, share: np.ndarray) -> pd.DataFrame:
    """Service level, ASA and abandon rate per week with the staff there is (all queues together)."""
    frame = requirements.copy()
    frame["scheduled"] = frame["agents_required"].to_numpy(dtype=float) * share
    frame["short"] = np.maximum(frame["agents_required"] - frame["scheduled"], 0.0)
    interval_s = site.interval_minutes * 60
    parts = [projected_metrics(rows.copy(), site, name, interval_s) for name, rows in frame.groupby("queue")]
    weeks = week_summary(pd.concat(parts, ignore_index=True), site)
    weeks = weeks[weeks["queue"] == ALL_QUEUES]
    return pd.DataFrame({"week_start": weeks["week_start"].to_numpy(), "service_level": weeks["service_level"],
                         "asa_s": weeks["asa_s"], "abandon_rate": weeks["abandon_rate"],
                         "under_staffed_hours": weeks["short_agent_intervals"] * site.interval_minutes / 60})


# --- supply ------------------------------------------------------------------------------------------------------

def _retention(scenario: Scenario) -> np.ndarray:
    """Share of today's staff still there in each week, with the monthly attrition compounding."""
    months = np.arange(scenario.weeks) / WEEKS_PER_MONTH
    return (1 - scenario.attrition_per_month) ** months


def _retained_contract(agents: Sequence[Agent], scenario: Scenario) -> np.ndarray:
    return sum(a.weekly_hours for a in agents) * _retention(scenario)


def _employed(group: StaffChange, weeks: list[dt.date]) -> np.ndarray:
    """1 in the weeks a group is paid (from its start, training included, to its end)."""
    first = group.start - dt.timedelta(days=group.start.weekday())
    return np.array([float(w >= first and (group.end is None or w <= group.end)) for w in weeks])


def _cost(agents: Sequence[Agent], scenario: Scenario, site: Site, weeks: list[dt.date],
          overtime: np.ndarray) -> np.ndarray:
    """Employer cost per week: pay per hour from the monthly full-time pay, times the employer factor."""
    costs = site.extra.get("costs", {}) if isinstance(site.extra.get("costs", {}), dict) else {}
    factor = float(costs.get("employer_cost_factor", 1.0))
    fallback = _band_middle(site)
    rates = [hourly(a.monthly_pay_eur if a.monthly_pay_eur is not None else fallback) for a in agents]
    base = sum(r * a.weekly_hours for r, a in zip(rates, agents, strict=True)) * _retention(scenario)
    mean_rate = (sum(rates) / len(rates)) if rates else hourly(fallback)
    groups = sum((g.count * g.weekly_hours * hourly(g.monthly_pay_eur if g.monthly_pay_eur is not None
                                                    else fallback) * _employed(g, weeks)
                  for g in scenario.staff), np.zeros(len(weeks)))
    return (base + groups + overtime * mean_rate * scenario.overtime_premium) * factor


def hourly(monthly_full_time_eur: float) -> float:
    return monthly_full_time_eur / (FULL_TIME_HOURS * HOURS_PER_MONTH_PER_WEEKLY_HOUR)


def _band_middle(site: Site) -> float:
    """The middle of the site's lowest pay band (new people start there); 0 when the site has none."""
    bands = site.extra.get("pay_bands", {})
    if isinstance(bands, dict) and bands:
        low, high = min((tuple(v) for v in bands.values()), key=lambda b: b[0])
        return (float(low) + float(high)) / 2
    return 0.0


def _advice(group: StaffChange, weeks: list[dt.date], required: np.ndarray, without: np.ndarray,
            overtime_cap: np.ndarray) -> HireAdvice:
    """When a group is needed (the plan is short without it, even with overtime) and the latest start that
    makes it fully productive by then."""
    short = np.flatnonzero(required - without - overtime_cap > 1e-6)
    if not len(short):
        return HireAdvice(group.name, group.count, group.start, None, None, False)
    needed = weeks[int(short[0])]
    latest = needed - dt.timedelta(weeks=group.ramp_weeks)
    ready = group.start - dt.timedelta(days=group.start.weekday()) + dt.timedelta(weeks=group.ramp_weeks)
    return HireAdvice(group.name, group.count, group.start, needed, latest, ready > needed)


def hires_to_close(plan: CapacityPlan) -> int:
    """Whole full-time people it would take to close the largest weekly gap."""
    return math.ceil(plan.extra_fte_needed - 1e-9)
