"""The Flask application factory: configuration, database, auth, pages and API wired together."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

from web import config as wfm_config


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app; `test_config` overrides what the environment says (tests pass INSTANCE_PATH and more)."""
    overrides = dict(test_config or {})
    folder = Path(overrides.pop("INSTANCE_PATH", None) or wfm_config.instance_path())
    app = Flask(__name__, instance_path=str(folder), instance_relative_config=True)
    # Ids in URLs are database integers: a larger number is no such page (404), not an overflow (500).
    app.url_map.converters["int"] = DatabaseId
    folder.mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(
        SECRET_KEY=overrides.get("SECRET_KEY") or wfm_config.load_secret_key(folder),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=200 * 1024 * 1024,
        PASSWORD_HASH_METHOD="scrypt",
        LOGIN_MAX_FAILURES=5,
        LOGIN_LOCK_SECONDS=15 * 60,
        WTF_CSRF_TIME_LIMIT=None,
        JOB_WORKERS=1,
    )
    app.config.from_mapping(wfm_config.from_environment(folder))
    app.config.update(overrides)
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config.get("SESSION_COOKIE_SECURE", False))

    from web import (  # noqa: F401 (forecasting and rostering register their jobs)
        agent_pages,
        api,
        api_audit,
        api_rosters,
        audit_pages,
        auth,
        calendar_feed,
        db,
        errors,
        forecasting,
        i18n,
        jobs,
        notification_pages,
        pages,
        planning_pages,
        roster_pages,
        rostering,
        security,
        swap_pages,
        time_off_pages,
        whatif_pages,
        whatif_service,
    )

    db.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    i18n.init_app(app)
    jobs.init_app(app)
    security.init_app(app)
    notification_pages.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(i18n.bp)
    app.register_blueprint(notification_pages.bp)
    for blueprint in (roster_pages.bp, agent_pages.bp, calendar_feed.bp, planning_pages.bp, api_rosters.bp,
                      whatif_pages.bp, audit_pages.bp, api_audit.bp, time_off_pages.bp,
                      swap_pages.bp):
        app.register_blueprint(blueprint)
    app.add_url_rule("/healthz", view_func=api.healthz)
    return app


class DatabaseId(IntegerConverter):
    """`<int:...>` in routes: 0 to 2**31 - 1, what every supported database stores in an INTEGER column."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 (werkzeug's name)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)
