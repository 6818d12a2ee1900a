"""Notifications: a published roster tells its agents (in the app, in their language, and by e-mail through a local
SMTP server), a rolled-back change tells nobody, each user sees only their own, and reading marks them read."""

from __future__ import annotations

import datetime as dt
import io
import socket

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from scheduler.roster import Roster
from scheduler.shift_edit import build_shift
from tests.web.site_fixture import SITE_TOML
from web import imports, models
from web.auth import create_user
from web.db import get_db
from web.notify import notify
from web.roster_store import publish, save_version

MONDAY = dt.date(2026, 12, 7)
AGENTS = ("agent_id,name,team,skills,weekly_hours,max_days_per_week\n"
          "A1,Anna,Nord,billing,16,5\nB2,Ben,Sued,billing,16,5\n")


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def inbox(monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = _Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("WFM_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("WFM_SMTP_PORT", str(port))
    monkeypatch.setenv("WFM_SMTP_FROM", "wfm@example.org")
    yield handler
    controller.stop()


@pytest.fixture
def site(app, actions):
    """Agents A1 (Anna, with an e-mail address and a German login) and B2 (Ben, English, no address)."""
    with app.app_context(), get_db().session() as session:
        site = imports.import_site(session, io.BytesIO(SITE_TOML.encode()), name="site.toml")
        imports.import_agents(session, site.slug, io.BytesIO(AGENTS.encode()), name="agents.csv")
        agents = {a.agent_id: a for a in session.scalars(select(models.Agent))}
        agents["A1"].details = {**(agents["A1"].details or {}), "email": "anna@example.org"}
        create_user(session, "anna", "agent", "pw", site_id=agents["A1"].site_id, agent_pk=agents["A1"].id)
        ben = create_user(session, "ben", "agent", "pw", site_id=agents["B2"].site_id, agent_pk=agents["B2"].id)
        ben.locale = "en"
        return agents["A1"].site_id


def _publish(app, agents=("A1", "B2")) -> int:
    shifts = [build_shift(a, MONDAY, dt.time(8), dt.time(16), "billing", [(dt.time(12), dt.time(12, 30))],
                          "Europe/Berlin") for a in agents]
    with app.app_context(), get_db().session() as session:
        site_id = session.scalars(select(models.Site.id)).one()
        version = save_version(session, site_id, MONDAY, 7, Roster(tuple(shifts)), created_by="lead")
        publish(session, version, "lead")
        return version.id


def test_a_published_roster_notifies_its_agents_in_the_app_and_by_e_mail(app, client, actions, site, inbox):
    _publish(app)
    assert [to for to, _body in inbox.messages] == [["anna@example.org"]]  # Ben has no address: in-app only
    body = inbox.messages[0][1]
    assert "Der Dienstplan der Woche ab 07.12.2026 ist ver" in body and "To: anna@example.org" in body
    actions.login("anna", "pw")
    page = client.get("/notifications").get_data(as_text=True)
    assert "Nachrichten (1)" in page and "Der Dienstplan der Woche ab 07.12.2026 ist veröffentlicht" in page
    with app.app_context(), get_db().session() as session:
        assert all(n.mailed_at is not None for n in session.scalars(
            select(models.Notification).join(models.User).where(models.User.username == "anna")))


def test_each_user_reads_only_their_own_notifications_in_their_language_and_can_mark_them_read(app, client, actions,
                                                                                                site):
    _publish(app, agents=("B2",))
    actions.login("anna", "pw")
    assert client.get("/api/v1/notifications").get_json() == {"unread": 0, "notifications": []}
    actions.logout()
    actions.login("ben", "pw")
    client.get("/lang/en")
    listed = client.get("/api/v1/notifications").get_json()
    assert listed["unread"] == 1
    assert listed["notifications"][0]["message"] == \
        "The roster of the week of 07.12.2026 is published; see your shifts."
    token = actions.csrf_token("/notifications")
    client.post("/notifications/read", data={"csrf_token": token})
    assert client.get("/api/v1/notifications").get_json()["unread"] == 0


def test_a_change_that_is_rolled_back_notifies_nobody(app, site, inbox):
    with app.app_context():
        session = get_db().sessions()
        user_id = session.scalars(select(models.User.id).where(models.User.username == "anna")).one()
        notify(session, [user_id], "test", "never %(x)s", x="sent")
        session.flush()
        session.rollback()
        session.close()
        with get_db().session() as check:
            assert check.scalars(select(models.Notification)).all() == []
    assert inbox.messages == []


def test_without_a_mail_server_the_notification_is_kept_and_nothing_fails(app, site, monkeypatch):
    monkeypatch.setenv("WFM_SMTP_HOST", "127.0.0.1")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        monkeypatch.setenv("WFM_SMTP_PORT", str(s.getsockname()[1]))
    _publish(app, agents=("A1",))
    with app.app_context(), get_db().session() as session:
        [row] = session.scalars(select(models.Notification)).all()
        assert row.mailed_at is None and row.kind == "roster_published"
