"""Shared fixtures: an app on a fresh database (SQLite always, PostgreSQL when configured), client, actions."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.postgres import PG_SKIP_REASON, PG_URL
from web import create_app
from web.auth import create_user
from web.db import get_db

FAST_HASH = "pbkdf2:sha256:1000"  # tests only: the real default is scrypt


def _postgres_schema_url(schema: str) -> str:
    url = make_url(PG_URL).set(drivername="postgresql+psycopg")
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


@contextmanager
def postgres_schema(prefix: str = "wfm_test") -> Iterator[str]:
    """The URL of a new empty schema in the test PostgreSQL, dropped afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(PG_URL).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _postgres_schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path: Path) -> Iterator[str]:
    """A fresh empty database: a SQLite file, or a schema of its own in the test PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    with postgres_schema() as url:
        yield url


@pytest.fixture
def app(database_url: str, tmp_path: Path):
    app = create_app({"INSTANCE_PATH": tmp_path / "instance", "DATABASE_URL": database_url, "TESTING": True,
                      "SECRET_KEY": "test-" + uuid.uuid4().hex, "PASSWORD_HASH_METHOD": FAST_HASH})
    with app.app_context():
        get_db().upgrade()
    yield app
    get_db_engine = app.extensions["wfm_db"].engine
    get_db_engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Actions:
    """What a user does in tests: create a user, log in and out, post forms with their CSRF token."""

    def __init__(self, app, client):
        self.app, self.client = app, client

    def add_user(self, username: str, role: str, password: str = "pw-" + "x" * 8, **kwargs) -> str:
        with self.app.app_context(), get_db().session() as session:
            create_user(session, username, role, password, **kwargs)
        return password

    def csrf_token(self, path: str) -> str:
        page = self.client.get(path).get_data(as_text=True)
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
            re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def login(self, username: str, password: str):
        token = self.csrf_token("/login")
        return self.client.post("/login", data={"username": username, "password": password, "csrf_token": token})

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": self.csrf_token("/me")})


@pytest.fixture
def actions(app, client) -> Actions:
    return Actions(app, client)
