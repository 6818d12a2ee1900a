"""Pages for agents: own published shifts, the team's published week, the calendar feed address, wishes and
availability, settings."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from web import models
from web.access import own_agent
from web.calendar_feed import new_token, revoke_token
from web.db import db_session
from web.i18n import LANGUAGES
from web.my_shifts import WEEK, activity_labels, agent_weeks, hours_text, local_today, monday_of, team_week
from web.repository import site_config

bp = Blueprint("my", __name__, url_prefix="/my")

WEEKS_SHOWN = 4  # this week and the coming three
MIN_YEAR, MAX_YEAR = 2000, 2200


class ActionForm(FlaskForm):
    """A button that changes something: only its CSRF token."""


class SettingsForm(FlaskForm):
    language = SelectField(_l("Language"), choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()])


def _agent_and_site():
    db = db_session()
    agent = own_agent(db, current_user)
    return db, agent, site_config(db.get(models.Site, agent.site_id))


def _monday(zone) -> dt.date:
    """The Monday of ?week=YYYY-MM-DD, or of this week."""
    text = request.args.get("week", "")
    if not text:
        return monday_of(local_today(zone))
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        day = None
    if day is None or not MIN_YEAR <= day.year <= MAX_YEAR:  # the year bounds keep week arithmetic in range
        abort(400, description=_("The week must be a date like %(example)s.", example="2026-10-26"))
    return monday_of(day)


def _week_links(endpoint: str, monday: dt.date, today: dt.date) -> dict[str, str]:
    return {"prev": url_for(endpoint, week=(monday - WEEK).isoformat()),
            "next": url_for(endpoint, week=(monday + WEEK).isoformat()),
            "now": url_for(endpoint) if monday != monday_of(today) else ""}


@bp.get("/shifts")
@login_required
def shifts():
    db, agent, site = _agent_and_site()
    monday, today = _monday(site.tz), local_today(site.tz)
    weeks = agent_weeks(db, agent, site, monday, WEEKS_SHOWN, activity_labels(site, _("Break")))
    return render_template("my/shifts.html", agent=agent, weeks=weeks, today=today, hours_text=hours_text,
                           links=_week_links("my.shifts", monday, today))


@bp.get("/team")
@login_required
def team():
    db, agent, site = _agent_and_site()
    monday, today = _monday(site.tz), local_today(site.tz)
    return render_template("my/team.html", agent=agent, week=team_week(db, agent, site, monday), today=today,
                           links=_week_links("my.team", monday, today))


@bp.get("/calendar")
@login_required
def calendar():
    db, agent, _site = _agent_and_site()
    token = db.get(models.User, current_user.id).calendar_token
    urls = {}
    if token:
        https = url_for("calendar.feed", token=token, _external=True, _scheme="https")
        urls = {"https": https, "webcal": "webcal://" + https.removeprefix("https://")}
    response = render_template("my/calendar.html", agent=agent, urls=urls, form=ActionForm())
    # The page shows the secret address: keep it out of caches.
    return response, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@bp.post("/calendar/token")
@login_required
def calendar_token():
    db, _agent, _site = _agent_and_site()
    if not ActionForm().validate_on_submit():
        abort(400)
    user = db.get(models.User, current_user.id)
    had_one = user.calendar_token is not None
    new_token(db, user)
    db.commit()
    flash(_("New calendar address made; the old one no longer works.") if had_one
          else _("Calendar address made."), "info")
    return redirect(url_for("my.calendar"))


@bp.post("/calendar/revoke")
@login_required
def calendar_revoke():
    db, _agent, _site = _agent_and_site()
    if not ActionForm().validate_on_submit():
        abort(400)
    revoke_token(db, db.get(models.User, current_user.id))
    db.commit()
    flash(_("Calendar address switched off; calendars using it get no more shifts."), "info")
    return redirect(url_for("my.calendar"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    db = db_session()
    user = db.get(models.User, current_user.id)
    form = SettingsForm(language=user.locale if user.locale in LANGUAGES else str(get_locale()))
    if form.validate_on_submit():
        user.locale = form.language.data
        db.commit()
        session["lang"] = user.locale  # the session's choice comes first in the locale selector
        with force_locale(user.locale):
            flash(_("Settings saved."), "info")
        return redirect(url_for("my.settings"))
    return render_template("my/settings.html", form=form), 400 if form.is_submitted() else 200


WEEKDAYS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"), _l("Sunday"))
PREFERRED = {"": _l("no preference"), "early": _l("early shifts (starting before 10:00)"),
             "late": _l("late shifts (ending after 18:00)")}


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    """Recurring wishes (early or late shifts, weekdays off: soft, the roster weighs them) and availability
    (earliest start, latest end: hard, the roster keeps them), read by the next roster run."""
    db, agent, _site = _agent_and_site()
    details = dict(agent.details or {})
    form = ActionForm()
    errors: list[str] = []
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400, description=_("The form was incomplete; reload the page and try again."))
        preferred = request.form.get("preferred", "")
        off = sorted({int(d) for d in request.form.getlist("day_off") if d in {str(i) for i in range(7)}})
        earliest, latest = (_clock_field(request.form.get(name, ""), errors) for name in ("earliest", "latest"))
        if preferred not in PREFERRED:
            errors.append(_("Choose early, late or no preference."))
        if earliest and latest and earliest >= latest:
            errors.append(_("The earliest start must lie before the latest end."))
        if len(off) > 4:
            errors.append(_("Wish at most four weekdays off; with more, no roster can meet the contract hours."))
        if not errors:
            details.update(preferred_shift=preferred or None, days_off_wish=off,
                           earliest_start=earliest.isoformat("minutes") if earliest else None,
                           latest_end=latest.isoformat("minutes") if latest else None)
            agent.details = details
            db.commit()
            flash(_("Saved. The next roster run takes your wishes into account."), "info")
            return redirect(url_for("my.preferences"))
    return render_template("my/preferences.html", form=form, errors=errors, weekdays=WEEKDAYS, choices=PREFERRED,
                           preferred=details.get("preferred_shift") or "", off=set(details.get("days_off_wish") or ()),
                           earliest=details.get("earliest_start") or "", latest=details.get("latest_end") or ""), \
        400 if errors else 200


def _clock_field(text: str, errors: list[str]) -> dt.time | None:
    if not text:
        return None
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        errors.append(_("%(value)s is not a time; give HH:MM.", value=text))
        return None
