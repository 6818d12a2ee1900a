"""A shift from what a team lead types: local start and end, breaks and one activity, as tz-aware segments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import pandas as pd

from scheduler.roster import BREAK, Segment, Shift


class ShiftInputError(ValueError):
    """The typed shift cannot be a shift (a break outside it, overlapping breaks, no length)."""


def local_moment(day: dt.date, clock: dt.time, zone: ZoneInfo) -> dt.datetime:
    """The instant of a wall-clock time on a local day; a time in the spring-forward gap moves forward to the
    first real instant after it, a time that occurs twice is its first occurrence."""
    wall = pd.Timestamp(dt.datetime.combine(day, clock))
    return wall.tz_localize(str(zone), nonexistent="shift_forward", ambiguous=True).to_pydatetime()


def build_shift(agent_id: str, day: dt.date, start: dt.time, end: dt.time, activity: str,
                breaks: Sequence[tuple[dt.time, dt.time]], timezone: str) -> Shift:
    """The shift from `start` to `end` (an end at or before the start is on the next day) working on `activity`,
    with rest breaks; each break's times fall on the shift's first day unless they lie before its start."""
    zone = ZoneInfo(timezone)
    begin = local_moment(day, start, zone)
    finish = local_moment(day + dt.timedelta(days=1) if end <= start else day, end, zone)
    placed = []
    for break_start, break_end in breaks:
        b_day = day + dt.timedelta(days=1) if break_start < start else day
        b0 = local_moment(b_day, break_start, zone)
        b1 = local_moment(b_day + dt.timedelta(days=1) if break_end <= break_start else b_day, break_end, zone)
        if not (_utc(begin) <= _utc(b0) < _utc(b1) <= _utc(finish)):
            raise ShiftInputError(f"break {break_start:%H:%M}-{break_end:%H:%M} lies outside the shift "
                                  f"{start:%H:%M}-{end:%H:%M}; put it inside the shift")
        placed.append((b0, b1))
    placed.sort(key=lambda b: _utc(b[0]))
    for (_a0, a1), (b0, _b1) in zip(placed, placed[1:], strict=False):
        if _utc(b0) < _utc(a1):
            raise ShiftInputError(f"breaks overlap at {b0:%H:%M}; give each break its own time")
    segments, cursor = [], begin
    for b0, b1 in placed:
        if _utc(cursor) < _utc(b0):
            segments.append(Segment(cursor, b0, activity))
        segments.append(Segment(b0, b1, BREAK))
        cursor = b1
    if _utc(cursor) < _utc(finish):
        segments.append(Segment(cursor, finish, activity))
    if not segments:
        raise ShiftInputError("the shift has no length; give an end after the start")
    return Shift(agent_id, day, tuple(segments))


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)
