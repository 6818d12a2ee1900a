"""Hand-made published rosters for the agent pages and the calendar feed: a site, three agents, their logins."""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy import select

from scheduler.roster import Roster, Shift
from scheduler.shift_edit import build_shift
from tests.web.site_fixture import SITE_TOML
from web import imports, models
from web.db import get_db
from web.roster_store import publish, save_version

# The billing queue carries a label, so pages show "Billing" where the roster says "billing".
SITE = SITE_TOML.replace("[queues.billing]\n", '[queues.billing]\nlabel = "Billing"\n')
AGENTS = ("agent_id,name,team,skills,weekly_hours,max_days_per_week\n"
          "A1,Anna,Nord,billing,16,5\nB2,Ben,Nord,billing,16,5\nC3,Cleo,Sued,billing,16,5\n")
FRIDAY = dt.date(2026, 10, 23)  # the last working day in summer time
MONDAY = dt.date(2026, 10, 26)  # the first after the clocks went back on Sunday 25 October
PASSWORD = "pw-agent-pages"


def setup_site(app, actions) -> None:
    """The site, its agents, and logins anna, ben (agents), cleo (agent of another team), lea (lead, no agent)."""
    with app.app_context(), get_db().session() as session:
        site = imports.import_site(session, io.BytesIO(SITE.encode()), name="site.toml")
        imports.import_agents(session, site.slug, io.BytesIO(AGENTS.encode()), name="agents.csv")
        session.flush()
        pks = {a.agent_id: a.id for a in session.scalars(select(models.Agent))}
    for login, agent_id in (("anna", "A1"), ("ben", "B2"), ("cleo", "C3")):
        actions.add_user(login, "agent", PASSWORD, agent_pk=pks[agent_id])
    actions.add_user("lea", "lead", PASSWORD)


def shift(agent: str, day: dt.date, start: str = "08:00", end: str = "16:30",
          pause: tuple[str, str] = ("12:00", "12:30")) -> Shift:
    clock = dt.time.fromisoformat
    return build_shift(agent, day, clock(start), clock(end), "billing", [(clock(pause[0]), clock(pause[1]))],
                       "Europe/Berlin")


def save(app, monday: dt.date, shifts: list[Shift], *, published: bool = True) -> int:
    """A version of the week holding `shifts`, published (superseding the week's earlier one) or left a draft."""
    with app.app_context(), get_db().session() as session:
        site = session.scalars(select(models.Site)).one()
        version = save_version(session, site.id, monday, 7, Roster(tuple(shifts)), created_by="lea")
        if published:
            publish(session, version, "lea")
        return version.id


def user(app, login: str) -> models.User:
    with app.app_context(), get_db().session() as session:
        return session.scalars(select(models.User).where(models.User.username == login)).one()
