"""The user's notifications: a page and the JSON API (newest first; read ones stay listed), and the unread count
the navigation shows."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select, update

from web import models
from web.db import db_session
from web.models import utc_now
from web.notify import text, unread_count

bp = Blueprint("notifications", __name__)
SHOWN = 100


def _mine() -> list[models.Notification]:
    return list(db_session().scalars(select(models.Notification)
                                     .where(models.Notification.user_id == current_user.id)
                                     .order_by(models.Notification.id.desc()).limit(SHOWN)))


def _read_all() -> None:
    session = db_session()
    session.execute(update(models.Notification).where(models.Notification.user_id == current_user.id,
                                                      models.Notification.read_at.is_(None)).values(read_at=utc_now()))
    session.commit()


@bp.get("/notifications")
@login_required
def index():
    return render_template("notifications.html", notifications=[(n, text(n)) for n in _mine()])


@bp.post("/notifications/read")
@login_required
def read():
    _read_all()
    return redirect(url_for("notifications.index"))


@bp.get("/api/v1/notifications")
@login_required
def api_list():
    return jsonify(unread=unread_count(db_session(), current_user.id), notifications=[
        {"id": n.id, "kind": n.kind, "message": text(n), "link": n.link, "created_at": n.created_at.isoformat(),
         "read": n.read_at is not None} for n in _mine()])


@bp.post("/api/v1/notifications/read")
@login_required
def api_read():
    _read_all()
    return jsonify(unread=0)


def init_app(app) -> None:
    @app.context_processor
    def _unread() -> dict:
        if not current_user or not current_user.is_authenticated:
            return {"unread_notifications": 0}
        return {"unread_notifications": unread_count(db_session(), current_user.id)}
