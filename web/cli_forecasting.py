"""`wfm forecast` and `wfm backtest`: file in, file or table out, through the pure forecasting library."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click
import pandas as pd

from forecasts.backtest import DEFAULT_HORIZON_DAYS, DEFAULT_ORIGINS, default_origins, run_backtest
from forecasts.errors import DataFileError
from forecasts.forecast import forecast
from forecasts.forecast_csv import write_forecast_csv
from forecasts.history_io import read_events, read_history
from forecasts.report import backtest_report
from forecasts.site import Site, SiteConfigError, load_site

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


class InputError(click.ClickException):
    """A refused input file: one line on stderr, exit code 1."""

    def show(self, file=None) -> None:
        click.echo(f"wfm: error: {'; '.join(self.message.splitlines())}", err=True)


def load_inputs(history: Path, events: Path | None, site: Path) -> tuple[Site, pd.DataFrame, pd.DataFrame | None]:
    try:
        site_config = load_site(site)
        frame = read_history(history, site_config)
        event_frame = read_events(events, site_config) if events else None
    except (DataFileError, SiteConfigError) as exc:
        raise InputError(str(exc)) from None
    return site_config, frame, event_frame


def _date(_ctx, _param, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write YYYY-MM-DD") from None


@click.command("forecast")
@click.option("--history", type=_FILE, required=True, help="history.csv (DATA.md)")
@click.option("--events", type=_FILE, default=None, help="events.csv with past and future events")
@click.option("--site", type=_FILE, required=True, help="site.toml")
@click.option("--start", callback=_date, required=True, help="First day to forecast, YYYY-MM-DD (site-local).")
@click.option("--weeks", type=click.IntRange(1, 104), default=6, show_default=True)
@click.option("--method", default="auto", show_default=True,
              help="auto (chosen per queue and horizon by backtest), calendar, last_week, mean_6_weeks, year_ago")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="forecast.csv to write")
def forecast_command(history: Path, events: Path | None, site: Path, start: dt.date, weeks: int, method: str,
                     out: Path) -> None:
    """Forecast volumes, handle times and 80 % bands for every open interval."""
    site_config, frame, event_frame = load_inputs(history, events, site)
    try:
        result = forecast(frame, site_config, start, weeks * 7, events=event_frame, method=method)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    write_forecast_csv(result.frame, out)
    for queue, choice in result.choices.items():
        picked = ", ".join(f"{bucket}: {m}" for bucket, m in choice.items())
        flagged = result.outliers.get(queue, [])
        extra = f"; outlier days left out of training: {', '.join(map(str, flagged))}" if flagged else ""
        click.echo(f"{queue}: {picked}{extra}", err=True)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"wrote {len(result.frame)} intervals to {out}")


@click.command("backtest")
@click.option("--history", type=_FILE, required=True, help="history.csv (DATA.md)")
@click.option("--events", type=_FILE, default=None, help="events.csv")
@click.option("--site", type=_FILE, required=True, help="site.toml")
@click.option("--origins", type=click.IntRange(1, 60), default=DEFAULT_ORIGINS, show_default=True,
              help="Number of rolling origins (half of them just before waves of planned events).")
@click.option("--weeks", type=click.IntRange(1, 26), default=DEFAULT_HORIZON_DAYS // 7, show_default=True,
              help="Horizon in weeks.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for daily.csv and intervals.csv with every forecast and actual.")
def backtest_command(history: Path, events: Path | None, site: Path, origins: int, weeks: int,
                     out: Path | None) -> None:
    """Rolling-origin backtest: WAPE, bias and band coverage per queue and method, baselines included."""
    site_config, frame, event_frame = load_inputs(history, events, site)
    try:
        chosen = default_origins(frame, site_config, event_frame, count=origins, horizon_days=weeks * 7)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    with click.progressbar(length=len(chosen), label="backtest", file=sys.stderr,
                           hidden=not sys.stderr.isatty()) as bar:
        result = run_backtest(frame, site_config, event_frame, origins=chosen, horizon_days=weeks * 7,
                              progress=lambda done, _total: bar.update(1))
    click.echo(backtest_report(result, title=f"Backtest of {history.name}"))
    if out:
        out.mkdir(parents=True, exist_ok=True)
        result.daily.to_csv(out / "daily.csv", index=False)
        result.intervals.to_csv(out / "intervals.csv", index=False)
        click.echo(f"wrote {out / 'daily.csv'} and {out / 'intervals.csv'}")
