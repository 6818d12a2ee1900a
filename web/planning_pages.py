"""Planner pages: the forecast with its band, staffing requirements as heat maps, and job progress."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError
from wtforms import DateField, IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, NumberRange

from scheduler.staffing import staff
from web import jobs, models
from web.access import may_see_job, user_site
from web.auth import roles_required
from web.charts import band_chart, heat_map
from web.db import db_session, get_db
from web.forecasting import METHODS, forecast_values
from web.repository import site_config

bp = Blueprint("planning", __name__, url_prefix="/planning")

PLANNERS = ("lead", "planner")  # admin always passes roles_required
HISTORY_DAYS = 56  # the daily chart shows eight weeks of history before the forecast starts
SHAPE_WEEKS = 8  # the intraday history shape averages this many earlier same weekdays


class ForecastJobForm(FlaskForm):
    start = DateField(_l("First day"), validators=[DataRequired()])
    weeks = IntegerField(_l("Weeks"), default=6, validators=[DataRequired(), NumberRange(1, 104)])
    method = SelectField(_l("Method"), choices=[SelectChoice(m, m) for m in METHODS], default="auto")


class CancelForm(FlaskForm):
    """Only the CSRF token."""


# --- shared look-ups ---------------------------------------------------------------------------------------

def _site(session: Session) -> models.Site:
    return user_site(session, current_user)


def _runs(session: Session, site_id: int) -> list[models.ForecastRun]:
    run = models.ForecastRun
    return list(session.scalars(select(run).where(run.site_id == site_id).order_by(run.id.desc()).limit(30)))


def _chosen_run(session: Session, site: models.Site, runs: list[models.ForecastRun]) -> models.ForecastRun | None:
    """The run asked for with ?run= (of this site only), else the newest."""
    wanted = request.args.get("run", type=int)
    if wanted is None:
        return runs[0] if runs else None
    run = session.get(models.ForecastRun, wanted)
    if run is None or run.site_id != site.id:
        abort(404, description=_("There is no forecast run %(id)s for this site.", id=wanted))
    return run


def _run_queues(session: Session, run: models.ForecastRun) -> list[str]:
    v = models.ForecastValue
    return list(session.scalars(select(v.queue).where(v.run_id == run.id).group_by(v.queue).order_by(v.queue)))


def _local(instant: Any, tz: ZoneInfo) -> dt.datetime:
    """A timestamp as a Python datetime in the site's zone; via UTC so `fold` marks the repeated DST hour."""
    moment = instant.to_pydatetime() if isinstance(instant, pd.Timestamp) else instant
    return moment.astimezone(dt.UTC).astimezone(tz)


def _wall(moment: dt.datetime) -> tuple[int, int, int]:
    # Sorted as (hour, fold, minute): the repeated 02:00-02:59 of the fall-back day follows the first one.
    return moment.hour, moment.fold, moment.minute


def _wall_label(key: tuple[int, int, int]) -> str:
    hour, fold, minute = key
    return f"{hour:02d}:{minute:02d}" + (" (2)" if fold else "")


# --- forecast -----------------------------------------------------------------------------------------------

@bp.get("/forecast")
@roles_required(*PLANNERS)
def forecast():
    session = db_session()
    site = _site(session)
    runs = _runs(session, site.id)
    run = _chosen_run(session, site, runs)
    form = ForecastJobForm(start=_suggested_start(session, site), formdata=None)
    if run is None:
        return render_template("planning/forecast.html", site=site, runs=runs, run=None, form=form)
    queues = _run_queues(session, run)
    queue = request.args.get("queue") or (queues[0] if queues else None)
    if queue is not None and queue not in queues:
        abort(404, description=_("Forecast run %(id)s has no queue %(queue)s.", id=run.id, queue=queue))
    tz = ZoneInfo(site.timezone)
    frame = forecast_values(session, run.id, queue) if queue else pd.DataFrame()
    daily = _daily_view(session, site, run, queue, frame, tz)
    days_with_values = sorted({row["date"] for row in daily["rows"] if row["forecast"] is not None})
    day = _chosen_day(days_with_values)
    intraday = _intraday_view(session, site, queue, frame, day, tz) if day else None
    return render_template("planning/forecast.html", site=site, runs=runs, run=run, queues=queues, queue=queue,
                           form=form, daily=daily, day=day, days=days_with_values, intraday=intraday)


def _suggested_start(session: Session, site: models.Site) -> dt.date:
    """The Monday after the last day of history (or after today without history)."""
    last = session.scalar(select(func.max(models.HistoryRow.local_date))
                          .where(models.HistoryRow.site_id == site.id))
    base = last or dt.datetime.now(ZoneInfo(site.timezone)).date()
    return base + dt.timedelta(days=7 - base.weekday())


def _chosen_day(days: list[dt.date]) -> dt.date | None:
    text = request.args.get("day")
    if text:
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            abort(400, description=_("day %(day)s is not a date; give YYYY-MM-DD.", day=text))
        if day in days:
            return day
        flash(_("The forecast has no values on %(day)s; showing its first day.", day=text), "error")
    return days[0] if days else None


def _daily_view(session: Session, site: models.Site, run: models.ForecastRun, queue: str | None,
                frame: pd.DataFrame, tz: ZoneInfo) -> dict[str, Any]:
    """Offered per day: history of the eight weeks before the run (and any actuals inside it) joined to the
    forecast's daily totals; a day the site is closed counts as zero, not as missing."""
    first = run.start_date - dt.timedelta(days=HISTORY_DAYS)
    end = run.start_date + dt.timedelta(days=run.days)  # exclusive
    h = models.HistoryRow
    history = dict(session.execute(
        select(h.local_date, func.sum(h.offered)).where(h.site_id == site.id, h.queue == queue,
                                                         h.local_date >= first, h.local_date < end)
        .group_by(h.local_date)).all()) if queue else {}
    sums: dict[dt.date, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for start, offered, lo, hi in zip(frame.get("interval_start", []), frame.get("offered", []),
                                      frame.get("offered_p10", []), frame.get("offered_p90", []), strict=True):
        total = sums[_local(start, tz).date()]
        total[0] += offered
        total[1] += lo
        total[2] += hi
    first_history, last_history = min(history, default=None), max(history, default=None)
    e = models.Event
    events = session.execute(select(e.date, e.event, e.queue).where(
        e.site_id == site.id, e.date >= first, e.date < end, (e.queue.is_(None)) | (e.queue == queue))
        .order_by(e.date, e.event)).all()
    by_day: dict[dt.date, list[str]] = defaultdict(list)
    for day, name, _queue in events:
        by_day[day].append(name.replace("_", " "))
    rows = []
    for offset in range((end - first).days):
        day = first + dt.timedelta(days=offset)
        actual = history.get(day)
        if actual is None and first_history is not None and first_history <= day <= last_history:
            actual = 0  # inside the imported history, a day without rows is a closed day
        forecast_day = day >= run.start_date
        total = sums.get(day, (0.0, 0.0, 0.0)) if forecast_day else None
        rows.append({"date": day, "history": actual, "forecast": total[0] if total else None,
                     "p10": total[1] if total else None, "p90": total[2] if total else None,
                     "events": by_day.get(day, [])})
    # Forecast first in both charts, so it has the band's colour (the first of the palette) in both.
    lines = {_("Forecast"): [(r["date"].toordinal(), r["forecast"]) for r in rows if r["forecast"] is not None],
             _("History"): [(r["date"].toordinal(), float(r["history"])) for r in rows if r["history"] is not None]}
    band = [(r["date"].toordinal(), r["p10"], r["p90"]) for r in rows if r["forecast"] is not None]
    ticks = [(r["date"].toordinal(), r["date"]) for r in rows if r["date"].weekday() == 0]
    markers = [(run.start_date.toordinal(), _("forecast start"))]
    today = dt.datetime.now(tz).date()
    if today != run.start_date:
        markers.append((today.toordinal(), _("today")))
    marks = [(day.toordinal(), f"{day.isoformat()}: {', '.join(names)}") for day, names in sorted(by_day.items())]
    chart = band_chart(lines, band, x_ticks=ticks, markers=markers, marks=marks)
    return {"rows": rows, "chart": chart, "events": [(day, names) for day, names in sorted(by_day.items())]}


def _intraday_view(session: Session, site: models.Site, queue: str, frame: pd.DataFrame, day: dt.date,
                   tz: ZoneInfo) -> dict[str, Any]:
    """The forecast per interval of one day with its band, and the average history of the same weekday in the
    eight weeks before it, placed by wall-clock time. x is seconds since local midnight in real time, so a DST
    day is 23 or 25 hours long on the axis."""
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)
    intervals = []
    for start, offered, lo, hi in zip(frame["interval_start"], frame["offered"], frame["offered_p10"],
                                      frame["offered_p90"], strict=True):
        moment = _local(start, tz)
        if moment.date() == day:
            intervals.append((moment, float(offered), float(lo), float(hi)))
    shape, shape_days = _history_shape(session, site, queue, day, tz)
    rows = [{"time": _wall_label(_wall(m)), "x": (m.astimezone(dt.UTC) - midnight).total_seconds(),
             "forecast": o, "p10": lo, "p90": hi, "history": shape.get(_wall(m))}
            for m, o, lo, hi in intervals]
    lines = {_("Forecast"): [(r["x"], r["forecast"]) for r in rows]}
    if any(r["history"] is not None for r in rows):
        lines[_("History, same weekday (average)")] = [(r["x"], r["history"]) for r in rows
                                                       if r["history"] is not None]
    every = 2 if len(rows) * site_config(site).interval_minutes > 12 * 60 else 1
    ticks = [(r["x"], r["time"]) for r in rows if r["time"].endswith(":00") and int(r["time"][:2]) % every == 0]
    chart = band_chart(lines, [(r["x"], r["p10"], r["p90"]) for r in rows], x_ticks=ticks)
    return {"rows": rows, "chart": chart, "shape_days": shape_days}


def _history_shape(session: Session, site: models.Site, queue: str, day: dt.date, tz: ZoneInfo
                   ) -> tuple[dict[tuple[int, int, int], float], int]:
    """Average offered per wall-clock slot over the earlier same weekdays that have history, and their number."""
    h = models.HistoryRow
    dates = [day - dt.timedelta(weeks=k) for k in range(1, SHAPE_WEEKS + 1)]
    rows = session.execute(select(h.local_date, h.interval_start, h.offered)
                           .where(h.site_id == site.id, h.queue == queue, h.local_date.in_(dates))).all()
    days = {d for d, _start, _offered in rows}
    totals: dict[tuple[int, int, int], float] = defaultdict(float)
    for _day, start, offered in rows:
        totals[_wall(_local(start, tz))] += offered
    return {key: total / len(days) for key, total in totals.items()}, len(days)


@bp.post("/forecast/run")
@roles_required(*PLANNERS)
def run_forecast():
    form = ForecastJobForm()
    if not form.validate_on_submit():
        problems = [f"{form[name].label.text}: {'; '.join(errors)}" for name, errors in form.errors.items()]
        flash(_("The forecast was not started: %(problems)s", problems=" · ".join(problems)), "error")
        return redirect(url_for("planning.forecast"))
    site = _site(db_session())
    try:
        job = jobs.submit(current_app.extensions["wfm_jobs"], "forecast",
                          {"start": form.start.data.isoformat(), "weeks": form.weeks.data, "method": form.method.data,
                           "site": site.slug, "created_by": current_user.username}, current_user.username)
    except ValueError as exc:
        flash(_("The forecast was not started: %(problems)s", problems=str(exc)), "error")
        return redirect(url_for("planning.forecast"))
    return redirect(url_for("planning.job", job_id=job.id))


# --- requirements -------------------------------------------------------------------------------------------

@bp.get("/requirements")
@roles_required(*PLANNERS)
def requirements():
    session = db_session()
    site = _site(session)
    runs = _runs(session, site.id)
    run = _chosen_run(session, site, runs)
    if run is None:
        return render_template("planning/requirements.html", site=site, runs=runs, run=None)
    config = site_config(site)
    weeks = _weeks_of(run)
    week = _chosen_week(weeks)
    frame = forecast_values(session, run.id)
    tz = ZoneInfo(site.timezone)
    if not frame.empty:
        local_day = frame["interval_start"].dt.date
        frame = frame[(local_day >= week) & (local_day < week + dt.timedelta(days=7))]
    queues = sorted(frame["queue"].unique()) if not frame.empty else []
    queue = request.args.get("queue") or None
    if queue is not None and queue not in _run_queues(session, run):
        abort(404, description=_("Forecast run %(id)s has no queue %(queue)s.", id=run.id, queue=queue))
    try:
        # Every queue is staffed together: the e-mail plan depends on what the phone queues need.
        needs = staff(frame, config) if not frame.empty else pd.DataFrame()
    except ValueError as exc:
        return render_template("planning/requirements.html", site=site, runs=runs, run=run, weeks=weeks, week=week,
                               queues=queues, queue=queue, maps=[], problem=str(exc)), 400
    shown = [queue] if queue else queues
    maps = [(name, requirement_grid(needs[needs["queue"] == name], week, tz, config.interval_minutes))
            for name in shown if not needs.empty]
    return render_template("planning/requirements.html", site=site, runs=runs, run=run, weeks=weeks, week=week,
                           queues=queues, queue=queue, maps=maps, problem=None,
                           interval_minutes=config.interval_minutes)


def _weeks_of(run: models.ForecastRun) -> list[dt.date]:
    first = run.start_date - dt.timedelta(days=run.start_date.weekday())
    last = run.start_date + dt.timedelta(days=run.days - 1)
    return [first + dt.timedelta(weeks=k) for k in range((last - first).days // 7 + 1)]


def _chosen_week(weeks: list[dt.date]) -> dt.date:
    text = request.args.get("week")
    if not text:
        return weeks[0]
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        abort(400, description=_("week %(week)s is not a date; give YYYY-MM-DD.", week=text))
    return day - dt.timedelta(days=day.weekday())


def requirement_grid(needs: pd.DataFrame, week: dt.date, tz: ZoneInfo, interval_minutes: int):
    """Agents required per day (rows, Monday to Sunday) and wall-clock interval (columns)."""
    values: dict[tuple[object, object], float] = {}
    for start, agents in zip(needs["interval_start"], needs["agents_required"], strict=True):
        moment = _local(start, tz)
        values[(moment.date(), _wall(moment))] = float(agents)
    columns = sorted({column for _day, column in values})
    days = [week + dt.timedelta(days=k) for k in range(7)]
    grid = heat_map(values, days, columns, total_weight=interval_minutes / 60)
    return grid, [_wall_label(c) for c in columns]


# --- jobs ---------------------------------------------------------------------------------------------------

def _visible_job(job_id: str) -> models.Job:
    """The job, if this user may see it: its creator, admins, and leads/planners of the job's site."""
    jobs.fail_overdue(get_db())  # a job past its deadline is shown failed, not running forever
    session = db_session()
    job = session.get(models.Job, job_id)
    if job is None:
        abort(404, description=_("There is no job %(id)s.", id=job_id))
    if current_user.role == "agent":
        abort(403, description=_("Your role may not open this page."))
    if not may_see_job(session, current_user, job):
        abort(403, description=_("This job belongs to another site."))
    return job


def _elapsed_s(job: models.Job) -> float:
    if job.started_at is None:
        return 0.0
    return ((job.finished_at or dt.datetime.now(dt.UTC)) - job.started_at).total_seconds()


def clock(seconds: float) -> str:
    """Elapsed time as m:ss or h:mm:ss, the same in every language (job.js writes the same format)."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _result_link(job: models.Job) -> str | None:
    result = job.result or {}
    if job.status != "succeeded":
        return None
    if job.kind == "roster" and result.get("version_id") is not None:
        try:
            return url_for("rosters.version", version_id=result["version_id"])
        except BuildError:
            return f"/rosters/{result['version_id']}"  # until the roster pages provide the endpoint
    if job.kind == "forecast" and result.get("run_id") is not None:
        return url_for("planning.forecast", run=result["run_id"])
    if job.kind == "whatif_week" and result.get("scenario_id") is not None:
        return url_for("whatif.scenario", scenario_id=result["scenario_id"], job=job.id, _anchor="result")
    if job.kind == "whatif_sweep" and result.get("scenario_id") is not None:
        return url_for("whatif.scenario", scenario_id=result["scenario_id"], sweep=job.id, _anchor="sweep-result")
    return None


@bp.get("/jobs/<job_id>")
@login_required
def job(job_id: str):
    row = _visible_job(job_id)
    elapsed = _elapsed_s(row)
    try:
        start_day = dt.date.fromisoformat(str((row.params or {}).get("start")))
    except ValueError:
        start_day = None
    return render_template("planning/job.html", job=row, elapsed_s=elapsed, elapsed=clock(elapsed), start_day=start_day,
                           result_link=_result_link(row), active=row.status in jobs.ACTIVE, form=CancelForm(),
                           job_message=jobs.job_message)


@bp.post("/jobs/<job_id>/cancel")
@roles_required(*PLANNERS)
def cancel_job(job_id: str):
    _visible_job(job_id)
    if not CancelForm().validate_on_submit():
        abort(400, description=_("The form was incomplete; reload the page and try again."))
    row = jobs.request_cancel(get_db(), job_id)
    if row is not None and row.cancel_requested:
        flash(_("Cancel requested; the job stops at its next progress report."), "info")
    return redirect(url_for("planning.job", job_id=job_id))
