"""Load on loopback with locust: a real `wfm serve` (waitress, SQLite) with a published week of 200 agents and a draft
of the next one; 50 simulated users for 60 s (bounded in time and count): agents on their shifts, team and calendar
feed, team leads on the grid and editing shifts of the draft through the API (optimistic locking: a stale edit is
answered 409 and counted apart, never as an error). Prints requests, p50/p95/p99 and errors, overall and per page."""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
from pathlib import Path

import gevent
from locust import HttpUser, between, task
from locust.env import Environment
from sqlalchemy import select

from bench.web_grid import PASSWORD, free_port, prepare, serve
from scheduler.roster import Roster
from web import create_app, models
from web.api_tokens import create_token
from web.auth import create_user
from web.db import get_db
from web.roster_store import save_version

MONDAY = dt.date(2026, 12, 7)
SETUP: dict = {}


def prepare_draft(instance: Path, leads: int) -> tuple[int, list[str], list[str]]:
    """A draft of the same week (leads edit it), `leads` lead logins with personal tokens; returns the draft's
    id, the tokens and the agent ids."""
    app = create_app({"INSTANCE_PATH": instance, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context(), get_db().session() as session:
        site = session.scalars(select(models.Site)).one()
        shifts = session.scalars(select(models.RosterShift)).all()
        agent_ids = sorted({s.agent_id for s in shifts})
        published = session.scalars(select(models.RosterVersion)).one()
        draft = save_version(session, site.id, MONDAY + dt.timedelta(days=7), 7, Roster(()), created_by="bench",
                             based_on=published.id)
        tokens = []
        for n in range(leads):
            create_user(session, f"lead{n}", "lead", PASSWORD, site_id=site.id)
            tokens.append(create_token(session, f"lead{n}", "load test")[1])
        return draft.id, tokens, agent_ids


class Agent(HttpUser):
    weight = 4
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.login(random.choice(SETUP["agent_logins"]))

    def login(self, username: str) -> None:
        page = self.client.get("/login", name="/login").text
        token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
        self.client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
                         name="/login (post)")

    @task(4)
    def my_shifts(self) -> None:
        self.client.get("/my/shifts", name="/my/shifts")

    @task(1)
    def my_team(self) -> None:
        self.client.get("/my/team", name="/my/team")

    @task(1)
    def calendar(self) -> None:
        self.client.get(f"/calendar/{random.choice(SETUP['calendar_tokens'])}.ics", name="/calendar/<token>.ics")


class TeamLead(HttpUser):
    weight = 1
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {random.choice(SETUP['lead_tokens'])}"}
        self.lock = self.client.get(f"/api/v1/rosters/{SETUP['draft']}", headers=self.headers,
                                    name="/api/v1/rosters/<id>").json()["roster"]["lock_version"]

    @task(2)
    def grid(self) -> None:
        self.client.get(f"/api/v1/rosters/{SETUP['published']}", headers=self.headers, name="/api/v1/rosters/<id>")

    @task(1)
    def edit(self) -> None:
        agent = random.choice(SETUP["agent_ids"])
        day = MONDAY + dt.timedelta(days=7 + random.randrange(5))
        start = random.choice((8, 9, 10))
        body = {"start": f"{start:02d}:00", "end": f"{start + 8:02d}:00", "activity": SETUP["activity"],
                "breaks": [[f"{start + 4:02d}:00", f"{start + 4:02d}:30"]], "lock_version": self.lock,
                "reason": "load test"}
        with self.client.put(f"/api/v1/rosters/{SETUP['draft']}/shifts/{agent}/{day}", json=body,
                             headers=self.headers, name="/api/v1/rosters/<id>/shifts/<agent>/<day>",
                             catch_response=True) as response:
            if response.status_code in (200, 422):  # saved, or refused by a rule (with the reason): both answers
                self.lock = response.json().get("lock_version", self.lock)
                response.success()
            elif response.status_code == 409:  # somebody else saved first: reload, as a user would
                SETUP["conflicts"] += 1
                self.lock = response.json().get("lock_version", self.lock)
                response.success()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--agents", type=int, default=200)
    args = parser.parse_args()
    instance = Path(tempfile.mkdtemp(prefix="wfm-load-"))
    published, calendar_tokens = prepare(instance, args.agents)
    draft, lead_tokens, agent_ids = prepare_draft(instance, leads=5)
    app = create_app({"INSTANCE_PATH": instance})
    with app.app_context(), get_db().session() as session:
        logins = [u.username for u in session.scalars(select(models.User).where(models.User.role == "agent"))]
        skill = session.scalars(select(models.Agent.skills)).first()[0]
    SETUP.update(published=published, draft=draft, calendar_tokens=calendar_tokens, lead_tokens=lead_tokens,
                 agent_ids=agent_ids, agent_logins=logins, activity=skill, conflicts=0)
    port = free_port()
    server = serve(instance, port)
    try:
        env = Environment(user_classes=[Agent, TeamLead], host=f"http://127.0.0.1:{port}")
        runner = env.create_local_runner()
        runner.start(args.users, spawn_rate=max(1, args.users // 5))
        gevent.spawn_later(args.seconds, runner.quit)
        runner.greenlet.join()
        stats = env.stats
        total = stats.total
        print(f"{args.users} users ({Agent.weight}:{TeamLead.weight} agents to team leads) for {args.seconds} s "
              f"against wfm serve (waitress, 8 threads, SQLite) with {args.agents} agents:")
        p50, p95, p99 = (total.get_response_time_percentile(q) for q in (0.5, 0.95, 0.99))
        print(f"  {total.num_requests} requests ({total.total_rps:.1f}/s), errors: {total.num_failures}, "
              f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms; stale edits answered 409: "
              f"{SETUP['conflicts']}")
        for name, entry in sorted(stats.entries.items()):
            print(f"  {name[1]:>6} {name[0]:<48} {entry.num_requests:>6} req  p95 "
                  f"{entry.get_response_time_percentile(0.95):>5.0f} ms  errors {entry.num_failures}")
        tracebacks = (instance / "server.log").read_text().count("Traceback")
        print(f"  server tracebacks: {tracebacks}")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
