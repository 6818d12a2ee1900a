"""Shift-swap pages: an agent's offers and the offers open to them (/my/swaps), the lead's queue (/swaps)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from web import models
from web.access import own_agent, user_site
from web.agent_pages import ActionForm
from web.auth import roles_required
from web.db import db_session
from web.my_shifts import local_today
from web.repository import site_config
from web.roster_store import published_shifts
from web.swaps import (
    NotYours,
    Refused,
    accept,
    cancel,
    colleagues,
    decide,
    local_start,
    may_decide,
    mine,
    offer,
    open_to,
    pending_for,
)
from web.violation_text import localized_list

bp = Blueprint("swaps", __name__)

DAYS_AHEAD = 62  # shifts that can be offered: from tomorrow up to two months ahead
ANYONE = "anyone"
STATUS_LABELS = {"offered": _l("Offered"), "accepted": _l("Accepted, waiting for the team lead"),
                 "approved": _l("Swapped"), "rejected": _l("Rejected"), "cancelled": _l("Cancelled")}


class OfferForm(FlaskForm):
    day = SelectField(_l("Shift"), validators=[DataRequired()])
    target = SelectField(_l("Offer to"))
    note = StringField(_l("Note"), validators=[Length(max=500)])


class DecisionForm(FlaskForm):
    note = StringField(_l("Note"), validators=[Length(max=500)])
    decision = SelectField(_l("Decision"), choices=[SelectChoice("approve", _l("Approve the swap")),
                                                   SelectChoice("reject", _l("Turn the swap down"))])


def _refused(exc: Refused) -> str:
    return _("The swap is refused: %(findings)s", findings=localized_list(exc.violations))


@bp.route("/my/swaps", methods=["GET", "POST"])
@login_required
def my_swaps():
    db = db_session()
    agent = own_agent(db, current_user)
    site = site_config(db.get(models.Site, agent.site_id))
    today = local_today(site.tz)
    shifts = published_shifts(db, agent.site_id, today + dt.timedelta(days=1), today + dt.timedelta(days=DAYS_AHEAD),
                              [agent.agent_id])
    team = colleagues(db, agent)
    form = OfferForm()
    form.day.choices = [SelectChoice(s.date.isoformat(), f"{s.date.isoformat()} {s.start.astimezone(site.tz):%H:%M}–"
                                     f"{s.end.astimezone(site.tz):%H:%M}") for s in shifts]
    form.target.choices = ([SelectChoice(ANYONE, _("Anyone of my team who may take it"))]
                           + [SelectChoice(str(a.id), a.name) for a in team])
    status = 200
    if form.validate_on_submit():
        target = None if form.target.data == ANYONE else next(a for a in team if str(a.id) == form.target.data)
        try:
            row = offer(db, agent, dt.date.fromisoformat(form.day.data), target, today, form.note.data or "")
        except Refused as exc:
            db.rollback()
            flash(_refused(exc), "error")
            status = 409
        except ValueError as exc:
            db.rollback()
            flash(str(exc), "error")
            status = 400
        else:
            db.commit()
            flash(_("Shift offered (%(date)s).", date=row.date.isoformat()), "info")
            return redirect(url_for("swaps.my_swaps"))
    elif form.is_submitted():
        status = 400
    return render_template("swaps/mine.html", form=form, own=mine(db, agent), offers=open_to(db, agent, today),
                           action=ActionForm(), labels=STATUS_LABELS, times=lambda r: local_start(r, site.tz)), status


def _own_request(swap_id: int):
    db = db_session()
    agent = own_agent(db, current_user)
    row = db.get(models.SwapRequest, swap_id)
    if row is None or row.site_id != agent.site_id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    return db, agent, row


@bp.post("/my/swaps/<int:swap_id>/accept")
@login_required
def accept_offer(swap_id: int):
    db, agent, row = _own_request(swap_id)
    site = site_config(db.get(models.Site, agent.site_id))
    try:
        accept(db, row, agent, local_today(site.tz))
    except NotYours:
        abort(403, description=_("This offer is not addressed to you."))
    except Refused as exc:
        db.rollback()
        flash(_refused(exc), "error")
        return redirect(url_for("swaps.my_swaps")), 303
    except ValueError as exc:
        abort(409, description=str(exc))
    db.commit()
    flash(_("Swap done; the shift is yours.") if row.status == "approved"
          else _("Offer accepted; it waits for the team lead."), "info")
    return redirect(url_for("swaps.my_swaps"))


@bp.post("/my/swaps/<int:swap_id>/cancel")
@login_required
def cancel_offer(swap_id: int):
    db, agent, row = _own_request(swap_id)
    try:
        cancel(row, agent)
    except NotYours:
        abort(403, description=_("Only the agent who offered the shift can withdraw the offer."))
    except ValueError as exc:
        abort(409, description=str(exc))
    db.commit()
    flash(_("Offer withdrawn."), "info")
    return redirect(url_for("swaps.my_swaps"))


@bp.get("/swaps")
@roles_required("lead")
def queue():
    db = db_session()
    site_row = user_site(db, current_user)
    site = site_config(site_row)
    return render_template("swaps/queue.html", rows=pending_for(db, current_user, site_row.id), form=DecisionForm(),
                           times=lambda r: local_start(r, site.tz))


@bp.post("/swaps/<int:swap_id>/decide")
@roles_required("lead")
def decide_swap(swap_id: int):
    db = db_session()
    row = db.get(models.SwapRequest, swap_id)
    if row is None:
        abort(404)
    if not may_decide(current_user, row):
        abort(403, description=_("Only a lead of both agents' team decides this swap."))
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        decide(db, row, current_user, form.decision.data == "approve", form.note.data or "")
    except Refused as exc:
        db.rollback()
        flash(_refused(exc), "error")
        return redirect(url_for("swaps.queue")), 303
    except ValueError as exc:
        abort(409, description=str(exc))
    db.commit()
    flash(_("Swap approved; the published roster shows it.") if row.status == "approved" else _("Swap rejected."),
          "info")
    return redirect(url_for("swaps.queue"))
