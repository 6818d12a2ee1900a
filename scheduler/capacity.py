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

from forecasts.calendar import open_days
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
    needed_from: dt.date | None     # the first week up to the group's end the plan is short without it (None: the
    latest_start: dt.date | None    # plan never needs it); the latest start that is fully productive by then
    too_late: bool

    @property
    def needed(self) -> bool:
        """False when the plan is never short without this group (it could be left out or made smaller)."""
        return self.needed_from is not None


@dataclass(frozen=True)
class CapacityPlan:
    scenario: str
    weeks: pd.DataFrame             # one row per week (see WEEK_COLUMNS)
    hires: tuple[HireAdvice, ...]
    extra_fte_needed: float         # the largest shortfall in FTE over the plan (0: nothing missing)
    first_short_week: dt.date | None
    latest_start_full_time: dt.date | None  # for extra full-time hires with Scenario.hire_ramp_weeks

    def peak(self, weeks: Iterable[dt.date]) -> pd.DataFrame:
        return self.weeks[self.weeks["week_start"].isin(set(weeks))]

    def week_records(self) -> list[dict[str, object]]:
        """The weeks as JSON-ready rows: ISO dates, plain floats, None where a value has no answer (NaN)."""
        return [{k: _plain(v) for k, v in row.items()} for row in self.weeks.to_dict("records")]


# required_fte: FTE (40 h) the staffing formulas schedule, shrinkage included; staff_fte: what the people there
# are give (contract hours after attrition, new groups by their ramp), overtime not included; available_fte:
# staff_fte plus the overtime the plan uses (only as much as the gap needs, up to [staffing] overtime_share);
# gap_fte: what is still missing after overtime. asa_s is NaN where it has no finite answer: no phone or chat
# contacts, or asa_unbounded (an interval of the week has fewer agents than its load, so waits grow without
# bound). service_level, asa_s and abandon_rate assume the staff there is are rostered in proportion to need.
WEEK_COLUMNS = ("week_start", "offered", "required_fte", "available_fte", "gap_fte", "overtime_hours",
                "service_level", "asa_s", "abandon_rate", "under_staffed_hours", "paid_hours", "cost_eur",
                "staff_fte", "asa_unbounded")


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
    changes, applied in that order. Contacts of newly closed intervals come back in the open intervals of the
    same day, spread like the forecast; a day closed entirely loses its contacts (add them to other days with a
    [[volume]] change if they come back). Newly opened hours get no contacts: the forecast has none for them."""
    frame = forecast[["queue", "interval_start", "offered", "aht_s"]].reset_index(drop=True)
    local = frame["interval_start"].dt.tz_convert(site.timezone)
    inside = ((local.dt.date >= scenario.start) & (local.dt.date <= scenario.end)).to_numpy()
    frame, local = frame[inside].reset_index(drop=True), local[inside].reset_index(drop=True)
    day = local.dt.date
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
    """The week-by-week plan of a scenario on a base forecast (interval level, covering every open day of the
    plan; ValueError otherwise, as the missing days would read as needing nobody)."""
    _check_covered(forecast, site, scenario)
    site = scenario_site(site, scenario)
    demand = apply_changes(forecast, site, scenario)
    requirements = staff(demand, site)
    weeks = scenario.week_starts
    hours_per_interval = site.interval_minutes / 60
    week_of = _week_index(requirements["interval_start"], site, scenario)
    required_hours = np.bincount(week_of, weights=requirements["agents_scheduled"].to_numpy(dtype=float)
                                 * hours_per_interval, minlength=len(weeks))
    base_hours = _retained_contract(agents, scenario)
    # By position, not name: two groups of one name must not hide each other.
    group_hours = [np.array([g.count * g.weekly_hours * g.productivity(w) for w in weeks]) for g in scenario.staff]
    available = base_hours + sum(group_hours, np.zeros(len(weeks)))
    overtime_cap = scenario.overtime_share * _retained_contract(agents, scenario)
    overtime = np.minimum(np.maximum(required_hours - available, 0.0), overtime_cap)
    capacity = available + overtime
    # Staff are taken to be rostered in proportion to the requirement: a week with 90 % of the hours it needs
    # has 90 % of the agents in every interval, and one with more people than needed puts them all to work
    # (which also clears an e-mail backlog left by a short week).
    share = np.where(required_hours > 0, capacity / np.maximum(required_hours, 1e-9), 1.0)
    metrics = _projected_weeks(requirements, site, share[week_of], week_of)
    paid = base_hours + sum((g.count * g.weekly_hours * _employed(g, weeks)
                                                for g in scenario.staff), np.zeros(len(weeks))) + overtime
    cost = _cost(agents, scenario, site, weeks, overtime)
    gap = np.maximum(required_hours - capacity, 0.0) / FULL_TIME_HOURS
    table = pd.DataFrame({
        "week_start": weeks, "offered": np.bincount(week_of, weights=requirements["offered"].to_numpy(dtype=float),
                                                    minlength=len(weeks)),
        "required_fte": required_hours / FULL_TIME_HOURS, "available_fte": capacity / FULL_TIME_HOURS,
        "gap_fte": gap, "overtime_hours": overtime, "staff_fte": available / FULL_TIME_HOURS})
    table = table.merge(metrics, on="week_start", how="left")
    table["paid_hours"], table["cost_eur"] = paid, cost
    short = [w for w, g in zip(weeks, gap, strict=True) if g > 1e-6]
    first_short = short[0] if short else None
    latest = first_short - dt.timedelta(weeks=scenario.hire_ramp_weeks) if first_short else None
    hires = tuple(_advice(g, weeks, required_hours, available - hours, overtime_cap)
                  for g, hours in zip(scenario.staff, group_hours, strict=True))
    return CapacityPlan(scenario.name, table[list(WEEK_COLUMNS)], hires, float(gap.max(initial=0.0)), first_short,
                        latest)


# --- demand ------------------------------------------------------------------------------------------------------

def _check_covered(forecast: pd.DataFrame, site: Site, scenario: Scenario) -> None:
    """Every day the site opens in the plan (its own hours: the scenario can only close hours that have a
    forecast) must have forecast intervals."""
    have = set(forecast["interval_start"].dt.tz_convert(site.timezone).dt.date)
    missing = [d for d in open_days(site, scenario.start, scenario.end) if d not in have]
    if missing:
        raise ValueError(f"scenario {scenario.name!r}: the forecast has no intervals on {len(missing)} open day(s) "
                         f"of the plan ({scenario.start} to {scenario.end}), first {missing[0]}, last "
                         f"{missing[-1]}; forecast those days or shorten [scenario] weeks")


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
    weekday = local.dt.day_of_week.to_numpy()
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
    index = np.array([(d - scenario.start).days // 7 for d in local], dtype=int)
    # apply_changes keeps only the plan's days; a week outside it would be dropped or crash bincount silently.
    assert ((index >= 0) & (index < scenario.weeks)).all(), "intervals outside the plan"
    return index


def _projected_weeks(requirements: pd.DataFrame, site: Site, share: np.ndarray, week_of: np.ndarray
                     ) -> pd.DataFrame:
    """Service level, ASA and abandon rate per week with the staff there is (all queues together).

    Each week is projected on its own: an e-mail backlog left by a short week is not carried into the next,
    because the requirement of the next week does not plan for it either, and carried over it would sink every
    later week that has exactly the staff it needs (a plan would read 74 % for months after one short week)."""
    frame = requirements.copy()
    frame["scheduled"] = frame["agents_required"].to_numpy(dtype=float) * share
    frame["short"] = np.maximum(frame["agents_required"] - frame["scheduled"], 0.0)
    interval_s = site.interval_minutes * 60
    parts = [projected_metrics(rows.copy(), site, name, interval_s)
             for (name, _week), rows in frame.groupby([frame["queue"], week_of], sort=False)]
    weeks = week_summary(pd.concat(parts, ignore_index=True), site)
    weeks = weeks[weeks["queue"] == ALL_QUEUES]
    asa = weeks["asa_s"].to_numpy(dtype=float)
    unbounded = np.isinf(asa)
    return pd.DataFrame({"week_start": weeks["week_start"].to_numpy(),
                         "service_level": weeks["service_level"].to_numpy(dtype=float),
                         "asa_s": np.where(unbounded, np.nan, asa), "asa_unbounded": unbounded,
                         "abandon_rate": weeks["abandon_rate"].to_numpy(dtype=float),
                         "under_staffed_hours": weeks["short_agent_intervals"].to_numpy(dtype=float)
                         * site.interval_minutes / 60})


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
    """When a group is needed (the plan is short without it, even with overtime, in a week up to the group's end:
    after it a group cannot help) and the latest start that makes it fully productive by then."""
    during = np.array([group.end is None or w <= group.end for w in weeks], dtype=bool)
    short = np.flatnonzero((required - without - overtime_cap > 1e-6) & during)
    if not len(short):
        return HireAdvice(group.name, group.count, group.start, None, None, False)
    needed = weeks[int(short[0])]
    latest = needed - dt.timedelta(weeks=group.ramp_weeks)
    ready = group.start - dt.timedelta(days=group.start.weekday()) + dt.timedelta(weeks=group.ramp_weeks)
    return HireAdvice(group.name, group.count, group.start, needed, latest, ready > needed)


def _plain(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer | np.floating | float | int):
        return None if math.isnan(float(value)) else float(value)
    return value


def hires_to_close(plan: CapacityPlan) -> int:
    """Whole full-time people it would take to close the largest weekly gap."""
    return math.ceil(plan.extra_fte_needed - 1e-9)
