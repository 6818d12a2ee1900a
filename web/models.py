"""SQLAlchemy 2 models: sites, queues, history, events, agents, absences, users, forecasts, jobs, rosters, time off."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An instant stored as UTC; refuses naive datetimes and always returns aware UTC datetimes."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} cannot be stored; give it a time zone")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    pass


class Site(Base):
    __tablename__ = "site"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    config_toml: Mapped[str] = mapped_column(Text)
    approval_required: Mapped[bool] = mapped_column(Boolean, default=False)  # works council approves before publish
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)

    queues: Mapped[list[Queue]] = relationship(back_populates="site", cascade="all, delete-orphan",
                                               order_by="Queue.id")


class Queue(Base):
    __tablename__ = "queue"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    settings: Mapped[dict] = mapped_column(JSON)

    site: Mapped[Site] = relationship(back_populates="queues")


class HistoryRow(Base):
    """Contacts of one queue in one interval; `local_date` is the site-local day, for day-wise replacement."""

    __tablename__ = "history"
    __table_args__ = (
        UniqueConstraint("site_id", "queue", "interval_start"),
        Index("ix_history_site_queue_date", "site_id", "queue", "local_date"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    queue: Mapped[str] = mapped_column(String(64))
    interval_start: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    local_date: Mapped[dt.date] = mapped_column(Date)
    offered: Mapped[int] = mapped_column(Integer)
    handled: Mapped[int | None] = mapped_column(Integer)
    abandoned: Mapped[int | None] = mapped_column(Integer)
    aht_s: Mapped[float | None] = mapped_column(Float)


class Event(Base):
    __tablename__ = "event"
    __table_args__ = (UniqueConstraint("site_id", "date", "event", "queue"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    date: Mapped[dt.date] = mapped_column(Date)
    event: Mapped[str] = mapped_column(String(64))
    queue: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[float | None] = mapped_column(Float)


class Agent(Base):
    __tablename__ = "agent"
    __table_args__ = (UniqueConstraint("site_id", "agent_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    agent_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    team: Mapped[str] = mapped_column(String(100))
    skills: Mapped[list] = mapped_column(JSON)
    weekly_hours: Mapped[float] = mapped_column(Float)
    max_days_per_week: Mapped[int] = mapped_column(Integer)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Absence(Base):
    __tablename__ = "absence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_pk: Mapped[int] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"), index=True)
    start: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    end: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(100))


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="SET NULL"))
    agent_pk: Mapped[int | None] = mapped_column(ForeignKey("agent.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    locale: Mapped[str | None] = mapped_column(String(8))
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)  # secret of the iCal feed URL

    agent: Mapped[Agent | None] = relationship()
    teams: Mapped[list[TeamLead]] = relationship(cascade="all, delete-orphan", order_by="TeamLead.team")


class TeamLead(Base):
    """A team a team-lead user leads (one user may lead several teams)."""

    __tablename__ = "team_lead"
    __table_args__ = (UniqueConstraint("user_id", "team"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    team: Mapped[str] = mapped_column(String(100))


class ForecastOverride(Base):
    """A planner's percentage change on top of the forecast, with who and when (ArbZG-style record keeping)."""

    __tablename__ = "forecast_override"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    queue: Mapped[str] = mapped_column(String(64))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    percent: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)


class ForecastRun(Base):
    """One stored forecast of a site: its horizon, method, the choices made, and its interval values."""

    __tablename__ = "forecast_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[dt.date] = mapped_column(Date)
    days: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)


class ForecastValue(Base):
    __tablename__ = "forecast_value"
    __table_args__ = (UniqueConstraint("run_id", "queue", "interval_start"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("forecast_run.id", ondelete="CASCADE"))
    queue: Mapped[str] = mapped_column(String(64))
    interval_start: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    offered: Mapped[float] = mapped_column(Float)
    aht_s: Mapped[float | None] = mapped_column(Float)
    offered_p10: Mapped[float] = mapped_column(Float)
    offered_p90: Mapped[float] = mapped_column(Float)


class Job(Base):
    """Background work (forecasts, solves, what-ifs) with status and progress, whichever runner executes it."""

    __tablename__ = "job"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    message_template: Mapped[str | None] = mapped_column(Text)  # the message's msgid, shown in the reader's language
    message_params: Mapped[dict | None] = mapped_column(JSON)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # starts, counting re-deliveries
    worker: Mapped[str | None] = mapped_column(String(200))  # host:pid of the process that ran it last
    deadline_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # running past this: stopped, failed
    # kind + parameters while queued or running (NULL after): the same job submitted twice runs once.
    active_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class RosterVersion(Base):
    """One version of a site's roster for a period: draft → (awaiting approval → approved →) published →
    superseded. Agents only ever see the published version; `lock_version` guards against lost updates."""

    __tablename__ = "roster_version"
    __table_args__ = (UniqueConstraint("site_id", "week_start", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    week_start: Mapped[dt.date] = mapped_column(Date)
    days: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32), index=True)  # "awaiting_approval" is 17 characters
    based_on: Mapped[int | None] = mapped_column(Integer)
    job_id: Mapped[str | None] = mapped_column(String(36))
    forecast_run: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    # Every UPDATE of a version says WHERE lock_version = <the value this session read>: of two saves racing from
    # the same version, the second changes no row and is refused (StaleVersion), whatever the in-memory check saw.
    # The application sets the next value itself (lock_version += 1), hence no generator.
    __mapper_args__ = {"version_id_col": lock_version, "version_id_generator": False}
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    approved_by: Mapped[str | None] = mapped_column(String(80))
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    published_by: Mapped[str | None] = mapped_column(String(80))
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    shifts: Mapped[list[RosterShift]] = relationship(cascade="all, delete-orphan", back_populates="version",
                                                     order_by="(RosterShift.date, RosterShift.agent_id)")


class RosterShift(Base):
    """One agent's shift on one date in a roster version; `segments` holds [start, end, activity] in ISO time."""

    __tablename__ = "roster_shift"
    __table_args__ = (UniqueConstraint("version_id", "agent_id", "date"),
                      Index("ix_roster_shift_agent_date", "agent_id", "date"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("roster_version.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[str] = mapped_column(String(64))
    date: Mapped[dt.date] = mapped_column(Date)
    start: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    end: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    segments: Mapped[list] = mapped_column(JSON)

    version: Mapped[RosterVersion] = relationship(back_populates="shifts")


class RosterChange(Base):
    """Audit trail of a site: every roster edit, override, approval and publish with who, when, before and after;
    forecast overrides added or deleted through the API too (they belong to no roster version)."""

    __tablename__ = "roster_change"
    __table_args__ = (Index("ix_roster_change_site_created", "site_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE",
                                                    name="fk_roster_change_site_id_site"))
    version_id: Mapped[int | None] = mapped_column(ForeignKey("roster_version.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    agent_id: Mapped[str | None] = mapped_column(String(64))
    date: Mapped[dt.date | None] = mapped_column(Date)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)


class ApiToken(Base):
    """A personal API token: only its SHA-256 is kept; revoked tokens stay listed."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class Scenario(Base):
    """A planner's what-if scenario of a site: the scenario file's TOML text as written (checked when saved)."""

    __tablename__ = "scenario"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    toml: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)


class SwapRequest(Base):
    """An agent's published shift offered to a named colleague or to anyone eligible: offered → accepted →
    approved | rejected, or cancelled; the shift as offered and the roster checker's findings when last checked."""

    __tablename__ = "swap_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    owner_pk: Mapped[int] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"), index=True)
    target_pk: Mapped[int | None] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"))  # None: anyone eligible
    taker_pk: Mapped[int | None] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"))  # who accepted
    date: Mapped[dt.date] = mapped_column(Date)
    segments: Mapped[list] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), index=True)
    checks: Mapped[dict] = mapped_column(JSON, default=dict)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)

    owner: Mapped[Agent] = relationship(foreign_keys=[owner_pk])
    target: Mapped[Agent | None] = relationship(foreign_keys=[target_pk])
    taker: Mapped[Agent | None] = relationship(foreign_keys=[taker_pk])


class TimeOffRule(Base):
    """A site's auto-approval rules for time off, set by a team lead (one row per site; defaults until saved)."""

    __tablename__ = "time_off_rule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), unique=True)
    auto_approve: Mapped[bool] = mapped_column(Boolean, default=False)
    min_service_level: Mapped[float] = mapped_column(Float, default=0.8)
    min_days_ahead: Mapped[int] = mapped_column(Integer, default=14)
    vacation_days: Mapped[int] = mapped_column(Integer, default=30)  # a year; Agent.details["vacation_days"] wins
    # Accepted shift swaps the roster checker finds clean go through without the lead.
    swap_auto_approve: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_by: Mapped[str] = mapped_column(String(80), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)


class TimeOffRequest(Base):
    """An agent's request for days or hours off: requested → approved | rejected | cancelled, with the allowance
    and staffing figures as they were when it was checked; an approved one has its Absence."""

    __tablename__ = "time_off_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_pk: Mapped[int] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    start_time: Mapped[dt.time | None] = mapped_column(Time)  # both set: hours off on a single day
    end_time: Mapped[dt.time | None] = mapped_column(Time)
    kind: Mapped[str] = mapped_column(String(16))  # vacation | other
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), index=True)
    checks: Mapped[dict] = mapped_column(JSON, default=dict)
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    absence_id: Mapped[int | None] = mapped_column(ForeignKey("absence.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)

    agent: Mapped[Agent] = relationship()


class Notification(Base):
    """A message for one user (a roster published, a request decided): shown in the app until read, e-mailed
    where the user has an address. The text is a msgid with parameters, so each reader sees their language."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    template: Mapped[str] = mapped_column(Text)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    mailed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
