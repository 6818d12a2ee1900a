"""Roster domain values: segments of activity, shifts (one agent, one start date) and the roster."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

BREAK = "break"


@dataclass(frozen=True)
class Segment:
    """One activity of an agent from start to end (tz-aware); `activity` is a queue, "break" or another kind."""

    start: dt.datetime
    end: dt.datetime
    activity: str

    @property
    def minutes(self) -> int:
        """Real elapsed minutes, also across a DST change (Python subtracts same-zone datetimes by wall clock,
        so both ends go to UTC first)."""
        return int((self.end.astimezone(dt.UTC) - self.start.astimezone(dt.UTC)).total_seconds() // 60)

    @property
    def is_break(self) -> bool:
        return self.activity == BREAK


@dataclass(frozen=True)
class Shift:
    """The run of segments of one agent on one date (the shift's start date, site-local), in time order."""

    agent_id: str
    date: dt.date
    segments: tuple[Segment, ...]

    @property
    def start(self) -> dt.datetime:
        return self.segments[0].start

    @property
    def end(self) -> dt.datetime:
        return self.segments[-1].end

    @property
    def span_minutes(self) -> int:
        return int((self.end.astimezone(dt.UTC) - self.start.astimezone(dt.UTC)).total_seconds() // 60)

    @property
    def work_minutes(self) -> int:
        """Working time in the sense of ArbZG §2: the shift without its rest breaks."""
        return sum(s.minutes for s in self.segments if not s.is_break)

    @property
    def breaks(self) -> tuple[Segment, ...]:
        return tuple(s for s in self.segments if s.is_break)


@dataclass(frozen=True)
class Roster:
    """Shifts of many agents, e.g. one week; `previous` shifts (an earlier roster) count for rest rules."""

    shifts: tuple[Shift, ...]

    def of_agent(self, agent_id: str) -> list[Shift]:
        return sorted((s for s in self.shifts if s.agent_id == agent_id), key=lambda s: s.start.astimezone(dt.UTC))

    @property
    def agent_ids(self) -> list[str]:
        return sorted({s.agent_id for s in self.shifts})


def shifts_from_segments(rows: Iterable[tuple[str, dt.date, Segment]]) -> tuple[Shift, ...]:
    """Group (agent_id, date, segment) rows into shifts, segments sorted by start."""
    grouped: dict[tuple[str, dt.date], list[Segment]] = {}
    for agent_id, day, segment in rows:
        grouped.setdefault((agent_id, day), []).append(segment)
    return tuple(Shift(agent, day, tuple(sorted(segments, key=lambda s: s.start.astimezone(dt.UTC))))
                 for (agent, day), segments in sorted(grouped.items()))
