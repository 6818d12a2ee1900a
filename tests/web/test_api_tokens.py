"""Personal API tokens: a Bearer token acts as its user without cookies or CSRF; revoked or unknown tokens get
401; a token never widens a session; the CLI prints a token once and revokes it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.web.api_fixtures import load_site
from web import models
from web.api_tokens import create_token, revoke_token
from web.cli import main
from web.db import get_db


@pytest.fixture
def token(app, actions):
    load_site(app)
    actions.add_user("lead", "lead", "pw")
    actions.add_user("ana", "agent", "pw")
    with app.app_context(), get_db().session() as session:
        row, clear = create_token(session, "lead", "reporting script")
        return row.id, clear


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_token_acts_as_its_user_without_cookie_or_csrf(app, token):
    client = app.test_client(use_cookies=False)
    me = client.get("/api/v1/me", headers=_bearer(token[1]))
    assert me.status_code == 200 and me.get_json()["user"]["username"] == "lead"
    created = client.post("/api/v1/overrides", headers=_bearer(token[1]),
                          json={"queue": "billing", "start": "2026-12-07", "end": "2026-12-07", "percent": 10})
    assert created.status_code == 201, created.get_json()
    with app.app_context(), get_db().session() as session:
        assert session.get(models.ApiToken, token[0]).last_used_at is not None


def test_an_unknown_or_revoked_token_gets_401(app, token):
    client = app.test_client(use_cookies=False)
    assert client.get("/api/v1/me", headers=_bearer("wfm_guess")).status_code == 401
    with app.app_context(), get_db().session() as session:
        revoke_token(session, token[0])
    refused = client.get("/api/v1/me", headers=_bearer(token[1]))
    assert refused.status_code == 401 and "revoked" in refused.get_json()["message"]


def test_a_bad_token_does_not_fall_back_to_the_session_cookie(app, client, actions, token):
    actions.login("ana", "pw")
    assert client.get("/api/v1/me").get_json()["user"]["username"] == "ana"
    # Without the CSRF token, a cookie session cannot post; a bogus Bearer header must not change that.
    forged = client.post("/api/v1/overrides", headers=_bearer("wfm_forged"), json={})
    assert forged.status_code == 401
    assert client.post("/api/v1/overrides", json={}).status_code == 400  # CSRF refused (the session's)


def test_the_cli_prints_a_token_once_lists_and_revokes_it(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("WFM_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    runner = CliRunner()
    assert runner.invoke(main, ["user", "add", "maria", "--role", "planner"]).exit_code == 0
    created = runner.invoke(main, ["token", "create", "--user", "maria", "--label", "sheets"])
    assert created.exit_code == 0 and created.output.startswith("token=wfm_")
    token_id = created.output.split("id=")[1].split()[0]
    listed = runner.invoke(main, ["token", "list"]).output
    assert "maria\tsheets" in listed and "active" in listed and created.output.split()[0][6:] not in listed
    assert runner.invoke(main, ["token", "revoke", token_id]).exit_code == 0
    assert "revoked" in runner.invoke(main, ["token", "list", "--user", "maria"]).output
    unknown = runner.invoke(main, ["token", "create", "--user", "nobody"])
    assert unknown.exit_code == 1 and "no user 'nobody'" in unknown.stderr
