"""Browser tests: the real app on a loopback port with the small demo site, driven by Playwright in headless
Chromium (Debian's, installed by `make test` where possible); screenshots go to tests/browser/screenshots/."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from web import create_app
from web.db import get_db
from web.demo_loader import load_demo

SCREENSHOTS = Path(__file__).parent / "screenshots"
DOCS_SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"  # committed, shown in the README
DOCS_LIMIT_BYTES = 400_000  # a README image larger than this is a sign the page grew; take a smaller view


def chromium_path() -> str | None:
    """WFM_CHROMIUM, else Debian's chromium on the PATH."""
    return os.environ.get("WFM_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    passwords: dict[str, str]   # login -> password
    app: object


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    instance = tmp_path_factory.mktemp("browser-instance")
    app = create_app({"INSTANCE_PATH": instance, "DATABASE_URL": f"sqlite:///{instance / 'wfm.sqlite3'}",
                      "SECRET_KEY": "browser-tests", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        get_db().upgrade()
        with get_db().session() as session:
            logins = load_demo(session, instance, size="small")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", {d.login: d.password for d in logins}, app)
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        pytest.skip("no Chromium found (install Debian's chromium, or set WFM_CHROMIUM to a Chromium binary); "
                    "`make test` installs it where it may")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (make install)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open a fresh browser context (own cookies) per user, phone-sized or desktop."""
    contexts = []

    def open_page(width: int = 1280, height: int = 900, locale: str = "de-DE"):
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale,
                                      base_url=live_server.base_url)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def screenshot(page, name: str, docs: bool = False) -> Path:
    """Save the whole page as screenshots/<name>.png; with docs=True and WFM_DOCS_SCREENSHOTS=1 in the
    environment also as docs/screenshots/<name>.png (how the README's pictures are renewed)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if docs and os.environ.get("WFM_DOCS_SCREENSHOTS") == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        target = DOCS_SCREENSHOTS / path.name
        shutil.copyfile(path, target)
        if target.stat().st_size > DOCS_LIMIT_BYTES:
            page.screenshot(path=str(target))  # the viewport only
    return path


def log_in(page, login: str, password: str) -> None:
    page.goto("/login")
    page.fill("input[name=username]", login)
    page.fill("input[name=password]", password)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_load_state()
