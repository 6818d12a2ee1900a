"""Security basics: headers, no inline script, a fresh session at login and logout, no open redirect, cookie flags,
the default password scheme, a throttle that does not grow with guessed names, and no secret in the repository."""

from __future__ import annotations

import re
import subprocess
import uuid
from pathlib import Path

import pytest

from web import create_app
from web.auth import LoginThrottle, is_local_path

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "web" / "templates"


def test_every_response_carries_the_security_headers(client, actions):
    actions.add_user("lead", "lead", "pw")
    actions.login("lead", "pw")
    for path in ("/login", "/", "/api/v1/jobs/none", "/healthz"):
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        script = re.search(r"script-src ([^;]*)", policy).group(1)
        assert script == "'self'", f"{path}: {policy}"
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        assert (headers["X-Frame-Options"], headers["X-Content-Type-Options"]) == ("DENY", "nosniff")
        assert "Strict-Transport-Security" not in headers  # only behind HTTPS


def test_no_template_has_an_inline_script_or_event_handler():
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag, f"{template.relative_to(REPO)}: inline script {tag}"
        assert not re.search(r"\son[a-z]+\s*=", text), f"{template.relative_to(REPO)}: inline event handler"


def test_login_starts_a_fresh_session_keeping_only_the_language(client, actions):
    actions.add_user("lead", "lead", "pw")
    client.get("/lang/en?next=/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    token_before = actions.csrf_token("/login")
    actions.login("lead", "pw")
    with client.session_transaction() as session:
        assert "planted" not in session and session["lang"] == "en" and "_user_id" in session
        assert session.get("csrf_token") != token_before


def test_logout_empties_the_session(client, actions):
    actions.add_user("lead", "lead", "pw")
    actions.login("lead", "pw")
    actions.logout()
    with client.session_transaction() as session:
        assert "_user_id" not in session and "csrf_token" not in session
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "/\\/evil.example", "https://evil.example",
                                    "/ok\r\nLocation: //evil.example", "", None])
def test_redirect_targets_must_be_local_paths(target):
    assert not is_local_path(target)


def test_local_paths_are_allowed():
    assert is_local_path("/rosters/3?week=2026-11-23")


def test_the_login_and_language_switch_do_not_redirect_off_site(client, actions):
    actions.add_user("lead", "lead", "pw")
    token = actions.csrf_token("/login")
    response = client.post("/login?next=/%5Cevil.example", data={"username": "lead", "password": "pw",
                                                                  "csrf_token": token})
    assert response.headers["Location"] == "/"
    assert client.get("/lang/de?next=/%5Cevil.example").headers["Location"] == "/"


def test_session_cookies_are_http_only_and_same_site_and_secure_behind_https(tmp_path, database_url):
    app = create_app({"INSTANCE_PATH": tmp_path / "i", "DATABASE_URL": database_url, "TESTING": True,
                      "SECRET_KEY": uuid.uuid4().hex, "SESSION_COOKIE_SECURE": True,
                      "REMEMBER_COOKIE_SECURE": True})
    app.extensions["wfm_db"].upgrade()
    client = app.test_client()
    response = client.get("/login", base_url="https://localhost")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    app.extensions["wfm_db"].engine.dispose()


def test_passwords_are_hashed_with_scrypt_unless_told_otherwise(tmp_path):
    app = create_app({"INSTANCE_PATH": tmp_path / "i", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                      "SECRET_KEY": uuid.uuid4().hex})
    assert app.config["PASSWORD_HASH_METHOD"] == "scrypt"
    with app.app_context():
        from web.auth import hash_password

        assert hash_password("x").startswith("scrypt:")


def test_the_throttle_does_not_remember_names_that_never_failed():
    throttle = LoginThrottle(max_failures=2, lock_seconds=60, clock=lambda: 0.0)
    for n in range(1000):
        assert not throttle.locked(f"guess{n}")
    assert throttle._failures == {}
    throttle.failed("lead")
    throttle.failed("lead")
    assert throttle.locked("lead") and not throttle.locked("other")


SECRET_PATTERNS = [
    re.compile(r"-----BEGIN (RSA |EC |OPENSSH )?PRIVATE KEY-----"),
    re.compile(r"AKIA[0-9A-Z]{16}"),
    re.compile(r"postgres(ql)?://[^:/\s]+:[^@/\s]+@"),  # a URL with a password in it
]
# Outside the tests (whose logins exist only in their throw-away databases), no literal password or key.
LITERAL_SECRET = re.compile(r"""(?i)(secret_key|password|api_key|token)\s*=\s*["'][^"'\s]{8,}["']""")


def test_no_secret_is_committed():
    try:
        files = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
                               ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the tracked files cannot be listed")
    found = []
    for name in files:
        path = REPO / name
        if path.suffix in (".mo", ".png", ".ico", ".woff2", ".gz") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        patterns = SECRET_PATTERNS if name.startswith("tests/") else [*SECRET_PATTERNS, LITERAL_SECRET]
        found += [f"{name}: {m.group(0)[:40]}" for pattern in patterns for m in pattern.finditer(text)]
    assert not found, found
