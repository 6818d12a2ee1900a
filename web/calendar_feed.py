"""The agent's shifts as an iCalendar feed at a secret URL (calendar apps cannot log in), and its tokens."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import traceback

from flask import Blueprint, Response, abort, request
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException, InternalServerError

from web import models
from web.calendar_ics import CalendarEvent, calendar_bytes
from web.db import db_session
from web.i18n import DEFAULT_LANGUAGE, LANGUAGES
from web.my_shifts import LocalShift, activity_labels, hours_text, local_today, own_shifts, published_days
from web.repository import site_config

bp = Blueprint("calendar", __name__, url_prefix="/calendar")
log = logging.getLogger(__name__)

DAYS_BACK, DAYS_AHEAD = 28, 84  # the feed: 4 weeks back, 12 weeks ahead
TOKEN_BYTES = 32
NO_FEED = "No calendar here."  # the same answer for unknown and revoked tokens: no hint which one it was


def new_token(session: Session, user: models.User) -> str:
    """Give the user a fresh feed token; the previous URL stops working at once."""
    user.calendar_token = secrets.token_urlsafe(TOKEN_BYTES)
    session.flush()
    return user.calendar_token


def revoke_token(session: Session, user: models.User) -> None:
    user.calendar_token = None
    session.flush()


@bp.get("/<token>.ics")
def feed(token: str):
    session = db_session()
    user = session.scalars(select(models.User).where(models.User.calendar_token == token)).first()
    agent = user.agent if user is not None and user.active else None
    if agent is None:
        abort(404, description=NO_FEED)
    site_row = session.get(models.Site, agent.site_id)
    site = site_config(site_row)
    today = local_today(site.tz)
    start, end = today - dt.timedelta(days=DAYS_BACK), today + dt.timedelta(days=DAYS_AHEAD)
    language = user.locale if user.locale in LANGUAGES else DEFAULT_LANGUAGE
    with force_locale(language):
        shifts = own_shifts(session, agent, site, start, end, activity_labels(site, _("Break")))
        published = published_days(session, agent.site_id, start, end)
        events = [_event(shift, published[shift.date], site_row.slug) for shift in shifts.values()
                  if shift.date in published]
        name = _("Shifts of %(name)s", name=agent.name)
    body = calendar_bytes(events, name=name, tzid=site.timezone, today=today)
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = 'inline; filename="shifts.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _event(shift: LocalShift, published_at: dt.datetime, site_slug: str) -> CalendarEvent:
    # The UID names agent, date and site only, so a re-published roster replaces the event instead of adding one.
    uid = f"shift-{shift.agent_id}-{shift.date:%Y%m%d}@{site_slug}.wfm"
    work = _("Working time: %(hours)s h", hours=hours_text(shift.work_minutes))
    lines = [part.text for part in shift.parts] + ["", work]
    return CalendarEvent(uid, shift.start, shift.end, _("Shift %(times)s", times=shift.times), "\n".join(lines),
                         published_at)


@bp.errorhandler(Exception)
def _failed(exc: Exception):
    # Calendar apps read no HTML, and nothing of a browser session belongs here: plain text answers. The URL
    # holds the secret, so neither the path nor any message quoting it (a database error lists the query's
    # parameters) may reach the log; the app-wide handler would log the path.
    if isinstance(exc, HTTPException):
        return Response(exc.description or exc.name, exc.code or 500, mimetype="text/plain")
    token = (request.view_args or {}).get("token") or ""
    text = "".join(traceback.format_exception(exc))
    log.error("calendar feed failed:\n%s", text.replace(token, "[token]") if token else text)
    return Response(_("Something went wrong on our side; the error was logged. Try again or tell your admin."),
                    InternalServerError.code, mimetype="text/plain")
