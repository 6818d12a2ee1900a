"""Shared set-up for the API tests: the tiny test site with agents in teams Nord and Sued, users of every role,
hand-made roster versions and a hand-made forecast run."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

from sqlalchemy import select

from scheduler.roster import Roster, Shift
from scheduler.shift_edit import build_shift
from tests.web.site_fixture import SITE_TOML
from web import imports, models
from web.db import get_db
from web.roster_store import publish, save_version

MONDAY = dt.date(2026, 12, 7)
AGENTS = ("agent_id,name,team,skills,weekly_hours,max_days_per_week\n"
          "A1,Anna,Nord,billing,16,5\nA3,Arne,Nord,billing,16,5\nB2,Ben,Sued,billing,16,5\n")
BERLIN = ZoneInfo("Europe/Berlin")


def day_shift(agent: str, day: dt.date, start: int = 8, end: int = 16, brk: int = 12) -> Shift:
    return build_shift(agent, day, dt.time(start), dt.time(end), "billing", [(dt.time(brk), dt.time(brk, 30))],
                       "Europe/Berlin")


def load_site(app) -> None:
    with app.app_context(), get_db().session() as session:
        site = imports.import_site(session, io.BytesIO(SITE_TOML.encode()), name="site.toml")
        imports.import_agents(session, site.slug, io.BytesIO(AGENTS.encode()), name="agents.csv")


def agent_pk(app, agent_id: str) -> int:
    with app.app_context(), get_db().session() as session:
        return session.scalars(select(models.Agent.id).where(models.Agent.agent_id == agent_id)).one()


def make_version(app, shifts: list[Shift], *, published: bool = False, forecast_run: int | None = None) -> int:
    """A roster version of the week of MONDAY holding exactly these shifts (published if asked)."""
    with app.app_context(), get_db().session() as session:
        site = session.scalars(select(models.Site)).one()
        version = save_version(session, site.id, MONDAY, 7, Roster(tuple(shifts)), created_by="test",
                               forecast_run=forecast_run)
        if published:
            publish(session, version, "test")
        return version.id


def make_forecast_run(app, offered: list[float], aht_s: float = 300.0) -> int:
    """A stored forecast of queue billing from Monday 08:00 on, one value per quarter-hour."""
    with app.app_context(), get_db().session() as session:
        site = session.scalars(select(models.Site)).one()
        run = models.ForecastRun(site_id=site.id, start_date=MONDAY, days=7, method="test", created_by="test")
        session.add(run)
        session.flush()
        first = dt.datetime.combine(MONDAY, dt.time(8), BERLIN)
        for i, value in enumerate(offered):
            session.add(models.ForecastValue(run_id=run.id, queue="billing",
                                             interval_start=first + dt.timedelta(minutes=15 * i), offered=value,
                                             aht_s=aht_s, offered_p10=value * 0.8, offered_p90=value * 1.2))
        return run.id


def send(client, actions, method: str, path: str, body: dict | None = None, **kwargs):
    """An API call with the session's CSRF token, as a browser script would make it."""
    headers = {"X-CSRFToken": actions.csrf_token("/me")}
    return client.open(path, method=method, json=body, headers=headers, **kwargs)
