"""The app skeleton: health, login with hashed passwords and throttling, CSRF, error formats, secret key."""

from __future__ import annotations

import io

from sqlalchemy import select

from tests.web.site_fixture import GOOD_HISTORY, SITE_TOML
from web import create_app, imports, models
from web.db import get_db


def test_healthz_reports_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})


def test_login_page_is_served_with_a_csrf_token(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert 'name="csrf_token"' in response.get_data(as_text=True)


def test_pages_need_a_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_login_with_the_right_password_opens_the_overview(actions, client):
    password = actions.add_user("lead", "lead", "correct horse")
    assert actions.login("lead", "correct horse").status_code == 302
    page = client.get("/")
    assert page.status_code == 200 and "Noch kein Standort" in page.get_data(as_text=True)
    assert password == "correct horse"


def test_passwords_are_stored_hashed(app, actions):
    actions.add_user("planner", "planner", "s3cret-pass")
    with app.app_context(), get_db().session() as session:
        stored = session.scalars(select(models.User.password_hash)).one()
    assert "s3cret-pass" not in stored and stored.startswith("pbkdf2:")


def test_wrong_password_is_refused(actions):
    actions.add_user("lead", "lead", "right")
    assert actions.login("lead", "wrong").status_code == 401


def test_login_is_throttled_after_repeated_failures(app, actions):
    actions.add_user("lead", "lead", "right")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert actions.login("lead", "wrong").status_code == 401
    # Even the right password is refused while the login is locked.
    assert actions.login("lead", "right").status_code == 429


def test_login_without_csrf_token_is_refused(actions, client):
    actions.add_user("lead", "lead", "right")
    response = client.post("/login", data={"username": "lead", "password": "right"})
    assert response.status_code == 400


def test_next_parameter_cannot_redirect_off_site(actions, client):
    actions.add_user("lead", "lead", "right")
    token = actions.csrf_token("/login")
    response = client.post("/login?next=//evil.example/x",
                           data={"username": "lead", "password": "right", "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_api_errors_are_json(client, actions):
    unauthenticated = client.get("/api/v1/sites")
    assert unauthenticated.status_code == 401
    assert set(unauthenticated.get_json()) == {"error", "message"}
    actions.add_user("lead", "lead", "right")
    actions.login("lead", "right")
    missing = client.get("/api/v1/sites/nowhere")
    assert missing.status_code == 404
    assert missing.get_json() == {"error": "Not Found", "message": "no site 'nowhere'; known sites: none"}
    unknown_route = client.get("/api/v1/nothing-here")
    assert unknown_route.status_code == 404 and unknown_route.get_json()["error"] == "Not Found"


def test_pages_errors_are_html(client):
    response = client.get("/nothing-here")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_openapi_description_is_served(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.") and "/api/v1/sites" in spec["paths"]


def test_secret_key_is_generated_once_per_instance_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("WFM_SECRET_KEY", raising=False)
    config = {"INSTANCE_PATH": tmp_path, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    first, second = create_app(dict(config)), create_app(dict(config))
    other = create_app({"INSTANCE_PATH": tmp_path / "other", "DATABASE_URL": config["DATABASE_URL"]})
    assert first.secret_key == second.secret_key != other.secret_key
    assert len(first.secret_key) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_agent_role_cannot_open_the_import_page(actions, client):
    actions.add_user("agent", "agent", "pw")
    actions.login("agent", "pw")
    assert client.get("/upload").status_code == 403


def test_upload_refuses_a_bad_file_with_line_numbers_and_stores_nothing(app, actions, client):
    with app.app_context(), get_db().session() as session:
        imports.import_site(session, io.BytesIO(SITE_TOML.encode()), name="site.toml")
    actions.add_user("lead", "lead", "pw")
    actions.login("lead", "pw")
    bad = GOOD_HISTORY + "billing,2026-12-07T08:20:00+01:00,3,,,\n"
    token = actions.csrf_token("/upload")
    response = client.post("/upload", data={"kind": "history", "csrf_token": token,
                                            "file": (io.BytesIO(bad.encode()), "history.csv")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "history.csv line 5, column interval_start" in page and "nichts wurde gespeichert" in page
    with app.app_context(), get_db().session() as session:
        assert session.scalars(select(models.HistoryRow)).first() is None
    good = client.post("/upload", data={"kind": "history", "csrf_token": token,
                                        "file": (io.BytesIO(GOOD_HISTORY.encode()), "history.csv")},
                       content_type="multipart/form-data", follow_redirects=True)
    assert "imported 3 history rows from history.csv" in good.get_data(as_text=True)


def test_overview_shows_queues_and_a_weekly_chart_of_the_history(app, actions, client):
    with app.app_context(), get_db().session() as session:
        imports.import_site(session, io.BytesIO(SITE_TOML.encode()), name="site.toml")
        imports.import_history(session, None, io.BytesIO(GOOD_HISTORY.encode()), name="history.csv")
    actions.add_user("planner", "planner", "pw")
    actions.login("planner", "pw")
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<h1>Test Center</h1>" in page and "Contacts per week" in page
    assert page.count("<polyline") == 2  # billing and email
