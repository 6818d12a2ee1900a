"""(being written) Blueprint 'api_rosters' under /api/v1."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api_rosters", __name__, url_prefix="/api/v1")
