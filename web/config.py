"""Configuration from the environment, with an embedded default: SQLite in the instance folder."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any


def instance_path() -> Path:
    """The folder for the database, the secret key and the demo logins (WFM_INSTANCE_PATH or ./instance)."""
    return Path(os.environ.get("WFM_INSTANCE_PATH") or Path.cwd() / "instance").resolve()


def load_secret_key(folder: Path) -> str:
    """WFM_SECRET_KEY, else a random key generated once and kept in the instance folder (mode 0600)."""
    if os.environ.get("WFM_SECRET_KEY"):
        return os.environ["WFM_SECRET_KEY"]
    key_file = folder / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def from_environment(folder: Path) -> dict[str, Any]:
    """Settings read from environment variables; see the README's table of variables."""
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder / 'wfm.sqlite3'}"
    if database_url.startswith("postgres://"):  # Heroku-style URLs name the dialect differently
        database_url = "postgresql://" + database_url.removeprefix("postgres://")
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    return {
        "DATABASE_URL": database_url,
        "SESSION_COOKIE_SECURE": os.environ.get("WFM_SECURE_COOKIES", "0") == "1",
        # Jobs run on Celery workers when a broker is given (redis://host:6379/0), else in the web process.
        "BROKER_URL": os.environ.get("WFM_BROKER_URL") or None,
        "RESULT_BACKEND": os.environ.get("WFM_RESULT_BACKEND") or None,
    }
