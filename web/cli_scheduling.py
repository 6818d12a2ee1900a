"""`wfm schedule`: a roster from requirements, agents and the site, through the CP-SAT roster model."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from forecasts.errors import DataFileError
from forecasts.site import SiteConfigError, load_site
from scheduler.agents_io import read_absences, read_agents
from scheduler.requirements_csv import read_requirements
from scheduler.roster_csv import read_roster, write_roster_csv
from scheduler.roster_model import Problem
from scheduler.roster_search import solve_roster
from scheduler.rules import rules_for_site
from web.cli_forecasting import InputError, _date

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("schedule")
@click.option("--requirements", type=_FILE, required=True, help="requirements.csv (DATA.md)")
@click.option("--agents", type=_FILE, required=True, help="agents.csv")
@click.option("--absences", type=_FILE, default=None, help="absences.csv (approved leave, unavailability)")
@click.option("--previous", type=_FILE, default=None, help="roster.csv of the period before (for the 11 h rest)")
@click.option("--published", type=_FILE, default=None,
              help="roster.csv published for this period: re-plan it, changing as little as possible")
@click.option("--replan-from", "replan_from", callback=_date, default=None,
              help="With --published: days before this date stay exactly as published (YYYY-MM-DD).")
@click.option("--site", type=_FILE, required=True, help="site.toml ([rules] may tighten the ArbZG defaults)")
@click.option("--start", callback=_date, required=True, help="First day, YYYY-MM-DD.")
@click.option("--days", type=click.IntRange(1, 42), default=7, show_default=True)
@click.option("--time-limit", type=click.FloatRange(1, 24 * 3600), default=60, show_default=True,
              help="Seconds the solver may search.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (same seed, same roster).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="roster.csv to write")
def schedule_command(requirements: Path, agents: Path, absences: Path | None, previous: Path | None,
                     published: Path | None, replan_from: dt.date | None, site: Path, start: dt.date, days: int,
                     time_limit: float, seed: int, out: Path) -> None:
    """Build the roster; prints one JSON line: status, objective, best bound, gap, under-staffing, seconds."""
    try:
        site_config = load_site(site)
        rules = rules_for_site(site_config, site.name)
        needs = read_requirements(requirements, site_config)
        people = read_agents(agents, site_config)
        ids = {a.agent_id for a in people}
        leave = read_absences(absences, site_config, agent_ids=ids) if absences else []
        before = read_roster(previous, site_config, agent_ids=ids).shifts if previous else ()
        current = read_roster(published, site_config, agent_ids=ids).shifts if published else ()
    except (DataFileError, SiteConfigError, ValueError) as exc:
        raise InputError(str(exc)) from None
    if replan_from is not None and published is None:
        raise InputError("--replan-from needs --published: the roster whose earlier days stay as they are")
    period = tuple(start + dt.timedelta(days=i) for i in range(days))
    fixed = frozenset(d for d in period if replan_from is not None and d < replan_from)
    problem = Problem(site_config, rules, tuple(people), needs, period, tuple(leave), tuple(before),
                      published=tuple(current), fixed_days=fixed)

    def report(progress) -> None:
        if sys.stderr.isatty():
            click.echo(f"\r{progress.elapsed_s:6.1f} s  objective {progress.objective:,.0f}  bound "
                       f"{progress.best_bound:,.0f}  gap {progress.gap:.1%}", err=True, nl=False)

    solution = solve_roster(problem, time_limit_s=time_limit, seed=seed, progress=report)
    if sys.stderr.isatty():
        click.echo("", err=True)
    if not solution.roster.shifts and solution.status not in ("OPTIMAL", "FEASIBLE"):
        raise InputError(f"{solution.status}: {solution.explanation[0]}")
    write_roster_csv(solution.roster, out, site=site_config)
    for line in solution.explanation[:20]:
        click.echo(f"  {line}", err=True)
    click.echo(json.dumps({"status": solution.status, "objective": solution.objective,
                           "best_bound": solution.best_bound, "gap": solution.gap,
                           "understaffed_agent_intervals": solution.under_agent_intervals,
                           "understaffing_lower_bound": solution.under_lower_bound,
                           "solve_seconds": round(solution.solve_seconds, 2), "shifts": len(solution.roster.shifts),
                           **solution.size}))
