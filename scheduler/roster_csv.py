"""roster.csv (DATA.md): one row per segment, `agent_id,date,start,end,activity`; written and read back.

A shift is the run of segments of one agent on one `date`, the local date on which the shift starts.
`start` and `end` are ISO 8601 times with a UTC offset (the site's, or UTC), on the site's interval grid;
`activity` is a queue name, `break` (an ArbZG §4 rest break) or another kind such as `training` or `meeting`.
Reading refuses the whole file when anything is wrong and names every problem with its line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from forecasts.csv_table import read_csv_table
from forecasts.history_io import RowChecker, check_interval_start
from forecasts.site import QUEUE_NAME, Site
from scheduler.roster import Roster, Segment, shifts_from_segments

Source = str | Path | IO[bytes] | IO[str]

ROSTER_COLUMNS = ("agent_id", "date", "start", "end", "activity")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def roster_csv_text(roster: Roster, site: Site | None = None) -> str:
    """roster.csv text, rows by agent, date and start; times in the site's zone when a site is given."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ROSTER_COLUMNS)
    for shift in sorted(roster.shifts, key=lambda s: (s.agent_id, s.date)):
        for seg in sorted(shift.segments, key=lambda s: s.start):
            start, end = (seg.start, seg.end) if site is None else (seg.start.astimezone(site.tz),
                                                                    seg.end.astimezone(site.tz))
            writer.writerow([shift.agent_id, shift.date.isoformat(), start.isoformat(timespec="seconds"),
                             end.isoformat(timespec="seconds"), seg.activity])
    return out.getvalue()


def write_roster_csv(roster: Roster, path: str | Path | None = None, *, site: Site | None = None) -> str:
    """The roster.csv text; also written to `path` (UTF-8) when one is given. Give the site to write site-local
    times (as DATA.md shows); without it the times are written with the offset they carry."""
    text = roster_csv_text(roster, site)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def read_roster(source: Source, site: Site, agent_ids: set[str] | None = None, name: str | None = None) -> Roster:
    """Read and validate a roster.csv; raise one DataFileError listing every problem with its line.

    The segments hold UTC instants (DATA.md allows UTC with offset): Python compares and subtracts two
    datetimes that share a tzinfo by their wall clocks, so site-local times would sort and measure a DST night
    wrongly. Write the roster with `site` to get site-local times back.

    Checked: every cell present; agent ids known (when `agent_ids` is given); dates real; times with a UTC
    offset, real, on the site's interval grid; each segment ending after it starts; each shift's `date` the
    local date of its first segment; no two segments of one agent overlapping. Working-time rules are the
    checker's business (scheduler.checker), not the file's.
    """
    table = read_csv_table(source, required=ROSTER_COLUMNS, name=name)
    frame = table.frame.reset_index(drop=True)
    lines = table.line.to_numpy()
    check = RowChecker(table.name, lines)

    agent_ok = _check_agent(check, frame["agent_id"], agent_ids)
    day, day_ok = _check_date(check, frame["date"])
    start, start_ok = check_interval_start(_Relabel(check, "start", "the start of the segment"), frame["start"], site)
    end, end_ok = check_interval_start(_Relabel(check, "end", "the end of the segment"), frame["end"], site)
    activity_ok = _check_activity(check, frame["activity"])
    times_ok = start_ok & end_ok
    backwards = times_ok & (end <= start).to_numpy(dtype=bool)
    check.rows("end", backwards, "end before they start",
               lambda i: f"{frame['end'].iat[i]} is not after start {frame['start'].iat[i]}; a segment ends after "
                         "it starts")
    usable = agent_ok & day_ok & times_ok & ~backwards & activity_ok
    _check_shift_dates(check, frame, day, start, usable, site)
    _check_overlaps(check, frame, start, end, usable, lines)
    check.raise_if_any()

    rows = [(frame["agent_id"].iat[i], day[i],
             Segment(start.iat[i].to_pydatetime().astimezone(dt.UTC), end.iat[i].to_pydatetime().astimezone(dt.UTC),
                     frame["activity"].iat[i]))
            for i in range(len(frame))]
    return Roster(shifts_from_segments(rows))


class _Relabel(RowChecker):
    """Lets check_interval_start (written for history.csv) report on another column, in that column's words."""

    def __init__(self, inner: RowChecker, column: str, meaning: str):
        super().__init__(inner.name, inner.lines)
        self.inner, self.column, self.meaning = inner, column, meaning

    def rows(self, column: str | None, mask: np.ndarray, kind: str, message: Callable[[int], str]) -> None:
        if kind == "have no interval_start":
            kind, message = f"have no {self.column}", self._empty
        self.inner.rows(self.column, mask, kind, message)

    def _empty(self, i: int) -> str:
        return f"empty; every row needs {self.meaning}, e.g. 2026-12-07T08:00:00+01:00"


def _check_agent(check: RowChecker, agent: pd.Series, agent_ids: set[str] | None) -> np.ndarray:
    empty = (agent == "").to_numpy()
    check.rows("agent_id", empty, "have no agent_id", lambda i: "empty; every row needs the agent's id")
    if agent_ids is None:
        return ~empty
    unknown = ~empty & ~agent.isin(agent_ids).to_numpy()
    check.rows("agent_id", unknown, "name unknown agents",
               lambda i: f"unknown agent {agent.iat[i]!r}; import the agent in agents.csv first")
    return ~empty & ~unknown


def _check_date(check: RowChecker, text: pd.Series) -> tuple[list[dt.date | None], np.ndarray]:
    days: list[dt.date | None] = []
    for value in text:
        try:
            days.append(dt.date.fromisoformat(value) if _DATE.fullmatch(value) else None)
        except ValueError:
            days.append(None)
    ok = np.array([d is not None for d in days], dtype=bool)
    empty = (text == "").to_numpy()
    check.rows("date", empty, "have no date",
               lambda i: "empty; every row needs the shift's date (YYYY-MM-DD, the local date on which it starts)")
    check.rows("date", ~ok & ~empty, "are not dates",
               lambda i: f"{text.iat[i]!r} is not a date; write the shift's start date as YYYY-MM-DD, "
                         "e.g. 2026-12-07")
    return days, ok


def _check_activity(check: RowChecker, activity: pd.Series) -> np.ndarray:
    empty = (activity == "").to_numpy()
    named = activity.str.fullmatch(QUEUE_NAME.pattern).to_numpy(dtype=bool)
    check.rows("activity", empty, "have no activity",
               lambda i: "empty; give a queue name, break, or another activity such as training")
    check.rows("activity", ~empty & ~named, "are not activity names",
               lambda i: f"{activity.iat[i]!r} is not an activity name; use letters, digits, '_' and '-' "
                         "(a queue name, break, training, …)")
    return named


def _check_shift_dates(check: RowChecker, frame: pd.DataFrame, day: list[dt.date | None], start: pd.Series,
                       usable: np.ndarray, site: Site) -> None:
    """The first segment of every (agent, date) starts on that local date."""
    first: dict[tuple[str, dt.date], int] = {}
    for i in np.flatnonzero(usable):
        key = (frame["agent_id"].iat[i], day[i])
        if key not in first or start.iat[i] < start.iat[first[key]]:
            first[key] = int(i)
    wrong = np.zeros(len(frame), dtype=bool)
    for (_, date), i in first.items():
        wrong[i] = start.iat[i].tz_convert(site.timezone).date() != date
    check.rows("date", wrong, "do not match their shift's start",
               lambda i: f"{day[i]} does not match the shift's start: its first segment starts "
                         f"{frame['start'].iat[i]}, on {start.iat[i].tz_convert(site.timezone).date()}; date is the "
                         "local date on which the shift starts")


def _check_overlaps(check: RowChecker, frame: pd.DataFrame, start: pd.Series, end: pd.Series, usable: np.ndarray,
                    lines: np.ndarray) -> None:
    """No two segments of one agent overlap; each overlap is reported on the later-starting row."""
    order = sorted(np.flatnonzero(usable), key=lambda i: (frame["agent_id"].iat[i], start.iat[i], lines[i]))
    other = np.full(len(frame), -1)
    latest: int | None = None  # the row with the latest end so far for the current agent
    for i in order:
        if latest is not None and frame["agent_id"].iat[latest] == frame["agent_id"].iat[i] \
                and start.iat[i] < end.iat[latest]:
            other[i] = latest
        if latest is None or frame["agent_id"].iat[latest] != frame["agent_id"].iat[i] \
                or end.iat[i] > end.iat[latest]:
            latest = int(i)

    def message(i: int) -> str:
        j = other[i]
        return (f"{frame['activity'].iat[i]} {frame['start'].iat[i]} to {frame['end'].iat[i]} overlaps line "
                f"{lines[j]} ({frame['activity'].iat[j]} {frame['start'].iat[j]} to {frame['end'].iat[j]}) of "
                f"agent {frame['agent_id'].iat[i]}; an agent does one thing at a time")

    check.rows("start", other >= 0, "overlap another segment of their agent", message)
