"""The PostgreSQL the tests use: WFM_TEST_DATABASE_URL if set, else the local server's database `test` when it
answers (as on the development machines and CI), else none, and the PostgreSQL tests skip saying why."""

from __future__ import annotations

import os

import psycopg

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def _find() -> tuple[str | None, str]:
    given = os.environ.get("WFM_TEST_DATABASE_URL")
    if given:
        return given, ""
    try:
        psycopg.connect(DEFAULT_URL, connect_timeout=2).close()
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return None, (f"PostgreSQL tests need a server: none answered at {DEFAULT_URL} ({reason}); "
                      "start one or set WFM_TEST_DATABASE_URL")
    return DEFAULT_URL, ""


PG_URL, PG_SKIP_REASON = _find()
