"""UI language: German by default, English available; the user's choice is kept in the session."""

from __future__ import annotations

from flask import Blueprint, Flask, redirect, request, session, url_for
from flask_babel import Babel, format_date, format_datetime, format_decimal, format_number, get_locale
from flask_login import current_user

from web.auth import is_local_path
from web.violation_text import localized

LANGUAGES = {"de": "Deutsch", "en": "English"}
DEFAULT_LANGUAGE = "de"
bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """The language chosen in this session, else the user's setting, else the browser's preferred one we have,
    else German."""
    chosen = session.get("lang") or getattr(current_user, "locale", None)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT_LANGUAGE)


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale, default_locale=DEFAULT_LANGUAGE, default_timezone="Europe/Berlin")
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, get_locale=get_locale, format_date=format_date,
                                 format_datetime=format_datetime, format_decimal=format_decimal,
                                 format_number=format_number, violation_text=localized)
    app.jinja_env.filters["violation_text"] = localized


@bp.get("/lang/<code>")
def choose(code: str):
    if code in LANGUAGES:
        session["lang"] = code
    target = request.args.get("next", "")
    if not is_local_path(target):  # the language switch must not be an open redirect
        target = url_for("pages.index")
    return redirect(target)
