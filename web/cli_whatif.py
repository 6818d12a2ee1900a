"""`wfm whatif`: scenario files in, capacity plans side by side (and a sweep's frontier) out as JSON and a table."""

from __future__ import annotations

import datetime as dt
import json
import math
import time
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd

from forecasts.errors import DataFileError
from forecasts.forecast import forecast
from forecasts.forecast_csv import read_forecast
from forecasts.history_io import read_events, read_history
from forecasts.site import Site, SiteConfigError, load_site, parse_site
from scheduler.agents_io import read_agents
from scheduler.capacity import CapacityPlan, capacity_plan, hires_to_close
from scheduler.demo_data import SIZES, generate_demo, site_toml
from scheduler.domain import Agent
from scheduler.scenario import Scenario, ScenarioError, parse_scenario
from scheduler.whatif import (
    DEFAULT_TARGET,
    Comparison,
    SweepPoint,
    SweepResult,
    Value,
    compare,
    grid_points,
    peak_weeks,
    point_scenario,
    value_text,
)
from scheduler.whatif import sweep as run_sweep
from web.cli_forecasting import InputError

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
INPUT_KEYS = ("site", "agents", "forecast", "history", "events", "demo")
DEMO_SIZES = ("small", "large")
MAX_POINTS = 500


@dataclass(frozen=True, eq=False)
class Inputs:
    """What the scenarios run on: the site, its agents, the base forecast covering every plan, the events."""

    site: Site
    agents: list[Agent]
    forecast: pd.DataFrame
    events: pd.DataFrame | None
    source: str                  # where the forecast came from, for the reader


def _dates(_ctx, _param, values: tuple[str, ...]) -> tuple[dt.date, ...]:
    try:
        return tuple(dt.date.fromisoformat(v) for v in values)
    except ValueError:
        raise click.BadParameter(f"{', '.join(values)}: write dates as YYYY-MM-DD") from None


@click.command("whatif")
@click.option("--scenario", "scenario_file", type=_FILE, required=True,
              help="scenario.toml (README, What-ifs); its [inputs] name the site, agents and forecast or history")
@click.option("--compare", "compare_files", type=_FILE, multiple=True,
              help="Another scenario.toml to set beside it (repeat for more); runs on the same inputs.")
@click.option("--sweep", "sweep_file", type=_FILE, default=None,
              help="sweep.toml: a [grid] of changes to --scenario; every combination is one capacity plan.")
@click.option("--peak-event", "peak_events", multiple=True, default=("bill_mailing",), show_default=True,
              help="Event kind whose weeks are the peak (repeat for several).")
@click.option("--peak-week", "peak_dates", multiple=True, callback=_dates,
              help="A peak week given by any of its days, YYYY-MM-DD (repeat; replaces --peak-event).")
@click.option("--peak-after-days", type=click.IntRange(0, 28), default=0, show_default=True,
              help="Also count the weeks holding one of this many days after a peak event.")
@click.option("--target", type=click.FloatRange(0.01, 0.999), default=DEFAULT_TARGET, show_default=True,
              help="Service level (all queues, offered-weighted) every peak week should reach.")
@click.option("--demo", type=click.Choice(DEMO_SIZES), default=None,
              help="Run on the generated demo site (history up to the day before the plan) instead of [inputs].")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Processes for the sweep (default: 2, or 1 on a single CPU).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="result.json to write")
def whatif_command(scenario_file: Path, compare_files: tuple[Path, ...], sweep_file: Path | None,
                   peak_events: tuple[str, ...], peak_dates: tuple[dt.date, ...], peak_after_days: int,
                   target: float, demo: str | None, workers: int | None, out: Path) -> None:
    """Capacity plans of scenarios side by side: per week and over the peak weeks; optionally a sweep."""
    files = [scenario_file, *compare_files]
    documents = [_read_toml(path) for path in files]
    size = demo or _demo_size(scenario_file, documents[0])
    site = parse_site(site_toml(), source="demo site.toml") if size else _site(scenario_file, documents[0])
    scenarios = [_scenario(path, site) for path in files]
    _note_other_inputs(files, documents, size)
    grid = _grid(sweep_file, scenarios[0], site) if sweep_file else None
    inputs = _demo_inputs(size, site, scenarios) if size else _file_inputs(scenario_file, documents[0], site,
                                                                           scenarios)
    try:
        plans = [capacity_plan(inputs.forecast, inputs.site, inputs.agents, s) for s in scenarios]
        weeks = sorted({w for s in scenarios for w in s.week_starts})
        if peak_dates:
            peak = [w for w in weeks if any(w <= d < w + dt.timedelta(days=7) for d in peak_dates)]
            outside = [d for d in peak_dates if not any(w <= d < w + dt.timedelta(days=7) for w in weeks)]
            if outside:
                raise InputError(f"--peak-week {outside[0]}: not in the plan ({weeks[0]} to "
                                 f"{weeks[-1] + dt.timedelta(days=6)})")
        else:
            peak = peak_weeks(inputs.events, weeks, peak_events, peak_after_days)
        if not peak:
            click.echo(f"note: no {' or '.join(peak_events)} event in the plan's weeks; the whole plan counts as "
                       "the peak", err=True)
            peak = weeks
        comparison = compare(plans, peak, target)
        swept, seconds = None, 0.0
        if grid is not None:
            started = time.perf_counter()
            swept = run_sweep(scenarios[0], grid, inputs.forecast, inputs.site, inputs.agents, peak, target,
                              workers)
            seconds = time.perf_counter() - started
    except ValueError as exc:
        raise InputError(str(exc)) from None
    document = result_document(files, scenarios, plans, comparison, inputs, swept)
    out.write_text(json.dumps(document, indent=1, allow_nan=False, ensure_ascii=False) + "\n", encoding="utf-8")
    for line in summary_lines(plans, comparison):
        click.echo(line)
    if swept is not None:
        for line in sweep_lines(swept, seconds):
            click.echo(line)
    click.echo(f"wrote {out}")


# --- reading the files -------------------------------------------------------------------------------------------

def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path.name}: not valid TOML: {exc}") from None


def _table(path: Path, document: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = document.get(key, {})
    if not isinstance(value, dict):
        raise InputError(f"{path.name}: [{key}]: must be a table")
    return value


def _demo_size(path: Path, document: Mapping[str, Any]) -> str | None:
    inputs = _table(path, document, "inputs")
    for key in inputs:
        if key not in INPUT_KEYS:
            raise InputError(f"{path.name}: [inputs] {key}: not an input; use {', '.join(INPUT_KEYS)}")
    if "demo" not in inputs:
        return None
    if inputs["demo"] not in DEMO_SIZES:
        raise InputError(f"{path.name}: [inputs] demo = {inputs['demo']!r}: use one of {', '.join(DEMO_SIZES)}")
    others = sorted(set(inputs) - {"demo"})
    if others:
        raise InputError(f"{path.name}: [inputs] demo: the demo brings its own site, agents, history and events; "
                         f"leave out {', '.join(others)}")
    return str(inputs["demo"])


def _input_path(path: Path, document: Mapping[str, Any], key: str, required: bool = True) -> Path | None:
    inputs = _table(path, document, "inputs")
    if key not in inputs:
        if required:
            raise InputError(f"{path.name}: [inputs] {key}: missing; give the path of the file (relative to the "
                             "scenario file), or demo = \"large\" for the demo site")
        return None
    if not isinstance(inputs[key], str):
        raise InputError(f"{path.name}: [inputs] {key} = {inputs[key]!r}: give a file path in quotes")
    target = (path.parent / inputs[key]).resolve()
    if not target.is_file():
        raise InputError(f"{path.name}: [inputs] {key} = {inputs[key]!r}: no such file ({target}); paths are "
                         "relative to the scenario file")
    return target


def _site(path: Path, document: Mapping[str, Any]) -> Site:
    try:
        return load_site(_input_path(path, document, "site"))
    except SiteConfigError as exc:
        raise InputError(str(exc)) from None


def _scenario(path: Path, site: Site) -> Scenario:
    try:
        return parse_scenario(path.read_text(encoding="utf-8-sig"), site, source=path.name)
    except ScenarioError as exc:
        raise InputError(str(exc)) from None


def _note_other_inputs(files: Sequence[Path], documents: Sequence[Mapping[str, Any]], demo: str | None) -> None:
    """Compared scenarios run on the --scenario file's inputs; say so when theirs name something else."""
    def resolved(path: Path, document: Mapping[str, Any]) -> dict[str, str]:
        inputs = document.get("inputs", {})
        if not isinstance(inputs, dict):
            return {}
        return {k: v if k == "demo" else str((path.parent / str(v)).resolve()) for k, v in inputs.items()}
    first = {"demo": demo} if demo else resolved(files[0], documents[0])
    for path, document in zip(files[1:], documents[1:], strict=True):
        mine = resolved(path, document)
        if mine and mine != first:
            click.echo(f"note: {path.name}: [inputs] differ from {files[0].name}'s; every scenario runs on "
                       f"{files[0].name}'s inputs", err=True)


def _grid(path: Path, base: Scenario, site: Site) -> dict[str, list[Value]]:
    """The sweep's [grid]: path = [values]; dotted keys with or without quotes both give the path. Every point is
    built here, so a bad path or value is refused before any forecasting."""
    document = _read_toml(path)
    for key in document:
        if key != "grid":
            raise InputError(f"{path.name}: [{key}]: not a part of a sweep; write the axes under [grid]")
    grid: dict[str, list[Value]] = {}

    def flatten(table: Mapping[str, Any], prefix: str) -> None:
        for key, value in table.items():
            if isinstance(value, dict):
                flatten(value, f"{prefix}{key}.")
            else:
                grid[f"{prefix}{key}"] = value
    flatten(_table(path, document, "grid"), "")
    try:
        points = grid_points(grid)
        if len(points) > MAX_POINTS:
            raise ValueError(f"{len(points)} points; keep to {MAX_POINTS} (fewer values per axis)")
        for point in points:
            point_scenario(base, point, site)
    except ValueError as exc:
        raise InputError(f"{path.name}: [grid] {exc}") from None
    return grid


def _file_inputs(path: Path, document: Mapping[str, Any], site: Site, scenarios: Sequence[Scenario]) -> Inputs:
    start, end = min(s.start for s in scenarios), max(s.end for s in scenarios)
    try:
        agents = read_agents(_input_path(path, document, "agents"), site)
        events_file = _input_path(path, document, "events", required=False)
        events = read_events(events_file, site) if events_file else None
        forecast_file = _input_path(path, document, "forecast", required=False)
        if forecast_file:
            return Inputs(site, agents, read_forecast(forecast_file, site), events, forecast_file.name)
        history_file = _input_path(path, document, "history", required=False)
        if history_file is None:
            raise InputError(f"{path.name}: [inputs]: give forecast (a forecast.csv covering the plan) or history "
                             "(history.csv to forecast from)")
        history = read_history(history_file, site)
        click.echo(f"forecasting {start} to {end} from {history_file.name} …", err=True)
        frame = forecast(history, site, start, (end - start).days + 1, events=events).frame
    except (DataFileError, ValueError) as exc:
        raise InputError(str(exc)) from None
    return Inputs(site, agents, frame, events, f"forecast from {history_file.name}")


def _demo_inputs(size: str, site: Site, scenarios: Sequence[Scenario]) -> Inputs:
    """The seeded demo site with its history ending the day before the earliest plan starts, so that any plan
    date works from a fresh clone."""
    start, end = min(s.start for s in scenarios), max(s.end for s in scenarios)
    demo = generate_demo(size, end=start - dt.timedelta(days=1))
    click.echo(f"forecasting the {size} demo ({SIZES[size].agents} agents) for {start} to {end} …", err=True)
    frame = forecast(demo.history, demo.site, start, (end - start).days + 1, events=demo.events).frame
    return Inputs(site, list(demo.agents), frame, demo.events,
                  f"{size} demo, forecast from its history up to {start - dt.timedelta(days=1)}")


# --- the result --------------------------------------------------------------------------------------------------

def result_document(files: Sequence[Path], scenarios: Sequence[Scenario], plans: Sequence[CapacityPlan],
                    comparison: Comparison, inputs: Inputs, swept: SweepResult | None) -> dict[str, Any]:
    """The JSON result: every number plain, NaN and infinity as null, dates as YYYY-MM-DD."""
    results = []
    for path, plan, scenario in zip(files, plans, scenarios, strict=True):
        peak = comparison.total(plan.scenario, "peak")
        first = peak["first_short_week"]
        # The latest start of full-time hires (with the scenario's hire ramp) that closes the first short peak week.
        peak["latest_start"] = first - dt.timedelta(weeks=scenario.hire_ramp_weeks) if first else None
        weeks = plan.weeks.assign(peak=plan.weeks["week_start"].isin(set(comparison.peak_weeks)))
        results.append({
            "name": plan.scenario, "file": path.name,
            "extra_fte_needed": plan.extra_fte_needed, "people_to_hire": hires_to_close(plan),
            "first_short_week": plan.first_short_week, "latest_start_full_time": plan.latest_start_full_time,
            "hires": [{"name": h.name, "count": h.count, "start": h.start, "needed_from": h.needed_from,
                       "latest_start": h.latest_start, "too_late": h.too_late} for h in plan.hires],
            "plan": comparison.total(plan.scenario, "plan"), "peak": peak,
            "weeks": weeks.to_dict("records"),
        })
    document = {"forecast": inputs.source, "target": comparison.target, "peak_weeks": list(comparison.peak_weeks),
                "scenarios": results, "comparison": comparison.totals.to_dict("records"),
                "sweep": sweep_document(swept) if swept is not None else None}
    return plain(document)


def sweep_document(result: SweepResult) -> dict[str, Any]:
    def point(p: SweepPoint) -> dict[str, Any]:
        return {"values": dict(p.values), "scenario": p.scenario, "cost_eur": p.cost_eur,
                "peak_cost_eur": p.peak_cost_eur, "peak_service_level": p.peak_service_level,
                "min_peak_service_level": p.min_peak_service_level, "meets_target": p.meets_target,
                "extra_fte_needed": p.extra_fte_needed, "first_short_week": p.first_short_week}
    return {"axes": list(result.axes), "target": result.target, "points": [point(p) for p in result.points],
            "frontier": [point(result.points[i]) for i in result.frontier],
            "cheapest_meeting_target": point(result.points[result.cheapest]) if result.cheapest is not None else None}


def plain(value: Any) -> Any:
    """JSON-ready: NaN/inf → None, dates → ISO text, numpy scalars → Python numbers, recursively."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    return value


def summary_lines(plans: Sequence[CapacityPlan], comparison: Comparison) -> list[str]:
    """One line per scenario: peak service level and cost, extra FTE, first short week, hires that start late."""
    width = max(12, *(len(p.scenario) for p in plans))
    lines = [f"peak weeks: {', '.join(str(w) for w in comparison.peak_weeks)} (target {_percent(comparison.target)})",
             f"{'scenario':<{width}}  {'peak SL':>7}  {'peak cost €':>12}  {'extra FTE':>9}  {'first short':<11}  "
             "hires too late"]
    for plan in plans:
        peak = comparison.total(plan.scenario, "peak")
        late = [f"{h.name} (needed {h.needed_from}, start by {h.latest_start})" for h in plan.hires if h.too_late]
        lines.append(f"{plan.scenario:<{width}}  {_percent(peak['service_level']):>7}  {peak['cost_eur']:>12,.0f}  "
                     f"{plan.extra_fte_needed:>9.1f}  {str(plan.first_short_week or '-'):<11}  "
                     f"{'; '.join(late) or '-'}")
    return lines


def sweep_lines(result: SweepResult, seconds: float) -> list[str]:
    def label(p: SweepPoint) -> str:
        return ", ".join(f"{path}={value_text(value)}" for path, value in p.values)

    def figures(p: SweepPoint) -> str:
        return (f"plan cost {p.cost_eur:,.0f} €, peak SL {_percent(p.peak_service_level)} "
                f"(worst week {_percent(p.min_peak_service_level)})")
    lines = [f"sweep: {len(result.points)} points in {seconds:.1f} s; cost/service-level frontier:"]
    lines += [f"  {label(result.points[i])}: {figures(result.points[i])}" for i in result.frontier]
    if result.cheapest is None:
        lines.append(f"no point reaches {_percent(result.target)} in every peak week")
    else:
        best = result.points[result.cheapest]
        lines.append(f"cheapest meeting {_percent(result.target)} in every peak week: {label(best)}: {figures(best)}")
    return lines


def _percent(value: float) -> str:
    return "-" if value is None or math.isnan(value) else f"{value * 100:.1f} %"
