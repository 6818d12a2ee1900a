"""Shift swaps: an agent offers a published shift to a colleague of the team or to anyone eligible, a colleague
accepts, the roster checker judges both agents' weeks, and a lead (or the site's rule) approves the move."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.checker import Violation
from web import models
from web.access import may_edit_agent
from web.notify import N_, agent_users, lead_users, notify
from web.roster_store import (
    SwapRefused,
    check_swap,
    published_version_on,
    segments_json,
    shift_of,
    swap_shift,
)
from web.time_off import rules_row

OFFERED, ACCEPTED, APPROVED, REJECTED, CANCELLED = "offered", "accepted", "approved", "rejected", "cancelled"
PENDING = (OFFERED, ACCEPTED)


class NotYours(PermissionError):
    """The agent acts on a swap that is not theirs to act on."""


class Refused(ValueError):
    """The roster checker refuses the swap: `violations` are what it would newly break."""

    def __init__(self, violations: list[Violation]):
        super().__init__("the swap breaks a rule: " + "; ".join(v.message for v in violations))
        self.violations = violations


def _shift_row(session: Session, agent: models.Agent, day: dt.date) -> tuple[models.RosterVersion, models.RosterShift]:
    version = published_version_on(session, agent.site_id, day)
    row = None if version is None else next(
        (r for r in version.shifts if r.agent_id == agent.agent_id and r.date == day), None)
    if row is None:
        raise ValueError(f"{agent.agent_id} has no published shift on {day}")
    return version, row


def colleagues(session: Session, agent: models.Agent) -> list[models.Agent]:
    """The active agents of the agent's site and team, the agent left out: whom a shift may go to."""
    a = models.Agent
    return list(session.scalars(select(a).where(a.site_id == agent.site_id, a.team == agent.team, a.active,
                                                a.id != agent.id).order_by(a.name)))


def _check(session: Session, row: models.SwapRequest, taker: models.Agent) -> None:
    """Run the roster checker for the move; store its findings and refuse when it breaks a hard rule."""
    version, _shift = _shift_row(session, row.owner, row.date)
    _moved, broken = check_swap(session, version, row.owner.agent_id, taker.agent_id, row.date)
    row.checks = {"taker": taker.agent_id, "version": version.id, "violations": [v.message for v in broken]}
    if broken:
        raise Refused(broken)


def offer(session: Session, owner: models.Agent, day: dt.date, target: models.Agent | None, today: dt.date,
          note: str = "") -> models.SwapRequest:
    if day <= today:
        raise ValueError(f"{day}: only shifts after today can be offered")
    _version, shift = _shift_row(session, owner, day)
    if target is not None and target.id not in {c.id for c in colleagues(session, owner)}:
        raise ValueError(f"{target.agent_id} is not a colleague of your team")
    s = models.SwapRequest
    if session.scalars(select(s).where(s.owner_pk == owner.id, s.date == day, s.status.in_(PENDING))).first():
        raise ValueError(f"your shift on {day} is already offered")
    row = models.SwapRequest(site_id=owner.site_id, owner_pk=owner.id, owner=owner, target_pk=target and target.id,
                             date=day, segments=segments_json(shift_of(shift)), note=note, status=OFFERED,
                             checks={}, decision_note="")
    if target is not None:
        _check(session, row, target)  # a named colleague who may not take it is told now, not after accepting
    session.add(row)
    session.flush()
    return row


def may_accept(row: models.SwapRequest, agent: models.Agent) -> bool:
    """The named colleague, or for an open offer any colleague of the owner's team at the site."""
    if agent.id == row.owner_pk or agent.site_id != row.site_id:
        return False
    return agent.id == row.target_pk if row.target_pk is not None else agent.team == row.owner.team


def accept(session: Session, row: models.SwapRequest, taker: models.Agent, today: dt.date) -> None:
    """The colleague takes the shift: checked again against today's roster, then approved at once when the site's
    rule says so, else queued for the lead."""
    if not may_accept(row, taker):
        raise NotYours(f"swap {row.id} is not offered to you")
    if row.status != OFFERED:
        raise ValueError(f"swap {row.id} is {row.status}: only an open offer can be accepted")
    if row.date <= today:
        raise ValueError(f"{row.date}: the shift has begun or is over")
    _check(session, row, taker)
    row.taker_pk, row.taker, row.status, row.accepted_at = taker.id, taker, ACCEPTED, _now()
    session.flush()
    if rules_row(session, row.site_id).swap_auto_approve:
        _apply(session, row, "auto", "")
        return
    notify(session, lead_users(session, row.site_id, row.owner.team), "swap_accepted",
           N_("%(taker)s takes the shift of %(owner)s on %(day)s; the swap waits for you."), link="/swaps",
           taker=taker.name, owner=row.owner.name, day=row.date.strftime("%d.%m.%Y"))


def cancel(row: models.SwapRequest, agent: models.Agent) -> None:
    if agent.id != row.owner_pk:
        raise NotYours(f"swap {row.id} is not your offer")
    if row.status not in PENDING:
        raise ValueError(f"swap {row.id} is {row.status}: only a pending swap can be cancelled")
    row.status, row.decided_at = CANCELLED, _now()


def may_decide(user, row: models.SwapRequest) -> bool:
    """Admins, and leads of both agents' teams at their site."""
    if user.role == "lead" and user.site_id not in (None, row.site_id):
        return False
    return may_edit_agent(user, row.owner) and (row.taker is None or may_edit_agent(user, row.taker))


def decide(session: Session, row: models.SwapRequest, user, approve: bool, note: str) -> None:
    if row.status != ACCEPTED:
        raise ValueError(f"swap {row.id} is {row.status}: only an accepted swap can be decided")
    if approve:
        _apply(session, row, user.username, note)
    else:
        row.status, row.decided_by, row.decided_at, row.decision_note = REJECTED, user.username, _now(), note
        _tell_both(session, row, N_("The swap of the shift on %(day)s between %(owner)s and %(taker)s is not "
                                    "approved: %(note)s"))


def _apply(session: Session, row: models.SwapRequest, by: str, note: str) -> None:
    """Move the shift in the published roster (checked once more there, and audited), then close the swap."""
    version, shift = _shift_row(session, row.owner, row.date)
    if segments_json(shift_of(shift)) != row.segments:
        raise ValueError(f"the shift on {row.date} changed since it was offered; offer it again")
    try:
        swap_shift(session, version, row.owner.agent_id, row.taker.agent_id, row.date, user=by,
                   reason=note or f"swap {row.id}")
    except SwapRefused as exc:  # the roster changed since the colleague accepted
        row.checks = {**row.checks, "violations": [v.message for v in exc.violations]}
        raise Refused(exc.violations) from None
    row.status, row.decided_by, row.decided_at, row.decision_note = APPROVED, by, _now(), note
    _tell_both(session, row, N_("The swap of the shift on %(day)s between %(owner)s and %(taker)s is approved; "
                                "your shifts and calendars show it."))


def _tell_both(session: Session, row: models.SwapRequest, template: str) -> None:
    """Both agents learn how their swap was decided."""
    notify(session, agent_users(session, row.site_id, [row.owner.agent_id, row.taker.agent_id]),
           f"swap_{row.status}", template, link="/my/swaps", day=row.date.strftime("%d.%m.%Y"),
           owner=row.owner.name, taker=row.taker.name, note=row.decision_note or "–")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def local_start(row: models.SwapRequest, zone: ZoneInfo) -> str:
    """The offered shift's local times, e.g. 08:00–16:30."""
    start, end = (dt.datetime.fromisoformat(row.segments[0][0]), dt.datetime.fromisoformat(row.segments[-1][1]))
    return f"{start.astimezone(zone):%H:%M}–{end.astimezone(zone):%H:%M}"


def mine(session: Session, agent: models.Agent) -> list[models.SwapRequest]:
    s = models.SwapRequest
    return list(session.scalars(select(s).where(s.owner_pk == agent.id).order_by(s.date.desc(), s.id.desc())))


def open_to(session: Session, agent: models.Agent, today: dt.date) -> list[models.SwapRequest]:
    """Open offers the agent may accept: addressed to them, or to anyone of their team."""
    s = models.SwapRequest
    rows = session.scalars(select(s).where(s.site_id == agent.site_id, s.status == OFFERED, s.date > today)
                           .order_by(s.date, s.id))
    return [row for row in rows if may_accept(row, agent)]


def pending_for(session: Session, user, site_id: int) -> list[models.SwapRequest]:
    """Accepted swaps of the site the user may decide, oldest first."""
    s = models.SwapRequest
    rows = session.scalars(select(s).where(s.site_id == site_id, s.status == ACCEPTED).order_by(s.accepted_at, s.id))
    return [row for row in rows if may_decide(user, row)]
