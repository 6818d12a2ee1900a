"""Who may open what: every page and API route × every role (and nobody logged in), on a draft and a published
roster, an agent of the lead's team and one of another team. A route without an entry here fails the test."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from tests.web.api_fixtures import MONDAY, agent_pk, day_shift, load_site, make_forecast_run, make_version
from web import models
from web.db import get_db
from web.roster_store import segments_json

ROLES = ("anonymous", "admin", "lead", "planner", "council", "agent")
EVERYONE = frozenset(ROLES)
LOGGED_IN = EVERYONE - {"anonymous"}
READERS = frozenset({"admin", "lead", "planner", "council"})
PLANNING = frozenset({"admin", "lead", "planner"})
EDITORS = frozenset({"admin", "lead"})
APPROVERS = frozenset({"admin", "council"})
AUDITORS = frozenset({"admin", "lead", "council"})  # the audit trail and the §16 report: not planners, not agents
AGENT_ONLY = frozenset({"agent"})  # pages of one's own agent record (others have none: 404)

DAY = MONDAY.isoformat()
# (method, path template, who may): {draft} and {published} are roster versions, {own} an agent of team Nord
# (the lead's team; the agent user is linked to it), {other} an agent of team Sued.
CASES: list[tuple[str, str, frozenset[str]]] = [
    ("GET", "/", LOGGED_IN),
    ("GET", "/me", LOGGED_IN),
    ("GET", "/upload", EDITORS),
    ("POST", "/upload", EDITORS),
    ("GET", "/login", EVERYONE),
    ("POST", "/login", EVERYONE),
    ("GET", "/healthz", EVERYONE),
    ("GET", "/lang/en", EVERYONE),
    ("GET", "/static/style.css", EVERYONE),
    ("GET", "/calendar/{token}.ics", EVERYONE),  # the secret URL is the credential (calendar apps cannot log in)
    ("GET", "/my/shifts", AGENT_ONLY),
    ("GET", "/my/preferences", AGENT_ONLY),
    ("POST", "/my/preferences", AGENT_ONLY),
    ("GET", "/notifications", LOGGED_IN),
    ("POST", "/notifications/read", LOGGED_IN),
    ("GET", "/api/v1/notifications", LOGGED_IN),
    ("POST", "/api/v1/notifications/read", LOGGED_IN),
    ("GET", "/my/team", AGENT_ONLY),
    ("GET", "/my/calendar", AGENT_ONLY),
    ("POST", "/my/calendar/token", AGENT_ONLY),
    ("POST", "/my/calendar/revoke", AGENT_ONLY),
    ("GET", "/my/time-off", AGENT_ONLY),
    ("POST", "/my/time-off", AGENT_ONLY),
    ("POST", "/my/time-off/{request}/cancel", AGENT_ONLY),  # {request} is A1's, the agent user's own
    ("GET", "/time-off", EDITORS),
    ("POST", "/time-off/{request}/decide", EDITORS),
    ("GET", "/time-off/rules", EDITORS),
    ("POST", "/time-off/rules", EDITORS),
    ("GET", "/api/v1/me/time-off", AGENT_ONLY),
    ("POST", "/api/v1/me/time-off", AGENT_ONLY),
    ("POST", "/api/v1/me/time-off/{request}/cancel", AGENT_ONLY),
    ("GET", "/api/v1/time-off", EDITORS),
    ("POST", "/api/v1/time-off/{request}/decision", EDITORS),
    ("GET", "/my/swaps", AGENT_ONLY),
    ("POST", "/my/swaps", AGENT_ONLY),
    ("POST", "/my/swaps/{offer}/accept", AGENT_ONLY),  # {offer} is Arne's (Nord) to anyone, open to the agent user
    ("POST", "/my/swaps/{swap}/cancel", AGENT_ONLY),  # {swap} is A1's, the agent user's own
    ("GET", "/swaps", EDITORS),
    ("POST", "/swaps/{swap}/decide", EDITORS),
    ("GET", "/my/settings", LOGGED_IN),
    ("POST", "/my/settings", LOGGED_IN),
    ("GET", "/planning/forecast", PLANNING),
    ("POST", "/planning/forecast/run", PLANNING),
    ("GET", "/planning/requirements", PLANNING),
    ("GET", "/planning/jobs/{job}", PLANNING),
    ("POST", "/planning/jobs/{job}/cancel", PLANNING),
    ("GET", "/planning/whatif", PLANNING),
    ("POST", "/planning/whatif", PLANNING),
    ("GET", "/planning/whatif/compare?ids={scenario}&ids={scenario2}", PLANNING),
    ("GET", "/planning/whatif/{scenario}?plan=1", PLANNING),
    ("POST", "/planning/whatif/{scenario}", PLANNING),
    ("POST", "/planning/whatif/{scenario}/full-run", PLANNING),
    ("POST", "/planning/whatif/{scenario}/sweep", PLANNING),
    ("GET", "/rosters", READERS),
    ("POST", "/rosters/generate", EDITORS),
    ("GET", "/rosters/{draft}", READERS),
    ("GET", "/rosters/{published}", READERS),
    ("GET", "/rosters/{draft}/check", READERS),
    ("GET", "/rosters/{draft}/coverage", READERS),
    ("GET", "/rosters/{draft}/day/" + DAY, READERS),
    ("GET", "/rosters/{draft}/export.csv", READERS),
    ("GET", "/rosters/{draft}/export.xlsx", READERS),
    ("GET", "/rosters/{draft}/print", READERS),
    ("GET", "/rosters/{draft}/shift/{own}/" + DAY, EDITORS),
    ("POST", "/rosters/{draft}/shift/{own}/" + DAY, EDITORS),
    ("GET", "/rosters/{draft}/shift/{other}/" + DAY, frozenset({"admin"})),  # not the lead's team
    ("POST", "/rosters/{draft}/submit", EDITORS),
    ("POST", "/rosters/{draft}/approve", APPROVERS),
    ("POST", "/rosters/{draft}/reject", APPROVERS),
    ("POST", "/rosters/{draft}/publish", EDITORS),
    ("POST", "/rosters/{draft}/copy", EDITORS),
    ("GET", "/audit", AUDITORS),
    ("GET", "/audit/export.csv", AUDITORS),
    ("GET", "/audit/hours", AUDITORS),
    ("GET", "/audit/hours.csv", AUDITORS),
    ("GET", "/api/v1/audit", AUDITORS),
    ("GET", "/api/v1/audit/hours", AUDITORS),
    ("GET", "/api/v1/openapi.json", EVERYONE),
    ("GET", "/api/v1/sites", LOGGED_IN),
    ("GET", "/api/v1/sites/test-center", LOGGED_IN),
    ("GET", "/api/v1/me", LOGGED_IN),
    ("GET", "/api/v1/me/shifts", AGENT_ONLY),
    ("GET", "/api/v1/agents", LOGGED_IN),
    ("GET", "/api/v1/agents/{own}", LOGGED_IN),
    ("GET", "/api/v1/agents/{other}", READERS - {"lead"}),
    ("POST", "/api/v1/imports/agents", EDITORS),
    ("GET", "/api/v1/staffing?forecast_run={run}", PLANNING),
    ("GET", "/api/v1/forecasts", PLANNING),
    ("GET", "/api/v1/forecasts/{run}", PLANNING),
    ("GET", "/api/v1/overrides", PLANNING),
    ("POST", "/api/v1/overrides", PLANNING),
    ("DELETE", "/api/v1/overrides/{override}", PLANNING),
    ("POST", "/api/v1/jobs", PLANNING),
    ("GET", "/api/v1/jobs/{job}", PLANNING),
    ("DELETE", "/api/v1/jobs/{job}", PLANNING),
    ("GET", "/api/v1/rosters?week=" + DAY, LOGGED_IN),
    ("GET", "/api/v1/rosters/{draft}", READERS),
    ("GET", "/api/v1/rosters/{published}", LOGGED_IN),
    ("GET", "/api/v1/rosters/{draft}/check", READERS),
    ("GET", "/api/v1/rosters/{published}/check", READERS),
    ("GET", "/api/v1/rosters/{draft}/coverage", READERS),
    ("PUT", "/api/v1/rosters/{draft}/shifts/{own}/" + DAY, EDITORS),
    ("PUT", "/api/v1/rosters/{draft}/shifts/{other}/" + DAY, frozenset({"admin"})),
    ("DELETE", "/api/v1/rosters/{draft}/shifts/{own}/" + DAY, EDITORS),
    ("POST", "/api/v1/rosters/{draft}/submit", EDITORS),
    ("POST", "/api/v1/rosters/{draft}/approve", APPROVERS),
    ("POST", "/api/v1/rosters/{draft}/reject", APPROVERS),
    ("POST", "/api/v1/rosters/{draft}/publish", EDITORS),
    ("POST", "/api/v1/rosters/{draft}/copy", EDITORS),
    ("POST", "/logout", LOGGED_IN),  # last: it ends the session
]


@pytest.fixture
def world(app, actions):
    """The tiny site: agents A1 (Nord) and B2 (Sued), a draft and a published week, a forecast run, an override,
    two what-if scenarios, a job of the lead, and one user per role (the lead leads Nord; the agent user is A1)."""
    load_site(app)
    run = make_forecast_run(app, [10.0] * 8)
    draft = make_version(app, [day_shift("A1", MONDAY), day_shift("B2", MONDAY)], forecast_run=run)
    published = make_version(app, [day_shift("A1", MONDAY + dt.timedelta(days=7))], published=True)
    actions.add_user("admin", "admin", "pw")
    actions.add_user("lead", "lead", "pw", teams=["Nord"])
    actions.add_user("planner", "planner", "pw")
    actions.add_user("council", "council", "pw")
    actions.add_user("agent", "agent", "pw", agent_pk=agent_pk(app, "A1"))
    with app.app_context(), get_db().session() as session:
        site = session.scalars(select(models.Site)).one()
        override = models.ForecastOverride(site_id=site.id, queue="billing", start_date=MONDAY, end_date=MONDAY,
                                           percent=10, reason="test", created_by="planner")
        job = models.Job(id="job-1", kind="forecast", status="succeeded", params={}, result={"run_id": run},
                         created_by="lead")
        scenarios = [models.Scenario(site_id=site.id, name=name, created_by="planner",
                                     toml=f"[scenario]\nstart = {MONDAY}\nweeks = 1\n") for name in ("a", "b")]
        time_off = models.TimeOffRequest(agent_pk=agent_pk(app, "A1"), site_id=site.id, start_date=MONDAY,
                                         end_date=MONDAY, kind="vacation", status="requested", checks={})
        swaps = [models.SwapRequest(site_id=site.id, owner_pk=agent_pk(app, owner), date=MONDAY,
                                    segments=segments_json(day_shift(owner, MONDAY)),
                                    status="offered", checks={}) for owner in ("A1", "A3")]
        session.add_all([override, job, *scenarios, time_off, *swaps])
        agent_user = session.scalars(select(models.User).where(models.User.username == "agent")).one()
        agent_user.calendar_token = "tok-" + "x" * 30
        session.flush()
        override_id = override.id
        scenario_ids = [s.id for s in scenarios]
        time_off_id = time_off.id
        swap_ids = [swap.id for swap in swaps]
    return {"draft": draft, "published": published, "own": "A1", "other": "B2", "run": run, "job": "job-1",
            "override": override_id, "token": "tok-" + "x" * 30, "scenario": scenario_ids[0],
            "scenario2": scenario_ids[1], "request": time_off_id,
            "swap": swap_ids[0], "offer": swap_ids[1]}


def _request(client, actions, method: str, path: str, logged_in: bool):
    token = _token(actions, "/my/settings" if logged_in else "/login")
    if path.startswith("/api/"):
        return client.open(path, method=method, json={}, headers={"X-CSRFToken": token})
    return client.open(path, method=method, data={"csrf_token": token} if method != "GET" else None)


def _token(actions, page_path: str) -> str:
    page = actions.client.get(page_path).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


@pytest.mark.parametrize("role", ROLES)
def test_every_route_lets_in_exactly_the_roles_it_should(app, client, actions, world, role):
    if role != "anonymous":
        actions.login(role, "pw")
    wrong = []
    for method, template, allowed in CASES:
        path = template.format(**world)
        response = _request(client, actions, method, path, role != "anonymous")
        status = response.status_code
        response.close()
        assert status < 500, f"{role} {method} {path}: {status}"
        let_in = status not in (401, 403, 404) and not _to_login(response)
        if let_in != (role in allowed):
            wrong.append(f"{method} {path}: {status}")
    assert not wrong, f"{role}: " + "; ".join(wrong)


def _to_login(response) -> bool:
    """Sent to log in first (the `next` parameter says so; logging out also ends on the login page)."""
    location = response.headers.get("Location", "")
    return response.status_code in (301, 302, 303) and "/login" in location and "next=" in location


def test_every_route_has_an_entry_in_the_matrix(app):
    covered = {(method, re.sub(r"\?.*", "", template)) for method, template, _ in CASES}
    samples = {"version_id": "{draft}", "agent_id": "{own}", "day": DAY, "token": "{token}", "job_id": "{job}",
               "run_id": "{run}", "override_id": "{override}", "slug": "test-center", "kind": "agents",
               "code": "en", "filename": "style.css",
               "scenario_id": "{scenario}", "request_id": "{request}",
               "swap_id": "{swap}"}
    missing = []
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: samples[m.group(1)], rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (method, path) not in covered and not any(m == method and t.startswith(path.split("{")[0]) and
                                                         _same_shape(t, path) for m, t in covered):
                missing.append(f"{method} {rule.rule}")
    assert not missing, "routes without an entry in the permission matrix: " + ", ".join(sorted(missing))


def _same_shape(template: str, path: str) -> bool:
    """`/rosters/{published}/check` and `/rosters/{draft}/check` are the same route."""
    def shape(text: str) -> str:
        text = re.sub(r"\{(swap|offer)\}", "{s}", text)
        return re.sub(r"\{(draft|published)\}", "{v}", re.sub(r"\{(own|other)\}", "{a}", text))
    return shape(template) == shape(path)
