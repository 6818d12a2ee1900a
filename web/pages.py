"""HTML pages: the site overview, the agent's own record, and file uploads for team leads."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import func, select
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from forecasts.errors import DataFileError
from forecasts.site import SiteConfigError
from web import imports, models
from web.auth import roles_required
from web.charts import line_chart
from web.db import db_session
from web.repository import NotFound, find_site, history_stats, weekly_offered

bp = Blueprint("pages", __name__)

UPLOAD_KINDS = {
    "history": (_l("Contact history (history.csv)"), imports.import_history),
    "events": (_l("Events (events.csv)"), imports.import_events),
    "agents": (_l("Agents (agents.csv)"), imports.import_agents),
    "absences": (_l("Absences (absences.csv)"), imports.import_absences),
}


class UploadForm(FlaskForm):
    kind = SelectField(_l("What"), choices=[SelectChoice(k, label) for k, (label, _) in UPLOAD_KINDS.items()])
    file = FileField(_l("CSV file"), validators=[FileRequired()])


@bp.get("/")
@login_required
def index():
    session = db_session()
    try:
        site = find_site(session)
    except NotFound:
        return render_template("empty.html")
    if current_user.role == "agent":
        return redirect(url_for("my.shifts" if current_user.agent_pk else "pages.me"))
    agents = session.scalars(select(models.Agent).where(models.Agent.site_id == site.id)
                             .order_by(models.Agent.agent_id)).all()
    teams: dict[str, int] = {}
    for agent in agents:
        teams[agent.team] = teams.get(agent.team, 0) + 1
    today = dt.datetime.now(ZoneInfo(site.timezone)).date()
    events = session.scalars(select(models.Event).where(models.Event.site_id == site.id, models.Event.date >= today)
                             .order_by(models.Event.date).limit(12)).all()
    return render_template("index.html", site=site, stats=history_stats(session, site.id), agents=agents,
                           teams=sorted(teams.items()), events=events,
                           fte=sum(a.weekly_hours for a in agents) / 40,
                           chart=line_chart(weekly_offered(session, site.id)))


@bp.get("/me")
@login_required
def me():
    session = db_session()
    agent = session.get(models.Agent, current_user.agent_pk) if current_user.agent_pk else None
    absences = []
    if agent is not None:
        absences = session.scalars(select(models.Absence).where(models.Absence.agent_pk == agent.id)
                                   .order_by(models.Absence.start)).all()
    site = session.get(models.Site, agent.site_id) if agent else None
    tz = ZoneInfo(site.timezone) if site else dt.UTC
    shown = [{"start": a.start.astimezone(tz), "end": a.end.astimezone(tz), "reason": a.reason} for a in absences]
    return render_template("me.html", agent=agent, absences=shown)


@bp.route("/upload", methods=["GET", "POST"])
@roles_required("lead")
def upload():
    form = UploadForm()
    problems: list[str] = []
    status = 200
    if form.validate_on_submit():
        label, service = UPLOAD_KINDS[form.kind.data]
        session = db_session()
        storage = form.file.data
        try:
            summary = service(session, None, storage.stream, name=storage.filename or "upload.csv")
            session.commit()
        except (DataFileError, SiteConfigError) as exc:
            session.rollback()
            problems = [str(p) for p in getattr(exc, "problems", [])] or [str(exc)]
            status = 400
        except NotFound as exc:
            session.rollback()
            problems = [str(exc)]
            status = 400
        else:
            flash(str(summary), "info")
            return redirect(url_for("pages.upload"))
    elif form.is_submitted():
        status = 400
    counts = {}
    session = db_session()
    for name, model in (("agents", models.Agent), ("events", models.Event), ("history", models.HistoryRow)):
        counts[name] = session.scalar(select(func.count()).select_from(model))
    return render_template("upload.html", form=form, problems=problems, counts=counts), status
