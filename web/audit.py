"""The audit trail read back, and the ArbZG §16(2) record of working time beyond 8 hours a day: who changed what
in a site's rosters (and forecast overrides), when, from what to what; and per agent and day the published work
minutes over 480 and the work on Sundays and public holidays. Queries, filters and CSV for the audit pages and
the API alike; who may see what follows web.access (a team lead with teams: their agents only)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from forecasts.calendar import holiday_name
from scheduler.roster import BREAK, Shift
from web import models
from web.access import visible_teams
from web.repository import NotFound, find_site, site_config
from web.roster_store import published_shifts

READERS = ("lead", "council")  # and admin (roles_required lets admins through); planners and agents do not
ROSTER_ACTIONS = ("create", "edit", "override", "submit", "approve", "reject", "publish", "supersede", "swap")
OVERRIDE_ACTIONS = ("forecast_override_add", "forecast_override_delete")
TIME_OFF_ACTIONS = ("time_off_approve", "time_off_reject")
ACTIONS = ROSTER_ACTIONS + OVERRIDE_ACTIONS + TIME_OFF_ACTIONS
DAILY_LIMIT_MINUTES = 480  # ArbZG §3 sentence 1: 8 hours on a working day; §16(2): time beyond it is recorded
MAX_REPORT_DAYS = 731  # two years: how long §16(2) records must be kept
CSV_DELIMITER = ";"  # what Excel expects in a German locale; the file starts with a UTF-8 BOM so Excel reads UTF-8
CSV_BOM = "\ufeff"
AUDIT_COLUMNS = ("id", "time", "user", "action", "version_id", "week_start", "version", "agent_id", "name", "date",
                 "before", "after", "reason")
HOURS_COLUMNS = ("agent_id", "name", "team", "date", "work_minutes", "beyond_8h_minutes", "sunday_minutes",
                 "holiday_minutes", "holiday")


class FilterError(ValueError):
    """A filter value that cannot be used; `field` and `value` name it, `kind` says what was wrong (the pages
    word it in the reader's language, the API in English)."""

    def __init__(self, field: str, value: str, kind: str, message: str):
        super().__init__(message)
        self.field, self.value, self.kind = field, value, kind


# --- filters ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AuditFilter:
    """What to show: changes made on local days start..end (inclusive), of one agent, by one user, of one kind,
    in one roster version; None means any."""

    start: dt.date | None = None
    end: dt.date | None = None
    agent_id: str | None = None
    user: str | None = None
    action: str | None = None
    version_id: int | None = None

    def args(self) -> dict[str, str]:
        """The filter as query parameters (for links to other pages and the CSV of the same view)."""
        values = {"from": self.start, "to": self.end, "agent": self.agent_id, "user": self.user,
                  "action": self.action, "version": self.version_id}
        return {key: str(value) for key, value in values.items() if value not in (None, "")}


def _date(args: Mapping[str, str], name: str) -> dt.date | None:
    text = (args.get(name) or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise FilterError(name, text, "date", f"{name} {text!r} is not a date; give YYYY-MM-DD") from None


def _whole(args: Mapping[str, str], name: str, default: int | None, low: int, high: int) -> int | None:
    text = (args.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise FilterError(name, text, "number", f"{name} {text!r}: give a whole number from {low} to {high}")
    return int(text)


def _ordered(start: dt.date | None, end: dt.date | None) -> None:
    if start is not None and end is not None and end < start:
        raise FilterError("to", end.isoformat(), "order",
                          f"to {end.isoformat()} is before from {start.isoformat()}; give from <= to")


def parse_filter(args: Mapping[str, str]) -> AuditFilter:
    """The filter from query parameters from, to (YYYY-MM-DD), agent, user, action and version (an id)."""
    start, end = _date(args, "from"), _date(args, "to")
    _ordered(start, end)
    action = (args.get("action") or "").strip() or None
    if action is not None and action not in ACTIONS:
        raise FilterError("action", action, "action", f"action {action!r} is unknown; give one of {', '.join(ACTIONS)}")
    return AuditFilter(start=start, end=end, agent_id=_text(args, "agent", 64), user=_text(args, "user", 80),
                       action=action, version_id=_whole(args, "version", None, 1, 2**31 - 1))


def _text(args: Mapping[str, str], name: str, longest: int) -> str | None:
    """An agent id or login as given (None when empty); one that no stored one can be is refused."""
    text = (args.get(name) or "").strip()
    if len(text) > longest or any(ord(c) < 32 for c in text):
        raise FilterError(name, text[:longest], "text",
                          f"{name} {text[:longest]!r}: give at most {longest} characters without control characters")
    return text or None


def parse_page(args: Mapping[str, str], per_page_default: int, per_page_max: int) -> tuple[int, int]:
    """(page, per_page) from the query: page counts from 1."""
    return (_whole(args, "page", 1, 1, 10**6) or 1,
            _whole(args, "per_page", per_page_default, 1, per_page_max) or per_page_default)


def parse_period(args: Mapping[str, str], today: dt.date) -> tuple[dt.date, dt.date]:
    """The report's days from..to (inclusive); without them the calendar month of `today`."""
    start = _date(args, "from") or today.replace(day=1)
    end = _date(args, "to") or (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    _ordered(start, end)
    if (end - start).days + 1 > MAX_REPORT_DAYS:
        raise FilterError("to", end.isoformat(), "range",
                          f"from {start.isoformat()} to {end.isoformat()} is more than {MAX_REPORT_DAYS} days; "
                          "ask for a shorter period")
    return start, end


# --- whose site ------------------------------------------------------------------------------------------------

def audit_site(session: Session, user, slug: str | None = None) -> models.Site:
    """The site whose records the user reads: their own (asking for another is not found), else ?site=SLUG or
    the first site."""
    if slug and (len(slug) > 80 or any(ord(c) < 32 for c in slug)):  # no slug is; PostgreSQL refuses NUL in text
        raise NotFound(f"no site {slug[:80]!r}")
    if user.site_id is not None:
        site = session.get(models.Site, user.site_id)
        if site is not None:
            if slug and site.slug != slug:
                raise NotFound(f"no site {slug!r}")
            return site
    return find_site(session, slug or None)


def visible_agent_ids(session: Session, user, site: models.Site) -> list[str] | None:
    """The agent ids whose records the user may read (None: all of the site, also agents no longer stored)."""
    teams = visible_teams(user)
    if teams is None:
        return None
    return list(session.scalars(select(models.Agent.agent_id).where(
        models.Agent.site_id == site.id, models.Agent.team.in_(sorted(teams))).order_by(models.Agent.agent_id)))


def agent_names(session: Session, site: models.Site) -> dict[str, models.Agent]:
    return {a.agent_id: a for a in session.scalars(select(models.Agent).where(models.Agent.site_id == site.id))}


# --- the audit trail -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One recorded change as shown: `at` in the site's local time; before and after as stored."""

    id: int
    at: dt.datetime
    user: str
    action: str
    version_id: int | None
    week_start: dt.date | None
    version_number: int | None
    agent_id: str | None
    agent_name: str | None
    date: dt.date | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str


@dataclass(frozen=True)
class AuditPage:
    entries: list[Entry]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        """The 1-based position of the first entry shown (0 when none is)."""
        return (self.page - 1) * self.per_page + 1 if self.entries else 0


def local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), zone)


def _query(session: Session, user, site: models.Site, flt: AuditFilter) -> Select:
    change, version = models.RosterChange, models.RosterVersion
    query = (select(change, version.week_start, version.number).outerjoin(version, version.id == change.version_id)
             .where(change.site_id == site.id))
    agents = visible_agent_ids(session, user, site)
    if agents is not None:  # a lead with teams: their agents' changes and those of whole versions
        query = query.where(or_(change.agent_id.is_(None), change.agent_id.in_(agents)))
    zone = ZoneInfo(site.timezone)
    if flt.start is not None:
        query = query.where(change.created_at >= local_midnight(flt.start, zone))
    if flt.end is not None:
        query = query.where(change.created_at < local_midnight(flt.end + dt.timedelta(days=1), zone))
    if flt.agent_id is not None:
        query = query.where(change.agent_id == flt.agent_id)
    if flt.user is not None:
        query = query.where(change.created_by == flt.user)
    if flt.action is not None:
        query = query.where(change.action == flt.action)
    if flt.version_id is not None:
        query = query.where(change.version_id == flt.version_id)
    return query


def _newest_first(query: Select) -> Select:
    return query.order_by(models.RosterChange.created_at.desc(), models.RosterChange.id.desc())


def _entry(row, zone: ZoneInfo, agents: Mapping[str, models.Agent]) -> Entry:
    change, week_start, number = row
    agent = agents.get(change.agent_id) if change.agent_id else None
    return Entry(id=change.id, at=change.created_at.astimezone(zone), user=change.created_by, action=change.action,
                 version_id=change.version_id, week_start=week_start, version_number=number,
                 agent_id=change.agent_id, agent_name=agent.name if agent else None, date=change.date,
                 before=change.before, after=change.after, reason=change.reason or "")


def audit_page(session: Session, user, site: models.Site, flt: AuditFilter, page: int = 1,
               per_page: int = 50) -> AuditPage:
    """One page of the matching changes, newest first, with the number of all matching ones."""
    query = _query(session, user, site, flt)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(_newest_first(query).limit(per_page).offset((page - 1) * per_page)).all()
    zone, agents = ZoneInfo(site.timezone), agent_names(session, site)
    return AuditPage([_entry(row, zone, agents) for row in rows], total, page, per_page)


def iter_entries(session: Session, user, site: models.Site, flt: AuditFilter, chunk: int = 500) -> Iterator[Entry]:
    """Every matching change, newest first, read from the database `chunk` rows at a time."""
    zone, agents = ZoneInfo(site.timezone), agent_names(session, site)
    result = session.execute(_newest_first(_query(session, user, site, flt)).execution_options(yield_per=chunk))
    for row in result:
        yield _entry(row, zone, agents)


def recorded_users(session: Session, site: models.Site) -> list[str]:
    """The logins that made recorded changes at the site (for the filter's list)."""
    change = models.RosterChange
    return list(session.scalars(select(change.created_by).where(change.site_id == site.id).distinct()
                                .order_by(change.created_by)))


def site_versions(session: Session, site: models.Site) -> list:
    """(id, week_start, number) of the site's roster versions, newest week first (for the filter's list)."""
    version = models.RosterVersion
    return list(session.execute(select(version.id, version.week_start, version.number)
                                .where(version.site_id == site.id)
                                .order_by(version.week_start.desc(), version.number.desc())))


def record_forecast_override(session: Session, row: models.ForecastOverride, action: str, user: str) -> None:
    """Write a forecast override's addition or deletion to the site's audit trail."""
    if action not in OVERRIDE_ACTIONS:
        raise ValueError(f"action {action!r} is not a forecast override's; give one of {', '.join(OVERRIDE_ACTIONS)}")
    value = {"id": row.id, "queue": row.queue, "start": row.start_date.isoformat(), "end": row.end_date.isoformat(),
             "percent": row.percent}
    added = action == "forecast_override_add"
    session.add(models.RosterChange(site_id=row.site_id, version_id=None, action=action,
                                    before=None if added else value, after=value if added else None,
                                    reason=row.reason or "", created_by=user))


# --- before and after as text ----------------------------------------------------------------------------------

def is_shift(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("segments"), list)


def shift_text(value: dict[str, Any], zone: ZoneInfo, day: dt.date | None, break_word: str = BREAK) -> str:
    """A recorded shift in local time: "08:00–16:30 billing, break 12:00–12:30"; with several activities every
    segment in order; "(+1)" marks an end on the next day."""
    segments = [(dt.datetime.fromisoformat(a).astimezone(zone), dt.datetime.fromisoformat(b).astimezone(zone), what)
                for a, b, what in value["segments"]]
    if not segments:
        return ""

    def clock(moment: dt.datetime) -> str:
        later = day is not None and moment.date() > day
        return moment.strftime("%H:%M") + (" (+1)" if later else "")

    def span(a: dt.datetime, b: dt.datetime) -> str:
        return f"{clock(a)}–{clock(b)}"

    work = {what for _a, _b, what in segments if what != BREAK}
    head = span(segments[0][0], segments[-1][1])
    if len(work) > 1:
        return f"{head}: " + ", ".join(f"{break_word if what == BREAK else what} {span(a, b)}"
                                        for a, b, what in segments)
    parts = [f"{head} {next(iter(work))}" if work else head]
    return ", ".join(parts + [f"{break_word} {span(a, b)}" for a, b, what in segments if what == BREAK])


def plain_text(value: dict[str, Any] | None, zone: ZoneInfo, day: dt.date | None) -> str:
    """Before or after in the CSV's notation, the same in every language: a shift as `shift_text`, anything
    else as key=value pairs in a fixed order; nothing (no shift, no value) is empty."""
    if value is None:
        return ""
    if is_shift(value):
        return shift_text(value, zone, day)
    return ", ".join(f"{key}={_plain(value[key])}" for key in sorted(value))


def _plain(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


# --- CSV -------------------------------------------------------------------------------------------------------

def _cell(value: Any) -> Any:
    """A text cell that Excel would run as a formula (=, +, -, @ first) gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_stream(header: Sequence[str], rows: Iterable[Sequence[Any]], chunk: int = 200) -> Iterator[str]:
    """CSV text in pieces of `chunk` rows: a UTF-8 BOM (so Excel reads UTF-8), the header, then the rows;
    `;`-separated, CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER)
    buffer.write(CSV_BOM)
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow([_cell(v) for v in row])
        if count % chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def audit_rows(entries: Iterable[Entry], zone: ZoneInfo) -> Iterator[list[Any]]:
    """The CSV rows of AUDIT_COLUMNS: time as local ISO with its UTC offset, before/after in `plain_text`."""
    for e in entries:
        yield [e.id, e.at.isoformat(timespec="seconds"), e.user, e.action, e.version_id or "",
               e.week_start.isoformat() if e.week_start else "", e.version_number or "", e.agent_id or "",
               e.agent_name or "", e.date.isoformat() if e.date else "", plain_text(e.before, zone, e.date),
               plain_text(e.after, zone, e.date), e.reason]


# --- ArbZG §16(2): work beyond 8 hours, Sundays and public holidays --------------------------------------------

@dataclass(frozen=True)
class LongDay:
    """One agent's published shift of a day that is recorded: over 8 hours of work, or work on a Sunday or a
    public holiday (minutes of the shift that fall on such a local day, so a Saturday night counts its
    Sunday hours)."""

    agent_id: str
    name: str
    team: str
    date: dt.date
    work_minutes: int
    beyond_minutes: int
    sunday_minutes: int
    holiday_minutes: int
    holiday: str


@dataclass(frozen=True)
class AgentTotal:
    agent_id: str
    name: str
    team: str
    days: int
    beyond_minutes: int
    sunday_minutes: int
    holiday_minutes: int


@dataclass(frozen=True)
class HoursReport:
    start: dt.date
    end: dt.date
    days: list[LongDay]
    totals: list[AgentTotal]


def minutes_by_local_day(shift: Shift, zone: ZoneInfo) -> dict[dt.date, int]:
    """The shift's work minutes (breaks left out) split at local midnights, by local date."""
    out: dict[dt.date, int] = {}
    for segment in shift.segments:
        if segment.is_break:
            continue
        cursor, end = segment.start.astimezone(dt.UTC), segment.end.astimezone(dt.UTC)
        while cursor < end:
            day = cursor.astimezone(zone).date()
            piece_end = min(end, local_midnight(day + dt.timedelta(days=1), zone).astimezone(dt.UTC))
            out[day] = out.get(day, 0) + int((piece_end - cursor).total_seconds() // 60)
            cursor = piece_end
    return out


def hours_report(session: Session, user, site_row: models.Site, start: dt.date, end: dt.date) -> HoursReport:
    """Per agent and shift date in start..end (inclusive) of the published rosters: the work minutes beyond
    DAILY_LIMIT_MINUTES and those on Sundays and public holidays (the site's calendar), with totals per agent."""
    site = site_config(site_row)
    zone = ZoneInfo(site_row.timezone)
    agents = agent_names(session, site_row)
    shifts = published_shifts(session, site_row.id, start, end + dt.timedelta(days=1),
                              visible_agent_ids(session, user, site_row))
    days: list[LongDay] = []
    for shift in sorted(shifts, key=lambda s: (s.agent_id, s.date, s.start.astimezone(dt.UTC))):
        work = shift.work_minutes
        sunday = holiday = 0
        names = []
        for day, minutes in sorted(minutes_by_local_day(shift, zone).items()):
            if day.weekday() == 6:
                sunday += minutes
            name = holiday_name(site, day)
            if name:
                holiday += minutes
                names += [] if name in names else [name]
        beyond = max(0, work - DAILY_LIMIT_MINUTES)
        if beyond or sunday or holiday:
            agent = agents.get(shift.agent_id)
            days.append(LongDay(shift.agent_id, agent.name if agent else "", agent.team if agent else "",
                                shift.date, work, beyond, sunday, holiday, ", ".join(names)))
    totals: dict[str, AgentTotal] = {}
    for d in days:
        t = totals.get(d.agent_id) or AgentTotal(d.agent_id, d.name, d.team, 0, 0, 0, 0)
        totals[d.agent_id] = AgentTotal(d.agent_id, d.name, d.team, t.days + 1, t.beyond_minutes + d.beyond_minutes,
                                        t.sunday_minutes + d.sunday_minutes, t.holiday_minutes + d.holiday_minutes)
    return HoursReport(start, end, days, list(totals.values()))


def hours_rows(report: HoursReport) -> Iterator[list[Any]]:
    """The CSV rows of HOURS_COLUMNS, one per listed day."""
    for d in report.days:
        yield [d.agent_id, d.name, d.team, d.date.isoformat(), d.work_minutes, d.beyond_minutes, d.sunday_minutes,
               d.holiday_minutes, d.holiday]


# --- JSON ------------------------------------------------------------------------------------------------------

def entry_json(e: Entry) -> dict[str, Any]:
    version = None if e.version_id is None else {"id": e.version_id, "number": e.version_number,
                                                 "week_start": e.week_start.isoformat() if e.week_start else None}
    return {"id": e.id, "at": e.at.isoformat(timespec="seconds"), "user": e.user, "action": e.action,
            "version": version, "agent_id": e.agent_id, "agent_name": e.agent_name,
            "date": e.date.isoformat() if e.date else None, "before": e.before, "after": e.after, "reason": e.reason}


def hours_json(report: HoursReport) -> dict[str, Any]:
    return {"from": report.start.isoformat(), "to": report.end.isoformat(),
            "limit_minutes": DAILY_LIMIT_MINUTES,
            "days": [{"agent_id": d.agent_id, "name": d.name, "team": d.team, "date": d.date.isoformat(),
                      "work_minutes": d.work_minutes, "beyond_8h_minutes": d.beyond_minutes,
                      "sunday_minutes": d.sunday_minutes, "holiday_minutes": d.holiday_minutes,
                      "holiday": d.holiday or None} for d in report.days],
            "agents": [{"agent_id": t.agent_id, "name": t.name, "team": t.team, "days": t.days,
                        "beyond_8h_minutes": t.beyond_minutes, "sunday_minutes": t.sunday_minutes,
                        "holiday_minutes": t.holiday_minutes} for t in report.totals]}
