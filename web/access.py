"""Who may see what: a team lead's teams, an agent's own record, and the rule that agents see published rosters
only."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import Session

from web import models

MANAGERS = ("admin", "lead", "planner", "council")  # roles that see unpublished rosters of their site


def visible_teams(user) -> frozenset[str] | None:
    """The teams whose agents a user may see in full (None: every team). A lead without teams leads them all."""
    if user.role == "lead" and user.teams:
        return frozenset(user.teams)
    return None


def visible_agents(session: Session, user, site_id: int) -> list[models.Agent]:
    """Agents of the site the user may plan or review, by agent id."""
    query = select(models.Agent).where(models.Agent.site_id == site_id).order_by(models.Agent.agent_id)
    teams = visible_teams(user)
    if teams is not None:
        query = query.where(models.Agent.team.in_(sorted(teams)))
    return list(session.scalars(query))


def own_agent(session: Session, user) -> models.Agent:
    """The agent record linked to the user, or 404 when there is none."""
    agent = session.get(models.Agent, user.agent_pk) if user.agent_pk else None
    if agent is None:
        abort(404, description="Your login is not linked to an agent.")
    return agent


def may_edit_agent(user, agent: models.Agent) -> bool:
    """Admins and leads of the agent's team change shifts; nobody else does."""
    if user.role == "admin":
        return True
    teams = visible_teams(user)
    return user.role == "lead" and (teams is None or agent.team in teams)


def user_site(session: Session, user) -> models.Site:
    """The user's site, or the only/first site for users without one."""
    from web.repository import find_site

    if user.site_id:
        row = session.get(models.Site, user.site_id)
        if row is not None:
            return row
    return find_site(session)


def may_see_job(session: Session, user, job: models.Job) -> bool:
    """A job's creator and admins see it; leads and planners see the jobs of their site; agents never."""
    from web.repository import NotFound, find_site

    if user.role == "agent":
        return False
    if user.role == "admin" or job.created_by == user.username:
        return True
    if user.role not in ("lead", "planner"):
        return False
    try:
        return find_site(session, (job.params or {}).get("site")).id == user_site(session, user).id
    except NotFound:
        return False
