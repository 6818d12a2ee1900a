"""(being written) Blueprint 'rosters' under /rosters."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("rosters", __name__, url_prefix="/rosters")
