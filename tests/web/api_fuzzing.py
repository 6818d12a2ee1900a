"""Schemathesis against the app's OpenAPI description, in process, shared by the test (a few examples per
operation) and bench/api_fuzz.py (many): a small seeded site, an admin's personal token, and the checks."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from scheduler.demo_data import generate_demo, write_demo
from web import create_app, imports
from web.api_tokens import create_token
from web.auth import create_user


def seeded_app(folder: Path) -> Flask:
    """An app on a SQLite file with the small demo site, and `FUZZ_TOKEN` in its config (an admin's token)."""
    app = create_app({"INSTANCE_PATH": folder / "instance", "DATABASE_URL": f"sqlite:///{folder / 'fuzz.sqlite3'}",
                      "TESTING": True, "SECRET_KEY": uuid.uuid4().hex,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    database = app.extensions["wfm_db"]
    database.upgrade()
    files = write_demo(generate_demo("small", end=dt.date(2026, 11, 22), weeks=6), folder / "demo")
    with app.app_context(), database.session() as session:
        site = imports.import_site(session, files["site.toml"])
        for name, load in (("history.csv", imports.import_history), ("events.csv", imports.import_events),
                           ("agents.csv", imports.import_agents)):
            load(session, site.slug, files[name])
        create_user(session, "fuzzer", "admin", "pw-" + uuid.uuid4().hex)
        _row, token = create_token(session, "fuzzer", "fuzzing")
    app.config["FUZZ_TOKEN"] = token
    # Accepted jobs stay queued: a forecast or solve per generated request would only burn time here (jobs are
    # tested elsewhere); what is fuzzed is the checking of their parameters, which happens before they queue.
    app.extensions["wfm_jobs"].enqueue = lambda job_id: None
    return app


def json_error_format(ctx, response, case) -> bool | None:
    """Every 4xx/5xx answer of the API is {"error": ..., "message": ...} as JSON."""
    if response.status_code < 400:
        return None
    try:
        body = response.json()
    except ValueError:
        body = None
    if not (isinstance(body, dict) and isinstance(body.get("error"), str) and isinstance(body.get("message"), str)):
        raise AssertionError(f"{response.status_code} answer is not the JSON error format: {response.text[:300]}")
    return None


@dataclass
class FuzzRun:
    operations: int = 0
    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def fuzz(app: Flask, mode: GenerationMode, examples: int) -> FuzzRun:
    """Up to `examples` generated requests per operation; each failure (a 500, or an error outside the JSON
    format) is recorded with the operation, and the next operation goes on."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {app.config['FUZZ_TOKEN']}"}
    run = FuzzRun()
    for result in schema.get_all_operations():
        operation = result.ok()
        run.operations += 1

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def call(case) -> None:
            response = case.call_and_validate(headers=headers, checks=[not_a_server_error, json_error_format])
            run.requests += 1
            run.statuses[response.status_code] = run.statuses.get(response.status_code, 0) + 1

        try:
            call()
        except Unsatisfiable:  # nothing to get wrong in a request without parameters or body (GET /healthz)
            pass
        except Exception as exc:
            run.failures.append(f"{operation.label} ({mode.value}): {exc}")
    return run
