"""Web app under load on loopback: the roster grid for 200 agents × 7 days (median and p95 over repeated
requests), then 20 concurrent users browsing for 60 s (team leads on grid, day and coverage pages, agents on their
shifts, team roster and calendar feed): requests, errors, latency. A real `wfm serve` (waitress) in a subprocess."""

from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from sqlalchemy import select

from scheduler.demo_data import generate_demo, write_demo
from scheduler.roster import Roster
from scheduler.shift_edit import build_shift
from web import create_app, imports, models
from web.auth import create_user
from web.db import get_db
from web.roster_store import save_version

PASSWORD = "bench-" + "x" * 10


def prepare(instance: Path, agents: int) -> tuple[int, list[str]]:
    """A site with `agents` agents, a published 7-day roster for all of them (5 shifts each), a lead, agent
    logins with calendar tokens. Returns the version id and the calendar tokens."""
    app = create_app({"INSTANCE_PATH": instance, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    demo = generate_demo("xl", weeks=2)
    paths = write_demo(demo, instance / "demo")
    lines = paths["agents.csv"].read_text().splitlines()
    paths["agents.csv"].write_text("\n".join(lines[:agents + 1]) + "\n")
    monday = dt.date(2026, 12, 7)
    rng = random.Random(1)
    with app.app_context():
        get_db().upgrade()
        with get_db().session() as session:
            site = imports.import_site(session, paths["site.toml"])
            imports.import_agents(session, site.slug, paths["agents.csv"])
            rows = session.scalars(select(models.Agent).where(models.Agent.site_id == site.id)
                                   .order_by(models.Agent.agent_id)).all()
            shifts = []
            for row in rows:
                off = set(rng.sample(range(5), 2))
                for d in range(7):
                    if d in off or d == 6:
                        continue
                    start = rng.choice((8, 9, 10, 11))
                    hours = 8 if d < 5 else 5
                    end = min(start + hours, 20) if d < 5 else 14
                    start = start if d < 5 else 9
                    breaks = [(dt.time(start + 3), dt.time(start + 3, 30))] if end - start > 6 else []
                    shifts.append(build_shift(row.agent_id, monday + dt.timedelta(days=d), dt.time(start),
                                              dt.time(end), row.skills[0], breaks, site.timezone))
            version = save_version(session, site.id, monday, 7, Roster(tuple(shifts)), created_by="bench")
            # Served as published without the checker: the synthetic shifts ignore agents' wishes and limits, and
            # this benchmark measures serving pages, not rules.
            version.status = "published"
            create_user(session, "lead", "lead", PASSWORD, site_id=site.id)
            tokens = []
            for row in rows[:20]:
                user = create_user(session, row.agent_id.lower(), "agent", PASSWORD, site_id=site.id,
                                   agent_pk=row.id)
                user.calendar_token = f"bench-{row.agent_id}-{rng.getrandbits(64):x}"
                tokens.append(user.calendar_token)
            return version.id, tokens


class Browser:
    """A logged-in user: cookies, CSRF token from the login form."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, float, bytes]:
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, timeout=30) as response:
                body = response.read()
                return response.status, time.perf_counter() - started, body
        except urllib.error.HTTPError as error:
            return error.code, time.perf_counter() - started, b""
        except OSError:  # timed out or refused: counted as an error, like a 5xx
            return 0, time.perf_counter() - started, b""

    def login(self, username: str) -> None:
        _status, _t, page = self.get("/login")
        token = re.search(rb'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1).decode()
        data = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrf_token": token}).encode()
        with self.opener.open(self.base + "/login", data=data, timeout=30) as response:
            response.read()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(instance: Path, port: int) -> subprocess.Popen:
    env = dict(os.environ, WFM_INSTANCE_PATH=str(instance))
    # The server's output goes to a file: an unread pipe fills up and then blocks the server mid-request.
    log = (instance / "server.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "web.cli", "serve", "--port", str(port), "--threads", "8"],
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start: " + (instance / "server.log").read_text()[-2000:])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def grid_latency(base: str, version_id: int, repeats: int) -> list[float]:
    lead = Browser(base)
    lead.login("lead")
    status, _t, body = lead.get(f"/rosters/{version_id}")
    assert status == 200 and body.count(b"<tr") >= 200, f"grid page: {status}"
    return [lead.get(f"/rosters/{version_id}")[1] for _ in range(repeats)]


def browse(base: str, version_id: int, tokens: list[str], users: int, seconds: float) -> tuple[list[float], int, int]:
    monday = "2026-12-07"
    lead_paths = [f"/rosters/{version_id}", f"/rosters/{version_id}/day/{monday}", "/rosters", "/"]
    agent_paths = [f"/my/shifts?week={monday}", f"/my/team?week={monday}"]
    latencies: list[float] = []
    errors = [0]
    failed: dict[str, int] = {}
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def user(index: int) -> None:
        browser = Browser(base)
        is_lead = index % 4 == 0
        browser.login("lead" if is_lead else tokens[index % len(tokens)].split("-")[1].lower())
        rng = random.Random(index)
        while time.perf_counter() < stop:
            if is_lead:
                path = rng.choice(lead_paths)
            else:
                path = rng.choice(agent_paths + [f"/calendar/{tokens[index % len(tokens)]}.ics"])
            status, took, _body = browser.get(path)
            with lock:
                latencies.append(took)
                if status != 200:
                    errors[0] += 1
                    key = f"{re.sub(r'/calendar/.*', '/calendar/…', path)} → {status or 'no answer'}"
                    failed[key] = failed.get(key, 0) + 1
    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failed:
        print("  errors: " + ", ".join(f"{k} ×{n}" for k, n in sorted(failed.items())))
    return latencies, errors[0], len(latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        version_id, tokens = prepare(instance, args.agents)
        port = free_port()
        server = serve(instance, port)
        try:
            base = f"http://127.0.0.1:{port}"
            times = grid_latency(base, version_id, args.repeats)
            print(f"roster grid, {args.agents} agents × 7 days, {args.repeats} requests on loopback: median "
                  f"{statistics.median(times) * 1000:.0f} ms, p95 {percentile(times, 0.95) * 1000:.0f} ms "
                  f"(target: median < 300 ms)")
            latencies, errors, count = browse(base, version_id, tokens, args.users, args.seconds)
            print(f"{args.users} concurrent users browsing for {args.seconds:.0f} s: {count} requests "
                  f"({count / args.seconds:.1f}/s), {errors} errors, median {statistics.median(latencies) * 1000:.0f}"
                  f" ms, p95 {percentile(latencies, 0.95) * 1000:.0f} ms")
        finally:
            server.terminate()
            server.wait(timeout=10)
            problems = [line for line in (instance / "server.log").read_text().splitlines()
                        if "Traceback" in line or "ERROR" in line]
            print(f"  server log: {len(problems)} errors or tracebacks")


if __name__ == "__main__":
    main()
