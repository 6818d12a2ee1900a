"""Roster downloads: roster.csv (DATA.md) and an Excel workbook with the week grid and every segment."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from forecasts.site import Site
from scheduler.roster import Roster, Shift
from scheduler.roster_csv import roster_csv_text
from web.roster_views import GridAgent, GridRow

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SEGMENT_HEADER = ("agent_id", "name", "team", "date", "start", "end", "start_offset", "end_offset", "activity",
                  "minutes")
BOLD = Font(bold=True)


def export_name(week_start: dt.date, number: int, extension: str) -> str:
    """The download's file name, e.g. roster-2026-12-07-v3.csv."""
    return f"roster-{week_start.isoformat()}-v{number}.{extension}"


def roster_csv(shifts: Sequence[Shift], site: Site) -> str:
    """roster.csv of the shifts with site-local times."""
    return roster_csv_text(Roster(tuple(shifts)), site)


def roster_xlsx(rows: Sequence[GridRow], days: Sequence[dt.date], shifts: Sequence[Shift],
                agents: Mapping[str, GridAgent], tz: ZoneInfo) -> bytes:
    """A workbook with sheet "Roster" (agents × days, local shift times, frozen header and names) and sheet
    "Segments" (one row per segment, local times with their UTC offsets, so a DST night stays unambiguous)."""
    # Write-only mode streams the rows: several times faster than building cell objects for 200 agents.
    book = Workbook(write_only=True)
    grid = book.create_sheet("Roster")
    grid.freeze_panes = "D2"
    for column, width in (("A", 12), ("B", 24), ("C", 14)):
        grid.column_dimensions[column].width = width
    grid.append(_bold(grid, ["agent_id", "name", "team", "contract_h", *(d.isoformat() for d in days), "planned_h"]))
    for row in rows:
        grid.append([row.agent.agent_id, row.agent.name, row.agent.team, row.agent.weekly_hours,
                     *(f"{c.label} {c.activity}" if c is not None else None for c in row.cells),
                     round(row.planned_hours, 2)])

    segments = book.create_sheet("Segments")
    segments.freeze_panes = "A2"
    segments.append(_bold(segments, SEGMENT_HEADER))
    for shift in sorted(shifts, key=lambda s: (s.agent_id, s.date)):
        agent = agents.get(shift.agent_id)
        day = _formatted(segments, dt.datetime.combine(shift.date, dt.time()), "yyyy-mm-dd")
        for seg in shift.segments:
            start, end = seg.start.astimezone(tz), seg.end.astimezone(tz)
            # Excel has no time zones: local wall-clock times, with the offsets beside them.
            segments.append([shift.agent_id, agent.name if agent else "", agent.team if agent else "", day,
                             _formatted(segments, start.replace(tzinfo=None), "yyyy-mm-dd hh:mm"),
                             _formatted(segments, end.replace(tzinfo=None), "yyyy-mm-dd hh:mm"),
                             start.isoformat()[-6:], end.isoformat()[-6:], seg.activity, seg.minutes])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _bold(sheet, values) -> list[WriteOnlyCell]:
    cells = [WriteOnlyCell(sheet, value=v) for v in values]
    for cell in cells:
        cell.font = BOLD
    return cells


def _formatted(sheet, value, number_format: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell
