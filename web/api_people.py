"""API routes about people: the agents a user may see, and the logged-in user with their published shifts."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import jsonify, request
from flask_login import current_user, login_required
from sqlalchemy import select

from web import models
from web.access import own_agent, visible_agents
from web.api_support import agent_json, agent_visible, bp, current_site, date_value, fail, shift_json
from web.db import db_session
from web.roster_store import published_shifts

MAX_SHIFT_DAYS = 366


@bp.get("/agents")
@login_required
def list_agents():
    session = db_session()
    site = current_site(session)
    if current_user.role == "agent":
        agents = [own_agent(session, current_user)]
    else:
        agents = visible_agents(session, current_user, site.id)
    return jsonify(site=site.slug, agents=[agent_json(a) for a in agents])


@bp.get("/agents/<agent_id>")
@login_required
def get_agent(agent_id: str):
    session = db_session()
    site = current_site(session)
    agent = session.scalars(select(models.Agent).where(models.Agent.site_id == site.id,
                                                       models.Agent.agent_id == agent_id)).first()
    if agent is None or not agent_visible(session, agent):
        fail(404, f"no agent {agent_id!r} that you may see; list them with GET /api/v1/agents")
    return jsonify(site=site.slug, agent=agent_json(agent))


@bp.get("/me")
@login_required
def me():
    session = db_session()
    agent = session.get(models.Agent, current_user.agent_pk) if current_user.agent_pk else None
    site_id = agent.site_id if agent is not None else current_user.site_id
    site = session.get(models.Site, site_id) if site_id is not None else None
    return jsonify(user={"username": current_user.username, "display_name": current_user.display_name,
                         "role": current_user.role, "locale": current_user.locale, "teams": list(current_user.teams)},
                   site=site.slug if site else None,
                   agent=None if agent is None else {"agent_id": agent.agent_id, "name": agent.name,
                                                     "team": agent.team, "skills": list(agent.skills),
                                                     "weekly_hours": agent.weekly_hours})


@bp.get("/me/shifts")
@login_required
def my_shifts():
    session = db_session()
    agent = own_agent(session, current_user)
    site = session.get(models.Site, agent.site_id)
    zone = ZoneInfo(site.timezone)
    start = date_value(request.args["from"], "from") if "from" in request.args else dt.datetime.now(zone).date()
    last = date_value(request.args["to"], "to") if "to" in request.args else start + dt.timedelta(days=27)
    if not start <= last <= start + dt.timedelta(days=MAX_SHIFT_DAYS - 1):
        fail(400, f"from {start} to {last}: give a 'to' date on or after 'from', at most {MAX_SHIFT_DAYS} days on")
    shifts = published_shifts(session, site.id, start, last + dt.timedelta(days=1), [agent.agent_id])
    return jsonify({"agent_id": agent.agent_id, "from": start.isoformat(), "to": last.isoformat(),
                    "shifts": [shift_json(s, zone, agent.name) for s in shifts]})
