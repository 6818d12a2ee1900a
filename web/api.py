"""The JSON API (/api/v1) and the health endpoint."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import login_required
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from web import models
from web.db import db_session, get_db
from web.repository import find_site, history_stats

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def healthz():
    try:
        get_db().ping()
    except SQLAlchemyError:
        return jsonify(status="unavailable", message="the database cannot be reached"), 503
    return jsonify(status="ok")


@bp.get("/sites")
@login_required
def sites():
    session = db_session()
    rows = session.scalars(select(models.Site).order_by(models.Site.id))
    return jsonify(sites=[_site_json(row) for row in rows])


@bp.get("/sites/<slug>")
@login_required
def site(slug: str):
    session = db_session()
    row = find_site(session, slug)
    agents = session.scalar(select(func.count()).select_from(models.Agent).where(models.Agent.site_id == row.id))
    return jsonify(site=_site_json(row), history=[
        {**s, "first": s["first"].isoformat(), "last": s["last"].isoformat()} for s in history_stats(session, row.id)
    ], agents=agents)


@bp.get("/openapi.json")
def openapi():
    return jsonify(OPENAPI)


def _site_json(row: models.Site) -> dict:
    return {"slug": row.slug, "name": row.name, "timezone": row.timezone,
            "queues": [{"name": q.name, "channel": q.channel, **q.settings} for q in row.queues]}


_ERROR = {"type": "object", "required": ["error", "message"],
          "properties": {"error": {"type": "string"}, "message": {"type": "string"}}}
OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "WFM API", "version": "1"},
    "paths": {
        "/api/v1/sites": {"get": {"summary": "Sites with their queues", "responses": {
            "200": {"description": "the sites"},
            "401": {"description": "not logged in", "content": {"application/json": {"schema": _ERROR}}}}}},
        "/api/v1/sites/{slug}": {"get": {
            "summary": "One site: queues, stored history per queue, number of agents",
            "parameters": [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {
                "200": {"description": "the site"},
                "401": {"description": "not logged in", "content": {"application/json": {"schema": _ERROR}}},
                "404": {"description": "no such site", "content": {"application/json": {"schema": _ERROR}}}}}},
    },
}
