"""Notifications: stored per user (shown in the app until read) and e-mailed once the change that caused them is
committed (a rolled-back change sends nothing). SMTP comes from WFM_SMTP_* variables; without WFM_SMTP_HOST there
is no e-mail, only the in-app message."""

from __future__ import annotations

import datetime as dt
import logging
import os
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from flask import has_app_context
from flask_babel import force_locale, gettext
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from web import models

log = logging.getLogger(__name__)
PENDING = "wfm_pending_mail"


def N_(text: str) -> str:
    """Marks a notification text for the catalogue; it is translated for each reader."""
    return text


@dataclass(frozen=True)
class Mail:
    notification: models.Notification
    address: str
    locale: str


def notify(session: Session, user_ids: Iterable[int], kind: str, template: str, link: str | None = None,
           **params: Any) -> list[models.Notification]:
    """A notification for each user; e-mailed after commit to those whose agent has an e-mail address."""
    rows = [models.Notification(user_id=uid, kind=kind, template=template, params=params, link=link)
            for uid in sorted(set(user_ids))]
    if not rows:
        return rows
    session.add_all(rows)
    users = {u.id: u for u in session.scalars(select(models.User).where(models.User.id.in_([r.user_id for r in rows])))}
    for row in rows:
        user = users.get(row.user_id)
        address = ((user.agent.details or {}).get("email") if user is not None and user.agent is not None else None)
        if address:
            session.info.setdefault(PENDING, []).append(Mail(row, address, user.locale or "de"))
    return rows


def agent_users(session: Session, site_id: int, agent_ids: Iterable[str]) -> list[int]:
    """The logins of these agents of the site."""
    wanted = set(agent_ids)
    rows = session.execute(select(models.User.id, models.Agent.agent_id).join(models.Agent,
                                                                              models.User.agent_pk == models.Agent.id)
                           .where(models.Agent.site_id == site_id, models.User.active)).all()
    return [uid for uid, agent_id in rows if agent_id in wanted]


def lead_users(session: Session, site_id: int, team: str | None = None) -> list[int]:
    """The team leads of the site who lead `team` (a lead without teams leads them all)."""
    leads = session.scalars(select(models.User).where(models.User.role == "lead", models.User.active)).all()
    return [u.id for u in leads if u.site_id in (None, site_id)
            and (team is None or not u.teams or team in {t.team for t in u.teams})]


def text(row: models.Notification) -> str:
    """The notification in the current language (English where no language is chosen)."""
    try:
        return (gettext(row.template) if has_app_context() else row.template) % (row.params or {})
    except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder must not break the page
        return row.template % (row.params or {})


def unread_count(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count(models.Notification.id)).where(
        models.Notification.user_id == user_id, models.Notification.read_at.is_(None))) or 0


@event.listens_for(Session, "after_commit")
def _mail_after_commit(session: Session) -> None:
    mails = session.info.pop(PENDING, [])
    if not mails or not os.environ.get("WFM_SMTP_HOST"):
        return
    sent = []
    for mail in mails:
        try:
            _send(mail)
            sent.append(mail.notification.id)
        except (OSError, smtplib.SMTPException) as exc:  # a mail server down must not undo or break the change
            log.warning("notification %s not e-mailed to %s: %s", mail.notification.id, mail.address, exc)
    if sent:
        # The session is between transactions here and may not run SQL itself; a connection of its own may.
        with session.get_bind().begin() as connection:
            connection.execute(update(models.Notification).where(models.Notification.id.in_(sent))
                               .values(mailed_at=dt.datetime.now(dt.UTC)))


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)


def _send(mail: Mail) -> None:
    row = mail.notification
    if has_app_context():
        with force_locale(mail.locale):
            body = text(row)
    else:
        body = row.template % (row.params or {})
    message = EmailMessage()
    message["From"] = os.environ.get("WFM_SMTP_FROM", "wfm@localhost")
    message["To"] = mail.address
    message["Subject"] = "WFM: " + body.split(";")[0][:120]
    link = os.environ.get("WFM_BASE_URL", "").rstrip("/") + row.link if row.link else ""
    message.set_content(body + (f"\n\n{link}" if link else ""))
    port = int(os.environ.get("WFM_SMTP_PORT", "25"))
    with smtplib.SMTP(os.environ["WFM_SMTP_HOST"], port, timeout=10) as smtp:
        if os.environ.get("WFM_SMTP_STARTTLS") == "1":
            smtp.starttls()
        if os.environ.get("WFM_SMTP_USER"):
            smtp.login(os.environ["WFM_SMTP_USER"], os.environ.get("WFM_SMTP_PASSWORD", ""))
        smtp.send_message(message)
