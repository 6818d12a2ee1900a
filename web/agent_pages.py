"""(being written) Blueprint 'my' under /my."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("my", __name__, url_prefix="/my")
