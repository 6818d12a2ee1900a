"""Logins: users with hashed passwords and roles, Flask-Login sessions, a CSRF-protected form, throttling."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from flask import Blueprint, Flask, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from web import models
from web.api_tokens import user_for_token
from web.db import db_session

ROLES = ("admin", "lead", "planner", "council", "agent")  # council: works council, approves rosters
bp = Blueprint("auth", __name__)
login_manager = LoginManager()
csrf = CSRFProtect()


class LoginUser(UserMixin):
    """The logged-in user as Flask-Login sees it: a detached copy of the row's few fields."""

    def __init__(self, row: models.User):
        self.id = row.id
        self.username = row.username
        self.display_name = row.display_name
        self.role = row.role
        self.site_id = row.site_id
        self.agent_pk = row.agent_pk
        self.locale = row.locale
        self.teams = tuple(t.team for t in row.teams)  # the teams a team lead leads (none: all of the site)

    def get_id(self) -> str:
        return str(self.id)


class LoginForm(FlaskForm):
    username = StringField(_l("Login"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class LoginThrottle:
    """Refuses a login name for a while after too many failed attempts (per process)."""

    def __init__(self, max_failures: int, lock_seconds: float, clock: Callable[[], float] = time.monotonic):
        self.max_failures, self.lock_seconds, self.clock = max_failures, lock_seconds, clock
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def locked(self, key: str) -> bool:
        with self._lock:
            if key not in self._failures:  # asking about a name must not store it: memory would grow per guess
                return False
            recent = self._recent(key)
            return len(recent) >= self.max_failures

    def failed(self, key: str) -> None:
        with self._lock:
            self._recent(key).append(self.clock())

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _recent(self, key: str) -> list[float]:
        cutoff = self.clock() - self.lock_seconds
        recent = [t for t in self._failures.get(key, []) if t > cutoff]
        self._failures[key] = recent
        if len(self._failures) > MAX_THROTTLED_NAMES:  # many names guessed: forget the ones without recent failures
            for name in [n for n, times in self._failures.items() if n != key and not any(t > cutoff for t in times)]:
                del self._failures[name]
        return recent


MAX_THROTTLED_NAMES = 10_000


def _dummy_hash() -> str:
    return _dummy_hash_for(current_app.config["PASSWORD_HASH_METHOD"])


@functools.cache
def _dummy_hash_for(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    # CSRF guards cookie sessions; a request that authenticates with a personal token carries no cookie to abuse.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf.init_app(app)
    app.before_request(_token_or_csrf)
    app.extensions["wfm_login_throttle"] = LoginThrottle(app.config["LOGIN_MAX_FAILURES"],
                                                         app.config["LOGIN_LOCK_SECONDS"])


def _token_or_csrf() -> None:
    """`Authorization: Bearer TOKEN` logs the request in as the token's user, and nothing else counts for it
    (not the session cookie, so a forged cross-site request cannot ride on a browser's session without the
    CSRF check); every other request that changes something needs its CSRF token."""
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            csrf.protect()
        return
    row = user_for_token(db_session(), header[7:].strip())
    if row is None:
        abort(401, description="the personal token is unknown or revoked; create one with `wfm token create`")
    g._login_user = LoginUser(row)  # Flask-Login's per-request user: the session is not consulted


@login_manager.user_loader
def _load_user(user_id: str) -> LoginUser | None:
    row = db_session().get(models.User, int(user_id)) if user_id.isdigit() else None
    return LoginUser(row) if row is not None and row.active else None


@login_manager.unauthorized_handler
def _unauthorized():
    if request.path.startswith("/api/"):
        abort(401, description="log in first, or send a personal token as 'Authorization: Bearer TOKEN'")
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


def roles_required(*roles: str) -> Callable:
    """Let a view through only for logged-in users with one of these roles (admin always passes)."""
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any):
            if current_user.role not in roles and current_user.role != "admin":
                abort(403, description=_("Your role may not open this page."))
            return view(*args, **kwargs)
        return wrapped
    return decorator


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def new_password() -> str:
    return secrets.token_urlsafe(12)


def create_user(session: Session, username: str, role: str, password: str, *, display_name: str | None = None,
                site_id: int | None = None, agent_pk: int | None = None, teams: Iterable[str] = ()) -> models.User:
    """Add a user; the role must be one of ROLES and the login name unused; a team lead may lead `teams`."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if not username or len(username) > 80:
        raise ValueError("a login name needs 1 to 80 characters")
    if session.scalars(select(models.User).where(models.User.username == username)).first():
        raise ValueError(f"login {username!r} is taken; choose another")
    user = models.User(username=username, display_name=display_name or username, role=role,
                       password_hash=hash_password(password), site_id=site_id, agent_pk=agent_pk,
                       teams=[models.TeamLead(team=team) for team in sorted(set(teams))])
    session.add(user)
    session.flush()
    return user


def is_local_path(target: str | None) -> bool:
    """Whether `target` is a path on this site. An absolute URL, a scheme-relative `//host` or `/\\host` (which
    browsers read as `//host`) would make a redirect to it an open redirect."""
    return bool(target) and target.startswith("/") and not target.startswith(("//", "/\\")) \
        and "\\" not in target and not any(ord(c) < 32 for c in target)


def _fresh_session() -> None:
    """Empty the session (a new CSRF token too), keeping only the reader's language."""
    language = flask_session.get("lang")
    flask_session.clear()
    if language:
        flask_session["lang"] = language


def _safe_next(target: str | None) -> str:
    return target if is_local_path(target) else url_for("pages.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("pages.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        throttle: LoginThrottle = current_app.extensions["wfm_login_throttle"]
        key = form.username.data.strip().lower()
        if throttle.locked(key):
            flash(_("Too many failed attempts for this login. Wait 15 minutes or ask an admin."), "error")
            status = 429
        else:
            session = db_session()
            row = session.scalars(select(models.User).where(models.User.username == form.username.data.strip())
                                  ).first()
            # An unknown login costs the same hash check as a known one: the time taken tells nobody which exist.
            known = check_password_hash(row.password_hash if row is not None else _dummy_hash(),
                                        form.password.data)
            if row is not None and row.active and known:
                throttle.succeeded(key)
                row.last_login_at = dt.datetime.now(dt.UTC)
                session.commit()
                next_path = request.args.get("next")
                _fresh_session()  # nothing planted in the session before the login carries over
                login_user(LoginUser(row))
                return redirect(_safe_next(next_path))
            throttle.failed(key)
            flash(_("Login or password is wrong."), "error")
            status = 401
    elif request.method == "POST":
        status = 400
    return render_template("login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    _fresh_session()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))
