"""View models of the roster pages: grid cells in local time, the day timeline, coverage numbers, the shift form."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from forecasts.site import parse_site
from scheduler.roster import Roster
from scheduler.shift_edit import ShiftInputError, build_shift
from tests.web.site_fixture import SITE_TOML
from web.roster_views import (
    GridAgent,
    ShiftForm,
    coverage_days,
    coverage_frame,
    coverage_points,
    day_timeline,
    day_totals,
    filter_agents,
    form_of_shift,
    grid_rows,
    main_activity,
    period_days,
    shift_of_form,
    step_chart,
)

TZ = "Europe/Berlin"
BERLIN = ZoneInfo(TZ)
SITE = parse_site(SITE_TOML)
ANNA = GridAgent("A1", "Anna", "Nord", 16.0, ("billing",))
BEN = GridAgent("B2", "Ben", "Sued", 20.0, ("billing", "email"))


def shift(agent, day, start, end, activity="billing", breaks=()):
    return build_shift(agent, day, dt.time(*start), dt.time(*end), activity,
                       [(dt.time(*a), dt.time(*b)) for a, b in breaks], TZ)


def test_grid_cells_show_wall_clock_times_in_summer_and_winter_time():
    summer, winter = dt.date(2026, 10, 23), dt.date(2026, 10, 26)  # a Friday before, a Monday after the change
    days = period_days(summer, 4)
    shifts = [shift("A1", summer, (8, 0), (16, 30), breaks=[((12, 0), (12, 30))]),
              shift("A1", winter, (8, 0), (16, 30), breaks=[((12, 0), (12, 30))]),
              shift("B2", dt.date(2026, 10, 25), (0, 0), (5, 0))]  # the 25-hour Sunday: 6 real hours
    rows = grid_rows([ANNA, BEN], shifts, days, BERLIN)
    anna, ben = rows
    assert [c.label if c else None for c in anna.cells] == ["08:00–16:30", None, None, "08:00–16:30"]
    assert anna.cells[0].breaks == ("12:00–12:30",) and anna.cells[0].activity == "billing"
    assert anna.planned_hours == 16.0
    assert ben.cells[2].label == "00:00–05:00" and ben.planned_hours == 6.0
    assert day_totals(rows, 4) == [8.0, 0, 6.0, 8.0]


def test_shifts_of_agents_not_shown_and_outside_the_days_are_left_out():
    day = dt.date(2026, 12, 7)
    rows = grid_rows([ANNA], [shift("B2", day, (8, 0), (9, 0)), shift("A1", day + dt.timedelta(7), (8, 0), (9, 0))],
                     period_days(day, 7), BERLIN)
    assert [r.agent.agent_id for r in rows] == ["A1"] and rows[0].cells == (None,) * 7


def test_the_main_activity_is_the_longest_one():
    day = dt.date(2026, 12, 7)
    mixed = shift("A1", day, (8, 0), (9, 0))
    email = shift("A1", day, (9, 0), (11, 0), "email")
    combined = type(mixed)("A1", day, mixed.segments + email.segments)
    assert main_activity(combined) == "email"


def test_filters_by_team_and_queue_skill():
    assert filter_agents([ANNA, BEN], team="Nord") == [ANNA]
    assert filter_agents([ANNA, BEN], queue="email") == [BEN]
    assert filter_agents([ANNA, BEN]) == [ANNA, BEN]


def test_the_timeline_places_segments_on_real_time_on_the_25_hour_day():
    sunday = dt.date(2026, 10, 25)  # open 00:00-24:00, which is 25 real hours that day
    timeline = day_timeline([ANNA, BEN], [shift("B2", sunday, (0, 0), (5, 0), breaks=[((3, 0), (3, 30))])],
                            SITE, sunday)
    assert timeline.minutes == 1500 and [r.agent.agent_id for r in timeline.rows] == ["B2"]
    bars = timeline.rows[0].bars
    # 00:00-03:00 wall clock is 4 real hours (02:00-03:00 happens twice): 240 of 1500 minutes
    assert [(b.left, b.width, b.activity, b.label) for b in bars] == [
        (0.0, 16.0, "billing", "00:00–03:00"), (16.0, 2.0, "break", "03:00–03:30"),
        (18.0, 6.0, "billing", "03:30–05:00")]
    # every second hour on a long day; the clocks show 02:00 twice that night, and so does the axis
    assert timeline.ticks[:4] == ((0.0, "00:00"), (8.0, "02:00"), (12.0, "02:00"), (20.0, "04:00"))


def test_the_timeline_window_is_the_opening_hours_widened_to_the_shifts():
    monday = dt.date(2026, 12, 7)  # open 08:00-20:00
    timeline = day_timeline([ANNA], [shift("A1", monday, (7, 0), (15, 0))], SITE, monday)
    assert timeline.start.strftime("%H:%M") == "07:00" and timeline.minutes == 13 * 60
    assert timeline.rows[0].bars[0].left == 0.0


def _requirements(monday: dt.date, needed: list[int]) -> pd.DataFrame:
    starts = pd.date_range(pd.Timestamp(f"{monday} 08:00", tz=TZ), periods=len(needed), freq="15min")
    return pd.DataFrame({"queue": "billing", "interval_start": starts, "offered": [4.0] * len(needed),
                         "aht_s": 180.0, "agents_required": needed})


def test_coverage_counts_required_and_scheduled_agent_hours_and_short_intervals():
    monday = dt.date(2026, 12, 7)
    roster = Roster((shift("A1", monday, (8, 0), (8, 30)), shift("B2", monday, (8, 15), (8, 30))))
    frame = coverage_frame(roster, SITE, [monday], _requirements(monday, [2, 2, 1, 0]))
    points = coverage_points(frame, "billing", monday, SITE)
    assert [(p.start.strftime("%H:%M"), p.required, p.scheduled, p.under) for p in points] == [
        ("08:00", 2.0, 1.0, True), ("08:15", 2.0, 2.0, False), ("08:30", 1.0, 0.0, True),
        ("08:45", 0.0, 0.0, False)]
    day, email = coverage_days(frame, SITE)
    assert email.queue == "email" and email.required_hours is None  # no requirement given for it
    assert (day.queue, day.date, day.required_hours, day.scheduled_hours, day.short_intervals) == \
        ("billing", monday, 1.25, 0.75, 2)
    # The day's service level weighs the intervals by offered contacts (all 4 here): their plain mean.
    assert day.service_level == pytest.approx(sum(p.service_level for p in points) / 4)
    assert points[2].service_level == 0.0 and 0 < points[1].service_level <= 1


def test_queues_the_requirements_lack_show_their_scheduled_agents_only():
    monday = dt.date(2026, 12, 7)  # open 08:00-20:00
    roster = Roster((shift("A1", monday, (8, 0), (9, 0), "email"),))
    days = {d.queue: d for d in coverage_days(coverage_frame(roster, SITE, [monday], _requirements(monday, [1])),
                                               SITE)}
    assert (days["billing"].required_hours, days["billing"].scheduled_hours, days["billing"].short_intervals) == \
        (0.25, 0.0, 1)
    assert (days["email"].required_hours, days["email"].scheduled_hours, days["email"].short_intervals) == \
        (None, 1.0, None)


def test_coverage_without_requirements_counts_the_scheduled_agents_in_open_intervals():
    saturday = dt.date(2026, 12, 12)  # open 09:00-14:00: 20 intervals per queue
    roster = Roster((shift("A1", saturday, (9, 0), (11, 0), breaks=[((10, 0), (10, 15))]),))
    frame = coverage_frame(roster, SITE, [saturday], None)
    days = {d.queue: d for d in coverage_days(frame, SITE)}
    assert (days["billing"].scheduled_hours, days["billing"].required_hours, days["billing"].short_intervals) == \
        (1.75, None, None)
    assert days["email"].scheduled_hours == 0.0
    assert len(coverage_points(frame, "billing", saturday, SITE)) == 20


def test_the_step_chart_marks_short_intervals_and_breaks_lines_at_gaps():
    monday = dt.date(2026, 12, 7)
    frame = coverage_frame(Roster(()), SITE, [monday], _requirements(monday, [1, 0]))
    chart = step_chart(coverage_points(frame, "billing", monday, SITE), width=148, height=60, left=40, bottom=20,
                       right=8)
    # the plot is 100 px wide over 30 minutes: the first interval is x 40-90, the second 90-140
    assert chart.short == ((40.0, 50.0),)
    assert chart.required == "M40.0,8.0 H90.0 L90.0,40.0 H140.0"
    assert [label for _, label in chart.x_ticks] == ["08:00"]


def test_the_form_of_a_shift_and_back():
    day = dt.date(2026, 12, 7)
    stored = shift("A1", day, (8, 0), (16, 30), breaks=[((12, 0), (12, 30))])
    form = form_of_shift(stored, BERLIN, 4)
    assert form == ShiftForm("08:00", "16:30", "billing", (("12:00", "12:30"), ("", "")), False, "", "4")
    assert shift_of_form(form, "A1", day, TZ, ["billing"]) == stored
    assert shift_of_form(ShiftForm(day_off=True), "A1", day, TZ, ["billing"]) is None


@pytest.mark.parametrize(("form", "message"), [
    (ShiftForm("8", "16:00", "billing"), "start '8' is not a time; give HH:MM, e.g. 08:00"),
    (ShiftForm("08:00", "25:00", "billing"), "end '25:00' is not a time; give HH:MM, e.g. 08:00"),
    (ShiftForm("08:00", "16:00", "email"), "activity 'email' is not a queue this agent works; choose one of billing"),
    (ShiftForm("08:00", "16:00", "billing", (("12:00", ""), ("", ""))),
     "break 1 needs both a start and an end (or neither)"),
    (ShiftForm("08:00", "16:00", "billing", (("17:00", "17:30"), ("", ""))),
     "break 17:00-17:30 lies outside the shift 08:00-16:00; put it inside the shift"),
])
def test_bad_shift_forms_are_refused_with_what_to_fix(form, message):
    with pytest.raises(ShiftInputError) as error:
        shift_of_form(form, "A1", dt.date(2026, 12, 7), TZ, ["billing"])
    assert str(error.value) == message
