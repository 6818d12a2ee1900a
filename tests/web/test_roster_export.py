"""Roster downloads: roster.csv with local times and the Excel workbook's two sheets, across a DST change."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from forecasts.site import parse_site
from scheduler.roster_csv import read_roster
from scheduler.shift_edit import build_shift
from tests.web.site_fixture import SITE_TOML
from web.roster_export import export_name, roster_csv, roster_xlsx
from web.roster_views import GridAgent, grid_rows, period_days

TZ = "Europe/Berlin"
SITE = parse_site(SITE_TOML)
MONDAY = dt.date(2026, 10, 19)
SUNDAY = dt.date(2026, 10, 25)  # summer time ends at 03:00
ANNA = GridAgent("A1", "Anna", "Nord", 16.0, ("billing",))
SHIFTS = [build_shift("A1", MONDAY, dt.time(8), dt.time(16, 30), "billing", [(dt.time(12), dt.time(12, 30))], TZ),
          build_shift("A1", SUNDAY, dt.time(0), dt.time(5), "billing", [], TZ)]


def test_the_file_name_names_week_and_version():
    assert export_name(dt.date(2026, 12, 7), 3, "csv") == "roster-2026-12-07-v3.csv"


def test_roster_csv_has_local_times_and_reads_back_as_the_same_shifts():
    text = roster_csv(SHIFTS, SITE)
    lines = text.splitlines()
    assert lines[0] == "agent_id,date,start,end,activity"
    assert lines[1] == "A1,2026-10-19,2026-10-19T08:00:00+02:00,2026-10-19T12:00:00+02:00,billing"
    assert lines[4] == "A1,2026-10-25,2026-10-25T00:00:00+02:00,2026-10-25T05:00:00+01:00,billing"
    back = read_roster(io.StringIO(text), SITE)
    assert [(s.date, s.work_minutes) for s in back.shifts] == [(MONDAY, 480), (SUNDAY, 360)]


def test_the_workbook_has_the_grid_and_every_segment_in_local_time():
    days = period_days(MONDAY, 7)
    rows = grid_rows([ANNA], SHIFTS, days, ZoneInfo(TZ))
    book = load_workbook(io.BytesIO(roster_xlsx(rows, days, SHIFTS, {"A1": ANNA}, ZoneInfo(TZ))))
    assert book.sheetnames == ["Roster", "Segments"]
    grid = book["Roster"]
    assert [c.value for c in grid[1]] == ["agent_id", "name", "team", "contract_h", "2026-10-19", "2026-10-20",
                                          "2026-10-21", "2026-10-22", "2026-10-23", "2026-10-24", "2026-10-25",
                                          "planned_h"]
    assert [c.value for c in grid[2]] == ["A1", "Anna", "Nord", 16, "08:00–16:30 billing", None, None, None, None,
                                          None, "00:00–05:00 billing", 14]
    assert grid.freeze_panes == "D2" and grid["A1"].font.bold
    # Excel has no time zones: naive local wall-clock times come back
    segments = [[v.isoformat(timespec="minutes") if isinstance(v, dt.datetime) else v for v in row]
                for row in book["Segments"].iter_rows(values_only=True)]
    assert segments[0] == ["agent_id", "name", "team", "date", "start", "end", "start_offset", "end_offset",
                           "activity", "minutes"]
    assert segments[1] == ["A1", "Anna", "Nord", "2026-10-19T00:00", "2026-10-19T08:00", "2026-10-19T12:00",
                           "+02:00", "+02:00", "billing", 240]
    # the night of the change: wall clock 00:00-05:00 is six real hours, the offsets tell
    assert segments[4] == ["A1", "Anna", "Nord", "2026-10-25T00:00", "2026-10-25T00:00", "2026-10-25T05:00",
                           "+02:00", "+01:00", "billing", 360]
    assert len(segments) == 1 + 4
