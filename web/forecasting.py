"""Forecast service: run the pure forecaster on a stored site, apply planner overrides, store the result."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from forecasts.forecast import forecast
from forecasts.overrides import Override, apply_overrides, check_override
from web import models
from web.db import Database
from web.jobs import N_, JobContext, job_kind, site_param, start_param
from web.repository import events_frame, find_site, history_frame, site_config

METHODS = ("auto", "calendar", "last_week", "mean_6_weeks", "year_ago")


def check_forecast_params(params: dict[str, Any]) -> dict[str, Any]:
    """Normalise the parameters of a forecast job, refusing what cannot work with a message that says why."""
    start = start_param(params)
    weeks = params.get("weeks", 6)
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= 104:
        raise ValueError(f"weeks {weeks!r}: give a whole number of weeks from 1 to 104")
    method = params.get("method", "auto")
    if method not in METHODS:
        raise ValueError(f"method {method!r}: use one of {', '.join(METHODS)}")
    site = site_param(params)
    return {"start": start.isoformat(), "weeks": weeks, "method": method, "site": site,
            "created_by": str(params.get("created_by", ""))}


def stored_overrides(session: Session, site_id: int) -> list[Override]:
    rows = session.scalars(select(models.ForecastOverride).where(models.ForecastOverride.site_id == site_id)
                           .order_by(models.ForecastOverride.id))
    return [Override(r.queue, r.start_date, r.end_date, r.percent, r.reason, r.created_by, r.created_at)
            for r in rows]


def add_override(session: Session, site_slug: str | None, override: Override) -> models.ForecastOverride:
    site_row = find_site(session, site_slug)
    check_override(override, site_config(site_row))
    row = models.ForecastOverride(site_id=site_row.id, queue=override.queue, start_date=override.start,
                                  end_date=override.end, percent=override.percent, reason=override.reason,
                                  created_by=override.created_by)
    session.add(row)
    session.flush()
    return row


def run_forecast(database: Database, params: dict[str, Any], ctx: JobContext | None = None) -> dict[str, Any]:
    """Forecast a stored site and store the run; returns the run id, the choices made and any notes."""
    with database.session() as session:
        site_row = find_site(session, params.get("site"))
        site = site_config(site_row)
        history = history_frame(session, site_row)
        events = events_frame(session, site_row)
        overrides = stored_overrides(session, site_row.id)
        site_id = site_row.id
    start = dt.date.fromisoformat(params["start"])

    def report(done: int, total: int) -> None:
        if ctx is not None:
            ctx.progress(0.9 * done / total, N_("forecast %(done)s of %(total)s queues"), done=done, total=total)

    result = forecast(history, site, start, params["weeks"] * 7, events=events, method=params["method"],
                      progress=report)
    frame = apply_overrides(result.frame, overrides, site)
    if ctx is not None:
        ctx.progress(0.95, N_("storing the forecast"))
    with database.session() as session:
        run = models.ForecastRun(site_id=site_id, start_date=start, days=params["weeks"] * 7, method=params["method"],
                                 created_by=params.get("created_by") or "system",
                                 details={"choices": result.choices, "notes": result.notes,
                                          "overrides": len(overrides),
                                          "outliers": {q: [d.isoformat() for d in days]
                                                       for q, days in result.outliers.items()}})
        session.add(run)
        session.flush()
        if not frame.empty:
            session.execute(insert(models.ForecastValue), _value_records(frame, run.id))
        run_id = run.id
    return {"run_id": run_id, "intervals": len(frame), "choices": result.choices, "notes": result.notes}


@job_kind("forecast", check_forecast_params)
def forecast_job(ctx: JobContext, database: Database, params: dict[str, Any]) -> dict[str, Any]:
    return run_forecast(database, params, ctx)


def forecast_values(session: Session, run_id: int, queue: str | None = None) -> pd.DataFrame:
    """The stored values of one forecast run, in the site's local time."""
    run = session.get(models.ForecastRun, run_id)
    if run is None:
        return pd.DataFrame()
    tz = session.get(models.Site, run.site_id).timezone
    v = models.ForecastValue
    query = (select(v.queue, v.interval_start, v.offered, v.aht_s, v.offered_p10, v.offered_p90)
             .where(v.run_id == run_id))
    if queue:
        query = query.where(v.queue == queue)
    frame = pd.DataFrame(session.execute(query.order_by(v.queue, v.interval_start)).all(),
                         columns=["queue", "interval_start", "offered", "aht_s", "offered_p10", "offered_p90"])
    frame["interval_start"] = pd.to_datetime(frame["interval_start"], utc=True).dt.tz_convert(tz)
    return frame


def _value_records(frame: pd.DataFrame, run_id: int) -> list[dict]:
    starts = frame["interval_start"].dt.tz_convert("UTC").dt.to_pydatetime()
    aht = frame["aht_s"].astype(float)
    return [{"run_id": run_id, "queue": q, "interval_start": t, "offered": float(o),
             "aht_s": None if pd.isna(a) else float(a), "offered_p10": float(lo), "offered_p90": float(hi)}
            for q, t, o, a, lo, hi in zip(frame["queue"], starts, frame["offered"], aht, frame["offered_p10"],
                                          frame["offered_p90"], strict=True)]
