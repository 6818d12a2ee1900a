"""Scenarios side by side and grid sweeps of capacity plans: weekly and peak figures, the cost/service-level
frontier and the cheapest grid point that meets the service-level target in every peak week."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing.context import BaseContext

import numpy as np
import pandas as pd

from forecasts.site import Site
from scheduler.capacity import CapacityPlan, capacity_plan
from scheduler.domain import Agent
from scheduler.scenario import ALL, Deflection, Scenario, ServiceChange

METRICS = ("offered", "required_fte", "available_fte", "gap_fte", "overtime_hours", "service_level", "asa_s",
           "asa_unbounded", "abandon_rate", "under_staffed_hours", "paid_hours", "cost_eur")
TOTAL_COLUMNS = ("scenario", "span", "weeks", "offered", "required_fte", "available_fte", "max_gap_fte",
                 "short_weeks", "first_short_week", "overtime_hours", "service_level", "min_service_level",
                 "weeks_below_target", "asa_s", "asa_unbounded", "abandon_rate", "under_staffed_hours", "paid_hours",
                 "cost_eur")
DEFAULT_TARGET = 0.8
Value = float | dt.date                 # a sweep axis value: a number, or a date for a staff group's from/until
Point = tuple[tuple[str, Value], ...]   # one grid point: (path, value) per axis


# --- peak weeks --------------------------------------------------------------------------------------------------

def peak_weeks(events: pd.DataFrame | None, plan_weeks: Iterable[dt.date], kinds: Iterable[str] | None = None,
               after_days: int = 0) -> list[dt.date]:
    """The plan weeks (Mondays) holding an event of one of `kinds` (None: any event), or one of the `after_days`
    days after it (the letters of a bill mailing arrive over the next days)."""
    weeks = sorted(set(plan_weeks))
    if events is None or events.empty or not weeks:
        return []
    wanted = events if kinds is None else events[events["event"].isin(set(kinds))]
    hit: set[dt.date] = set()
    for day in wanted["date"]:
        for extra in range(after_days + 1):
            moment = day + dt.timedelta(days=extra)
            hit.add(moment - dt.timedelta(days=moment.weekday()))
    return [w for w in weeks if w in hit]


# --- compare -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Comparison:
    """Scenarios side by side. `weeks`: one row per scenario and week (scenario, week_start, peak, METRICS).
    `totals`: one row per scenario and span ("plan", "peak"), see TOTAL_COLUMNS and `totals_of`."""

    weeks: pd.DataFrame
    totals: pd.DataFrame
    peak_weeks: tuple[dt.date, ...]
    target: float

    def side_by_side(self, metric: str) -> pd.DataFrame:
        """One row per week, one column per scenario (in the order compared)."""
        table = self.weeks.pivot(index="week_start", columns="scenario", values=metric)
        return table[list(dict.fromkeys(self.weeks["scenario"]))]

    def total(self, scenario: str, span: str = "peak") -> dict[str, object]:
        rows = self.totals[(self.totals["scenario"] == scenario) & (self.totals["span"] == span)]
        if rows.empty:
            raise KeyError(f"no scenario {scenario!r} in the comparison")
        return rows.iloc[0].to_dict()


def compare(plans: Sequence[CapacityPlan], peak_weeks: Iterable[dt.date],
            target: float = DEFAULT_TARGET) -> Comparison:
    """Capacity plans side by side, per week and summed up over the plan and over the peak weeks."""
    names = [p.scenario for p in plans]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"scenario name(s) {', '.join(repeated)} used more than once; give each scenario its "
                         "own [scenario] name")
    peak = tuple(sorted(set(peak_weeks)))
    parts = []
    for plan in plans:
        table = plan.weeks[["week_start", *METRICS]].copy()
        table.insert(0, "scenario", plan.scenario)
        table.insert(2, "peak", table["week_start"].isin(set(peak)))
        parts.append(table)
    weeks = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["scenario", "week_start",
                                                                                       "peak", *METRICS])
    rows = []
    for plan in plans:
        mine = weeks[weeks["scenario"] == plan.scenario]
        rows.append({"scenario": plan.scenario, "span": "plan", **totals_of(mine, target)})
        rows.append({"scenario": plan.scenario, "span": "peak", **totals_of(mine[mine["peak"]], target)})
    return Comparison(weeks, pd.DataFrame(rows, columns=list(TOTAL_COLUMNS)), peak, target)


def totals_of(weeks: pd.DataFrame, target: float = DEFAULT_TARGET) -> dict[str, object]:
    """Weeks of a plan summed up: FTE as the mean over the weeks (max for the gap); service level and abandon
    rate weighted by offered contacts, ASA by answered contacts (as evaluate.week_summary does; NaN with
    asa_unbounded when a week's waits grow without bound); hours, cost and contacts summed. NaN where there are
    no weeks."""
    offered = weeks["offered"].to_numpy(dtype=float)
    level = weeks["service_level"].to_numpy(dtype=float)
    abandon = weeks["abandon_rate"].to_numpy(dtype=float)
    answered = offered * (1 - np.nan_to_num(abandon))
    gap = weeks["gap_fte"].to_numpy(dtype=float)
    known = level[~np.isnan(level)]
    short = weeks["week_start"][gap > 1e-6]
    unbounded = bool(weeks["asa_unbounded"].any())
    return {
        "weeks": len(weeks), "offered": float(offered.sum()),
        "required_fte": _mean(weeks["required_fte"]), "available_fte": _mean(weeks["available_fte"]),
        "max_gap_fte": float(gap.max()) if len(gap) else math.nan, "short_weeks": len(short),
        "first_short_week": min(short) if len(short) else None,
        "service_level": _weighted(level, offered), "min_service_level": float(known.min()) if len(known) else math.nan,
        "weeks_below_target": int((known < target).sum()),
        "overtime_hours": float(weeks["overtime_hours"].sum()),
        "asa_s": math.nan if unbounded else _weighted(weeks["asa_s"].to_numpy(dtype=float), answered),
        "asa_unbounded": unbounded,
        "abandon_rate": _weighted(abandon, offered),
        "under_staffed_hours": float(weeks["under_staffed_hours"].sum()),
        "paid_hours": float(weeks["paid_hours"].sum()), "cost_eur": float(weeks["cost_eur"].sum()),
    }


def _mean(values: pd.Series) -> float:
    return float(values.mean()) if len(values) else math.nan


def _weighted(values: np.ndarray, weights: np.ndarray) -> float:
    """Weighted mean over the rows with a value and a positive weight; NaN if there are none."""
    usable = ~np.isnan(values) & (weights > 0)
    return float(np.average(values[usable], weights=weights[usable])) if usable.any() else math.nan


# --- scenario changes by path ------------------------------------------------------------------------------------

# Paths name a value of the scenario file: "<table>.<queue or staff name>.<key>" for the [[...]] tables, or
# "staffing.<key>". The ranges are those scenario.py accepts for the same key.
_LISTS = {"volume": "queue", "handle_time": "queue", "deflection": "queue", "service": "queue", "staff": "name"}
_RANGES = {
    ("volume", "percent"): (-100, 1000), ("volume", "per_day"): (-1e7, 1e7),
    ("handle_time", "percent"): (-90, 1000),
    ("deflection", "share"): (0, 1), ("deflection", "handle_time_percent"): (-90, 1000),
    ("service", "service_level"): (0.01, 0.999), ("service", "answer_within_s"): (1, 86400),
    ("service", "answer_within_hours"): (0.25, 720), ("service", "patience_s"): (1, 86400),
    ("service", "shrinkage"): (0, 0.9),
    ("staff", "count"): (0, 10000), ("staff", "weekly_hours"): (1, 60), ("staff", "monthly_pay_eur"): (0, 100000),
    ("staffing", "attrition_per_month"): (0, 1), ("staffing", "overtime_share"): (0, 1),
    ("staffing", "overtime_premium"): (1, 3),
}
_DATES = {("staff", "from"): "start", ("staff", "until"): "end"}  # TOML key -> StaffChange field
_NEW_ENTRY = {"deflection": lambda queue: Deflection(queue, 0.0), "service": ServiceChange}


def with_change(scenario: Scenario, path: str, value: Value, site: Site | None = None) -> Scenario:
    """The scenario with the value at `path` set, e.g. "deflection.billing.share" = 0.2 (every [[deflection]] of
    billing; one is added if there is none), "staff.temps.count" = 10 or "staff.temps.from" = 2026-12-07 (the
    [[staff]] group named temps, which must exist), "volume.billing.percent" = 40, "staffing.overtime_share"."""
    checked = checked_value(path, value)
    parts = path.split(".")
    table, key = parts[0], parts[-1]
    field_name = _DATES.get((table, key), key)
    if table == "staffing":
        return dataclasses.replace(scenario, **{field_name: checked})
    selector = parts[1]
    by = _LISTS[table]
    allowed = (*site.queue_names, *((ALL,) if table != "service" else ())) if site is not None else ()
    if site is not None and by == "queue" and selector not in allowed:
        raise ValueError(f"{path!r}: {selector!r} is not a queue of the site; use one of {', '.join(allowed)}")
    entries = list(getattr(scenario, table))
    matching = [i for i, e in enumerate(entries) if getattr(e, by) == selector]
    if not matching:
        if table not in _NEW_ENTRY:
            raise ValueError(f"{path!r}: the scenario {scenario.name!r} has no [[{table}]] with {by} = "
                             f"{selector!r}; add one to the scenario (the sweep sets its {key})")
        entries.append(_NEW_ENTRY[table](selector))
        matching = [len(entries) - 1]
    for i in matching:
        entries[i] = dataclasses.replace(entries[i], **{field_name: checked})
        if table == "staff" and entries[i].end is not None and entries[i].end < entries[i].start:
            raise ValueError(f"{path} = {value}: the group would end ({entries[i].end}) before it starts "
                             f"({entries[i].start})")
    return dataclasses.replace(scenario, **{table: tuple(entries)})


def checked_value(path: str, value: object) -> Value:
    """The value for `path` checked on its own: a known path, a number in the key's range (whole for a count) or a
    date for from/until. The queue or staff name in the path needs the site and the scenario: `with_change`."""
    parts = path.split(".")
    table, key = parts[0], parts[-1]
    known = (table, key) in _RANGES or (table, key) in _DATES
    if not known or len(parts) != (2 if table == "staffing" else 3):
        names = sorted({f"{t}.{k}" for t, k in (*_RANGES, *_DATES)})
        raise ValueError(f"{path!r}: not a path to a scenario value; use <table>.<queue or staff name>.<key> "
                         f"(tables {', '.join(_LISTS)}) or staffing.<key>, e.g. deflection.billing.share, "
                         f"staff.temps.count; values: {', '.join(names)}")
    if (table, key) in _DATES:
        return _date(path, value)
    return _checked(path, value, *_RANGES[(table, key)], whole=key == "count")


def _checked(path: str, value: object, low: float, high: float, whole: bool) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{path} = {value!r}: give a number from {low:g} to {high:g}")
    if not low <= value <= high:
        raise ValueError(f"{path} = {value:g}: must lie between {low:g} and {high:g}")
    if whole:
        if value != int(value):
            raise ValueError(f"{path} = {value:g}: give a whole number")
        return int(value)
    return float(value)


def _date(path: str, value: object) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{path} = {value!r}: give a date as YYYY-MM-DD") from None


def value_text(value: Value) -> str:
    return value.isoformat() if isinstance(value, dt.date) else f"{value:g}"


def grid_points(grid: Mapping[str, Sequence[Value]]) -> list[Point]:
    """Every combination of the axes' values, the first axis varying slowest."""
    if not grid:
        raise ValueError("the sweep grid is empty; give at least one path with a list of values")
    for path, values in grid.items():
        if isinstance(values, str | bytes) or not isinstance(values, Sequence) or not values:
            raise ValueError(f"{path}: give a non-empty list of values, e.g. [0, 0.1, 0.2]")
    return [tuple(zip(grid, combo, strict=True)) for combo in itertools.product(*grid.values())]


def point_scenario(base: Scenario, point: Point, site: Site | None = None) -> Scenario:
    """The base scenario with a grid point's values, named after them."""
    scenario = base
    for path, value in point:
        scenario = with_change(scenario, path, value, site)
    label = ", ".join(f"{path}={value_text(value)}" for path, value in point)
    return dataclasses.replace(scenario, name=f"{base.name} [{label}]")


# --- sweep -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SweepPoint:
    values: Point   # (path, value) per axis
    scenario: str
    cost_eur: float                 # over the whole plan
    peak_cost_eur: float
    peak_service_level: float       # offered-weighted over the peak weeks
    min_peak_service_level: float   # the worst peak week
    meets_target: bool              # every peak week reaches the target
    extra_fte_needed: float
    first_short_week: dt.date | None


@dataclass(frozen=True)
class SweepResult:
    axes: tuple[str, ...]
    target: float
    peak_weeks: tuple[dt.date, ...]
    points: tuple[SweepPoint, ...]          # in grid order, the first axis varying slowest
    frontier: tuple[int, ...]               # indices of the cost/service-level Pareto frontier, cheapest first
    cheapest: int | None                    # index of the cheapest point meeting the target, None if none does


def sweep(base: Scenario, grid: Mapping[str, Sequence[Value]], forecast: pd.DataFrame, site: Site,
          agents: Sequence[Agent], peak_weeks: Iterable[dt.date], target: float = DEFAULT_TARGET,
          workers: int | None = None, mp_context: BaseContext | None = None,
          progress: Callable[[int, int], None] | None = None,
          map_parts: Callable[..., list[SweepPoint]] | None = None) -> SweepResult:
    """One capacity plan per grid point (see `with_change` for the paths). With more than one worker the plans
    run in worker processes that receive the forecast, site and agents once, when they start; with one they run
    here. Results do not depend on the number of workers. `mp_context` starts the worker processes (a threaded
    caller such as a web server passes multiprocessing.get_context("spawn"): forking a threaded process is
    unsafe); `progress(done, total)` is called after each finished point, in grid order, and may raise to stop
    the sweep (points not yet started are dropped). `map_parts(function, arguments, progress)` runs the points
    elsewhere instead (on other machines: web/parts.py), each point as a call of `function(*arguments[i])`."""
    peak = tuple(sorted(set(peak_weeks) & set(base.week_starts)))
    if not peak:
        raise ValueError("no peak weeks inside the plan; the sweep judges service level over the peak weeks")
    points = grid_points(grid)
    scenarios = [point_scenario(base, point, site) for point in points]
    workers = default_workers() if workers is None else workers
    if workers < 1:
        raise ValueError(f"workers = {workers}: give at least 1")
    if map_parts is not None:
        done = tuple(map_parts(_evaluate, [(forecast, site, agents, s, p, peak, target)
                                           for s, p in zip(scenarios, points, strict=True)], progress))
    elif workers == 1 or len(scenarios) == 1:
        done = tuple(_reported((_evaluate(forecast, site, agents, s, p, peak, target)
                                for s, p in zip(scenarios, points, strict=True)), len(points), progress))
    else:
        pool = ProcessPoolExecutor(min(workers, len(scenarios)), mp_context=mp_context, initializer=_share,
                                   initargs=(forecast, site, agents, peak, target))
        try:
            done = tuple(_reported(pool.map(_evaluate_shared, scenarios, points), len(points), progress))
        finally:
            pool.shutdown(cancel_futures=True)  # after a failure or a stop, no further points start
    return SweepResult(tuple(grid), target, peak, done, pareto_frontier(done), cheapest_meeting(done))


def _reported(results: Iterable[SweepPoint], total: int,
              progress: Callable[[int, int], None] | None) -> Iterator[SweepPoint]:
    for done, point in enumerate(results, start=1):
        if progress is not None:
            progress(done, total)
        yield point


def default_workers() -> int:
    return min(2, os.cpu_count() or 1)


def _evaluate(forecast: pd.DataFrame, site: Site, agents: Sequence[Agent], scenario: Scenario,
              point: Point, peak: tuple[dt.date, ...], target: float) -> SweepPoint:
    plan = capacity_plan(forecast, site, agents, scenario)
    weeks = plan.weeks
    at_peak = weeks[weeks["week_start"].isin(set(peak))]
    summary = totals_of(at_peak, target)
    return SweepPoint(point, scenario.name, float(weeks["cost_eur"].sum()), summary["cost_eur"],
                      summary["service_level"], summary["min_service_level"], summary["weeks_below_target"] == 0,
                      plan.extra_fte_needed, plan.first_short_week)


# A worker process keeps what every task shares, set once by the pool's initializer (a module global is the
# only place a ProcessPoolExecutor initializer can leave it for the tasks).
_SHARED: dict[str, object] = {}


def _share(forecast: pd.DataFrame, site: Site, agents: Sequence[Agent], peak: tuple[dt.date, ...],
           target: float) -> None:
    _SHARED.update(forecast=forecast, site=site, agents=agents, peak=peak, target=target)


def _evaluate_shared(scenario: Scenario, point: Point) -> SweepPoint:
    return _evaluate(_SHARED["forecast"], _SHARED["site"], _SHARED["agents"], scenario, point, _SHARED["peak"],
                     _SHARED["target"])


def pareto_frontier(points: Sequence[SweepPoint]) -> tuple[int, ...]:
    """Indices of the points no other point beats on both plan cost (lower) and peak service level (higher),
    cheapest first; of equal points the first in grid order. Points without a service level are left out."""
    order = sorted((i for i, p in enumerate(points) if not math.isnan(p.peak_service_level)),
                   key=lambda i: (points[i].cost_eur, -points[i].peak_service_level, i))
    frontier, best = [], -math.inf
    for i in order:
        if points[i].peak_service_level > best:
            frontier.append(i)
            best = points[i].peak_service_level
    return tuple(frontier)


def cheapest_meeting(points: Sequence[SweepPoint]) -> int | None:
    """The point with the lowest plan cost among those meeting the target in every peak week (ties: the higher
    peak service level, then grid order)."""
    meeting = [i for i, p in enumerate(points) if p.meets_target]
    if not meeting:
        return None
    return min(meeting, key=lambda i: (points[i].cost_eur, -points[i].peak_service_level, i))
