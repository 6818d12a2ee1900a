"""Time-off pages: an agent's requests (/my/time-off), the lead's queue (/time-off) and the site's rules."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, FloatField, IntegerField, SelectField, StringField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from web import models
from web.access import own_agent, user_site
from web.agent_pages import ActionForm
from web.auth import roles_required
from web.db import db_session
from web.my_shifts import local_today
from web.repository import site_config
from web.time_off import (
    Asked,
    cancel,
    decide_request,
    may_decide,
    own_requests,
    pending_for,
    rules_row,
    submit,
)

bp = Blueprint("time_off", __name__)

STATUS_LABELS = {"requested": _l("Pending"), "approved": _l("Approved"), "rejected": _l("Rejected"),
                 "cancelled": _l("Cancelled")}
KIND_LABELS = {"vacation": _l("Vacation"), "other": _l("Other time off")}
REASON_LABELS = {"auto_approval_off": _l("automatic approval is off"), "allowance": _l("not enough vacation days left"),
                 "staffing": _l("the service level would fall below the target"),
                 "too_soon": _l("too soon for automatic approval"),
                 "no_roster": _l("no published roster for these days"),
                 "no_forecast": _l("no forecast for these days")}


class RequestForm(FlaskForm):
    first = DateField(_l("First day"), validators=[DataRequired()])
    last = DateField(_l("Last day"), validators=[DataRequired()])
    start_time = TimeField(_l("From (hours off only)"), validators=[Optional()])
    end_time = TimeField(_l("Until (hours off only)"), validators=[Optional()])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(code, label) for code, label in KIND_LABELS.items()])
    note = StringField(_l("Note"), validators=[Length(max=500)])


class DecisionForm(FlaskForm):
    note = StringField(_l("Note"), validators=[Length(max=500)])
    decision = SelectField(_l("Decision"), choices=[SelectChoice("approve", _l("Grant the request")),
                                                   SelectChoice("reject", _l("Turn the request down"))])


class RulesForm(FlaskForm):
    auto_approve = BooleanField(_l("Approve automatically when every rule holds"))
    min_service_level = FloatField(_l("Lowest projected service level without the agent (0 to 1)"),
                                   validators=[NumberRange(0, 1)])
    min_days_ahead = IntegerField(_l("At least this many days ahead"), validators=[NumberRange(0, 365)])
    vacation_days = IntegerField(_l("Vacation days a year"), validators=[NumberRange(0, 366)])
    swap_auto_approve = BooleanField(_l("Approve accepted shift swaps automatically when the roster checker finds "
                                        "nothing against them"))


def _labels() -> dict:
    return {"status": STATUS_LABELS, "kind": KIND_LABELS, "reason": REASON_LABELS}


@bp.route("/my/time-off", methods=["GET", "POST"])
@login_required
def mine():
    db = db_session()
    agent = own_agent(db, current_user)
    site = site_config(db.get(models.Site, agent.site_id))
    form = RequestForm()
    status = 200
    if form.validate_on_submit():
        asked = Asked(form.first.data, form.last.data, form.start_time.data, form.end_time.data, form.kind.data,
                      form.note.data or "")
        try:
            row = submit(db, agent, asked, local_today(site.tz))
        except ValueError as exc:
            db.rollback()
            flash(str(exc), "error")
            status = 400
        else:
            db.commit()
            flash(_("Time off approved.") if row.status == "approved"
                  else _("Request sent to your team lead."), "info")
            return redirect(url_for("time_off.mine"))
    elif form.is_submitted():
        status = 400
    return render_template("time_off/mine.html", form=form, rows=own_requests(db, agent), action=ActionForm(),
                           labels=_labels()), status


@bp.post("/my/time-off/<int:request_id>/cancel")
@login_required
def cancel_mine(request_id: int):
    db = db_session()
    agent = own_agent(db, current_user)
    row = db.get(models.TimeOffRequest, request_id)
    if row is None or row.agent_pk != agent.id:  # another agent's request does not exist for this one
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        cancel(row)
    except ValueError as exc:
        abort(409, description=str(exc))
    db.commit()
    flash(_("Request cancelled."), "info")
    return redirect(url_for("time_off.mine"))


@bp.get("/time-off")
@roles_required("lead")
def queue():
    db = db_session()
    site = user_site(db, current_user)
    return render_template("time_off/queue.html", rows=pending_for(db, current_user, site.id),
                           form=DecisionForm(), labels=_labels())


@bp.post("/time-off/<int:request_id>/decide")
@roles_required("lead")
def decide(request_id: int):
    db = db_session()
    row = db.get(models.TimeOffRequest, request_id)
    if row is None:
        abort(404)
    if not may_decide(current_user, row):
        abort(403, description=_("Only a lead of the agent's team decides this request."))
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        decide_request(db, row, current_user, form.decision.data == "approve", form.note.data or "")
    except ValueError as exc:
        abort(409, description=str(exc))
    db.commit()
    flash(_("Request approved; the absence is entered.") if row.status == "approved" else _("Request rejected."),
          "info")
    return redirect(url_for("time_off.queue"))


@bp.route("/time-off/rules", methods=["GET", "POST"])
@roles_required("lead")
def rules():
    db = db_session()
    site = user_site(db, current_user)
    row = rules_row(db, site.id)
    form = RulesForm(obj=row)
    if form.validate_on_submit():
        form.populate_obj(row)
        row.updated_by = current_user.username
        db.add(row)
        db.commit()
        flash(_("Time-off rules saved."), "info")
        return redirect(url_for("time_off.rules"))
    return render_template("time_off/rules.html", form=form), 400 if form.is_submitted() else 200
