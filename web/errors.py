"""Error responses: JSON {"error", "message"} under /api/, a readable page elsewhere, never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError

from web.repository import NotFound

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(NotFound, _not_found)
    app.register_error_handler(Exception, _unexpected)


def error_response(status: int, name: str, message: str):
    if request.path.startswith("/api/"):
        response = jsonify(error=name, message=message)
        response.status_code = status
        return response
    return render_template("error.html", status=status, name=name, message=message), status


def _http_error(exc: HTTPException):
    return error_response(exc.code or 500, exc.name, exc.description or exc.name)


def _csrf_error(exc: CSRFError):
    return error_response(400, BadRequest().name, f"{exc.description} " + _("Reload the page and try again."))


def _not_found(exc: NotFound):
    return error_response(404, "Not Found", str(exc))


def _unexpected(exc: Exception):
    log.exception("unexpected error on %s %s", request.method, request.path)
    return error_response(500, InternalServerError().name,
                          _("Something went wrong on our side; the error was logged. Try again or tell your admin."))
