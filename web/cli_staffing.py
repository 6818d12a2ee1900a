"""`wfm staff`: requirements per queue and interval from a forecast file and the site."""

from __future__ import annotations

from pathlib import Path

import click

from forecasts.errors import DataFileError
from forecasts.forecast_csv import read_forecast
from forecasts.site import SiteConfigError, load_site
from scheduler.requirements_csv import write_requirements_csv
from scheduler.staffing import staff
from web.cli_forecasting import InputError

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("staff")
@click.option("--forecast", "forecast_path", type=_FILE, required=True, help="forecast.csv (DATA.md)")
@click.option("--site", type=_FILE, required=True, help="site.toml with the queues' targets")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="requirements.csv to write")
def staff_command(forecast_path: Path, site: Path, out: Path) -> None:
    """Agents needed per queue and interval: Erlang C/A, chat concurrency, e-mail backlog, shrinkage."""
    try:
        site_config = load_site(site)
        forecast = read_forecast(forecast_path, site_config)
        requirements = staff(forecast, site_config)
    except (DataFileError, SiteConfigError, ValueError) as exc:
        raise InputError(str(exc)) from None
    write_requirements_csv(requirements, out)
    for queue, rows in requirements.groupby("queue"):
        hours = rows["agents_required"].sum() * site_config.interval_minutes / 60
        scheduled = rows["agents_scheduled"].sum() * site_config.interval_minutes / 60
        click.echo(f"{queue}: {hours:,.1f} agent-hours on the queue, {scheduled:,.1f} paid with shrinkage, "
                   f"peak {rows['agents_required'].max()} agents", err=True)
    click.echo(f"wrote {len(requirements)} intervals to {out}")
