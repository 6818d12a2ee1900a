"""The people being scheduled: agents with their contracts and wishes, and their absences."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

LEVELS = ("entry", "experienced")
SHIFT_PREFERENCES = ("early", "late")
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Agent:
    """One agent: contract (weekly hours, days), skills (queue names) and the optional wishes of agents.csv."""

    agent_id: str
    name: str
    team: str
    skills: tuple[str, ...]
    weekly_hours: float                       # contract hours per week, breaks excluded
    max_days_per_week: int
    level: str | None = None                  # "entry" | "experienced"
    monthly_pay_eur: float | None = None      # gross per month at full time (40 h); part time is pro rata
    preferred_shift: str | None = None        # "early" | "late"
    days_off_wish: tuple[int, ...] = ()       # weekday numbers, 0 = Monday
    earliest_start: dt.time | None = None     # local wall-clock time
    latest_end: dt.time | None = None
    email: str | None = None


@dataclass(frozen=True)
class Absence:
    """A time an agent cannot work: [start, end) as timezone-aware instants (site-local)."""

    agent_id: str
    start: dt.datetime
    end: dt.datetime
    reason: str
