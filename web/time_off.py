"""Time-off service: an agent's request checked against allowance and staffing, auto-approved or queued, decided
by a lead; an approved request becomes an Absence, which the next roster run respects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.staffing import staff
from scheduler.time_off import APPROVED, REQUESTED, Rules, decide, staffing_check, without_agent, working_days
from web import models
from web.access import may_edit_agent
from web.forecasting import forecast_values
from web.notify import N_, agent_users, lead_users, notify
from web.repository import site_config
from web.roster_store import published_shifts

KINDS = ("vacation", "other")
REJECTED, CANCELLED = "rejected", "cancelled"
LONGEST_DAYS = 62  # a request covers at most two months; longer absences are entered by the lead
HOURS_PER_DAY = 8.0  # hours off count against the allowance as this share of a day


@dataclass(frozen=True)
class Asked:
    """What the agent asks for: whole days from first to last, or hours on one day (both times set)."""

    first: dt.date
    last: dt.date
    start_time: dt.time | None
    end_time: dt.time | None
    kind: str
    note: str = ""

    def check(self, today: dt.date) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind {self.kind!r}: give one of {', '.join(KINDS)}")
        if self.first < today:
            raise ValueError(f"{self.first}: time off cannot start in the past")
        if self.last < self.first:
            raise ValueError(f"{self.last} is before {self.first}: give the last day on or after the first")
        if (self.last - self.first).days >= LONGEST_DAYS:
            raise ValueError(f"{self.first} to {self.last}: ask for at most {LONGEST_DAYS} days at a time")
        if (self.start_time is None) != (self.end_time is None):
            raise ValueError("give both times for hours off, or neither for whole days")
        if self.start_time is not None and (self.last != self.first or self.end_time <= self.start_time):
            raise ValueError("hours off are on one day, the end after the start")


def rules_row(session: Session, site_id: int) -> models.TimeOffRule:
    """The site's rules; a new (unsaved) row with the defaults when the lead has set none."""
    row = session.scalars(select(models.TimeOffRule).where(models.TimeOffRule.site_id == site_id)).first()
    if row is None:
        defaults = Rules()
        row = models.TimeOffRule(site_id=site_id, auto_approve=defaults.auto_approve,
                                 min_service_level=defaults.min_service_level,
                                 min_days_ahead=defaults.min_days_ahead, vacation_days=defaults.vacation_days,
                                 updated_by="")
    return row


def rules_of(row: models.TimeOffRule) -> Rules:
    return Rules(bool(row.auto_approve), float(row.min_service_level), int(row.min_days_ahead),
                 int(row.vacation_days))


def period(asked: Asked, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The request as site-local instants [start, end)."""
    if asked.start_time is not None:
        return (dt.datetime.combine(asked.first, asked.start_time, zone),
                dt.datetime.combine(asked.first, asked.end_time, zone))
    return (dt.datetime.combine(asked.first, dt.time(), zone),
            dt.datetime.combine(asked.last + dt.timedelta(days=1), dt.time(), zone))


def days_asked(asked: Asked, site) -> float:
    if asked.start_time is not None:
        hours = (dt.datetime.combine(asked.first, asked.end_time) - dt.datetime.combine(asked.first, asked.start_time))
        return round(hours.total_seconds() / 3600 / HOURS_PER_DAY, 2)
    return float(working_days(site, asked.first, asked.last))


def allowance(session: Session, agent: models.Agent, rules: Rules, year: int) -> tuple[float, float]:
    """(days a year, days used by approved vacation starting that year)."""
    total = float((agent.details or {}).get("vacation_days", rules.vacation_days))
    r = models.TimeOffRequest
    rows = session.scalars(select(r).where(r.agent_pk == agent.id, r.status == APPROVED, r.kind == "vacation",
                                           r.start_date >= dt.date(year, 1, 1), r.start_date <= dt.date(year, 12, 31)))
    return total, round(sum(float((row.checks or {}).get("days", 0)) for row in rows), 2)


def staffing(session: Session, agent: models.Agent, site_row: models.Site, asked: Asked, min_level: float) -> dict:
    """The check figures of the period: per day the worst interval with and without the agent, and whether safe."""
    from web.rostering import latest_run_covering  # the roster service imports the forecasting chain

    site = site_config(site_row)
    days = (asked.last - asked.first).days + 1
    shifts = published_shifts(session, site_row.id, asked.first - dt.timedelta(days=1), asked.last
                              + dt.timedelta(days=1))
    run_id = latest_run_covering(session, site_row.id, asked.first, days)
    if not shifts or run_id is None:
        # Nothing published or no forecast: nobody can tell what the absence does, so the lead decides.
        return {"safe": False, "reason": "no_roster" if not shifts else "no_forecast", "days": []}
    start, end = period(asked, site.tz)
    # Leave approved since the roster was published is not in its shifts yet: take it out before judging.
    absences = session.execute(select(models.Agent.agent_id, models.Absence)
                               .join(models.Absence, models.Absence.agent_pk == models.Agent.id)
                               .where(models.Agent.site_id == site_row.id, models.Absence.start < end,
                                      models.Absence.end > start))
    for agent_id, absence in absences:
        shifts = list(without_agent(shifts, agent_id, absence.start, absence.end))
    frame = forecast_values(session, run_id)
    local = frame["interval_start"].dt.tz_convert(site.timezone).dt.date
    frame = frame[(local >= asked.first) & (local <= asked.last)]
    check = staffing_check(shifts, staff(frame, site), site, agent.agent_id, start, end, min_level)
    return {"safe": check.safe, "reason": "" if check.safe else "staffing", "min_service_level": min_level,
            "days": [{"date": d.date.isoformat(), "with": d.service_level_with, "without": d.service_level_without,
                      "short": round(d.short_without, 2)} for d in check.days]}


def submit(session: Session, agent: models.Agent, asked: Asked, today: dt.date) -> models.TimeOffRequest:
    """Check the request and store it, approved (with its Absence) when the site's rules allow, else queued."""
    asked.check(today)
    site_row = session.get(models.Site, agent.site_id)
    site = site_config(site_row)
    rules = rules_of(rules_row(session, site_row.id))
    needed = days_asked(asked, site) if asked.kind == "vacation" else 0.0
    total, used = allowance(session, agent, rules, asked.first.year)
    figures = staffing(session, agent, site_row, asked, rules.min_service_level)
    status, reasons = decide(rules, total - used, needed, figures["safe"], (asked.first - today).days)
    row = models.TimeOffRequest(agent_pk=agent.id, site_id=site_row.id, start_date=asked.first,
                                end_date=asked.last, start_time=asked.start_time, end_time=asked.end_time,
                                kind=asked.kind, note=asked.note, status=REQUESTED, decision_note="",
                                checks={"days": needed, "allowance": total, "used": used,
                                        "left": round(total - used, 2), "staffing": figures,
                                        "reasons": list(reasons)})
    session.add(row)
    session.flush()
    if status == APPROVED:
        _approve(session, row, "auto", "")
        _tell_agent(session, row)
    else:
        notify(session, lead_users(session, row.site_id, agent.team), "time_off_requested",
               N_("%(agent)s asks for time off from %(start)s to %(end)s."), link="/time-off",
               agent=agent.name, start=_day(row.start_date), end=_day(row.end_date))
    return row


def _day(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


def _tell_agent(session: Session, row: models.TimeOffRequest) -> None:
    """The agent learns how their request was decided."""
    template = {APPROVED: N_("Your time off from %(start)s to %(end)s is approved."),
                REJECTED: N_("Your time off from %(start)s to %(end)s is not approved: %(note)s")}[row.status]
    notify(session, agent_users(session, row.site_id, [row.agent.agent_id]), f"time_off_{row.status}", template,
           link="/my/time-off", start=_day(row.start_date), end=_day(row.end_date), note=row.decision_note or "–")


def may_decide(user, row: models.TimeOffRequest) -> bool:
    """Admins, and leads of the agent's team at the agent's site."""
    if user.role == "lead" and user.site_id not in (None, row.site_id):
        return False
    return may_edit_agent(user, row.agent)


def decide_request(session: Session, row: models.TimeOffRequest, user, approve: bool, note: str) -> None:
    if row.status != REQUESTED:
        raise ValueError(f"request {row.id} is {row.status}: only requested time off can be decided")
    if approve:
        _approve(session, row, user.username, note)
    else:
        row.status, row.decided_by, row.decided_at, row.decision_note = REJECTED, user.username, _now(), note
    _record(session, row, "time_off_approve" if approve else "time_off_reject", user.username)
    _tell_agent(session, row)


def cancel(row: models.TimeOffRequest) -> None:
    if row.status != REQUESTED:
        raise ValueError(f"request {row.id} is {row.status}: only a pending request can be cancelled")
    row.status, row.decided_at = CANCELLED, _now()


def _record(session: Session, row: models.TimeOffRequest, action: str, by: str) -> None:
    """The lead's decision in the site's audit trail (automatic approvals are in the request itself)."""
    value = {"id": row.id, "kind": row.kind, "start": row.start_date.isoformat(), "end": row.end_date.isoformat(),
             "status": row.status}
    if row.start_time is not None:
        value |= {"from": row.start_time.isoformat("minutes"), "until": row.end_time.isoformat("minutes")}
    session.add(models.RosterChange(site_id=row.site_id, version_id=None, action=action, agent_id=row.agent.agent_id,
                                    date=row.start_date, before={"status": REQUESTED}, after=value,
                                    reason=row.decision_note or "", created_by=by))


def _approve(session: Session, row: models.TimeOffRequest, by: str, note: str) -> None:
    zone = ZoneInfo(session.get(models.Site, row.site_id).timezone)
    start, end = period(Asked(row.start_date, row.end_date, row.start_time, row.end_time, row.kind), zone)
    absence = models.Absence(agent_pk=row.agent_pk, start=start, end=end, reason=row.kind)
    session.add(absence)
    session.flush()
    row.status, row.decided_by, row.decided_at, row.decision_note = APPROVED, by, _now(), note
    row.absence_id = absence.id


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def own_requests(session: Session, agent: models.Agent) -> list[models.TimeOffRequest]:
    r = models.TimeOffRequest
    return list(session.scalars(select(r).where(r.agent_pk == agent.id).order_by(r.start_date.desc(), r.id.desc())))


def pending_for(session: Session, user, site_id: int) -> list[models.TimeOffRequest]:
    """Pending requests of the site the user may decide, oldest first."""
    r = models.TimeOffRequest
    rows = session.scalars(select(r).where(r.site_id == site_id, r.status == REQUESTED).order_by(r.created_at, r.id))
    return [row for row in rows if may_decide(user, row)]
