"""One test per checker rule: a tiny roster of one or two agents, the clean case and the exact violation."""

import dataclasses
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_file
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasts.site import parse_site
from scheduler.checker import (
    HARD_RULES,
    RULE_IDS,
    SOFT_RULES,
    CheckContext,
    Violation,
    _duration,
    average_daily_work,
    break_blocks,
    break_not_at_edges,
    breaks_required,
    check_roster,
    consecutive_work_days,
    daily_work_limit,
    days_off_per_week,
    fairness,
    free_weekends,
    inside_opening_hours,
    known_agents,
    leave_and_availability,
    max_days_per_week,
    min_shift_length,
    one_shift_per_day,
    preferences,
    rest_between_shifts,
    segments_well_formed,
    skills,
    start_granularity,
    summary,
    sundays_and_holidays,
    weekly_contract_hours,
    work_without_break,
)
from scheduler.domain import Absence, Agent
from scheduler.messages import Listing, Phrase, render
from scheduler.roster import Roster, Segment, Shift
from scheduler.rules import ARBZG

BERLIN = ZoneInfo("Europe/Berlin")
SITE_TOML = """
[site]
name = "Test"
timezone = "Europe/Berlin"
holidays = "DE-BB"
interval_minutes = 15

[site.opening_hours]
{hours}

[queues.billing]
channel = "phone"
service_level = 0.8
answer_within_s = 20

[queues.chat]
channel = "chat"
service_level = 0.8
answer_within_s = 60
"""
SITE = parse_site(SITE_TOML.format(hours="\n".join(f'{d} = "07:00-22:00"' for d in
                                                   ("mon", "tue", "wed", "thu", "fri", "sat"))))
ALWAYS = parse_site(SITE_TOML.format(hours="\n".join(f'{d} = "00:00-24:00"' for d in
                                                     ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))))
ANNA = Agent("A001", "Anna Schulz", "Team Nord", ("billing", "chat"), 40.0, 5)
JONAS = Agent("A002", "Jonas Weber", "Team Nord", ("billing",), 40.0, 5)
EARLY = "07:00 billing 11:00 break 11:30 chat 15:30"   # 8 h work, 30 min break
# The templates the catalogue gets: every N_("...") literal in the checker, as `make translations` extracts them.
CHECKER = Path(__file__).resolve().parents[2] / "scheduler" / "checker.py"
TEMPLATES = {message for _line, message, _comments, _context in extract_from_file("python", CHECKER,
                                                                                    keywords={"N_": None})}
LATE = "13:30 billing 17:30 break 18:00 billing 22:00"  # 8 h work, 30 min break


def at(day: str, clock: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=BERLIN)


def shift(agent_id: str, day: str, spec: str) -> Shift:
    """'07:00 billing 11:00 break 11:30 chat 15:30': times and activities in turn; a time earlier than the one
    before it is on the next day."""
    parts = spec.split()
    date = dt.date.fromisoformat(day)
    moments, current = [], date
    for clock in parts[::2]:
        if moments and dt.time.fromisoformat(clock) < moments[-1].replace(tzinfo=None).time():
            current += dt.timedelta(days=1)
        moments.append(at(current.isoformat(), clock))
    segments = tuple(Segment(a, b, act) for a, b, act in zip(moments, moments[1:], parts[1::2], strict=False))
    return Shift(agent_id, date, segments)


def week(agent_id: str, first: str, specs: list[str | None]) -> list[Shift]:
    """Shifts on consecutive days from `first`; None is a day off."""
    start = dt.date.fromisoformat(first)
    return [shift(agent_id, (start + dt.timedelta(days=i)).isoformat(), s) for i, s in enumerate(specs) if s]


def context(*shifts: Shift, agents=(ANNA,), site=SITE, **options) -> CheckContext:
    return CheckContext.build(Roster(tuple(shifts)), agents, site, **options)


def messages(rule, *shifts: Shift, **options) -> list[str]:
    found = rule(context(*shifts, **options))
    assert all(v.rule == rule.__name__ and v.hard == (rule in HARD_RULES) for v in found)
    return [english(v) for v in found]


def english(violation: Violation) -> str:
    """The message, once it is shown to be its template rendered with its params, with every template and word
    in it (nested phrases, list separators) one the catalogue extracts."""
    assert {violation.template, *nested_msgids(violation.params)} <= TEMPLATES, violation.template
    assert violation.message == render(violation.template, violation.params)
    return violation.message


def nested_msgids(params) -> list[str]:
    found = []
    for value in params.values():
        if isinstance(value, Phrase):
            found += [value.template, *nested_msgids(value.params)]
        elif isinstance(value, Listing):
            found += [text for text in (value.separator, value.empty) if any(c.isalpha() for c in text)]
            found += nested_msgids(dict(enumerate(value.items)))
    return found


# ------------------------------------------------------------------------------------------- hard rules

def test_known_agents():
    assert messages(known_agents, shift("A001", "2026-12-07", EARLY)) == []
    assert messages(known_agents, shift("X9", "2026-12-08", EARLY), shift("X9", "2026-12-07", EARLY)) == [
        "X9: has shifts (the first on Mon 07.12.) but is not in agents.csv; add the agent or remove the shifts"]


def test_segments_well_formed():
    assert messages(segments_well_formed, shift("A001", "2026-12-07", EARLY)) == []
    broken = Shift("A001", dt.date(2026, 12, 7), (
        Segment(at("2026-12-07", "07:00"), at("2026-12-07", "11:00"), "billing"),
        Segment(at("2026-12-07", "11:30"), at("2026-12-07", "12:10"), "chat"),
        Segment(at("2026-12-07", "12:00"), at("2026-12-07", "15:00"), "chat"),
        Segment(at("2026-12-07", "15:00"), at("2026-12-07", "15:00"), "billing"),
    ))
    misdated = shift("A001", "2026-12-09", "07:00 billing 11:00")
    misdated = dataclasses.replace(misdated, date=dt.date(2026, 12, 10))
    naive = Shift("A001", dt.date(2026, 12, 11), (
        Segment(dt.datetime(2026, 12, 11, 7), dt.datetime(2026, 12, 11, 11), "billing"),))  # noqa: DTZ001
    empty = Shift("A001", dt.date(2026, 12, 12), ())
    assert messages(segments_well_formed, broken, misdated, naive, empty) == [
        "Anna Schulz: billing Mon 07.12. 15:00–15:00 does not end after it starts",
        "Anna Schulz: the shift on Mon 07.12. has a gap Mon 07.12. 11:00–11:30; a shift is one unbroken run of "
        "segments (a pause is a break segment)",
        "Anna Schulz: chat Mon 07.12. 11:30–12:10 and chat Mon 07.12. 12:00–15:00 overlap",
        "Anna Schulz: a segment boundary at Mon 07.12. 12:10 is not on the 15-minute planning grid",
        "Anna Schulz: the shift dated Thu 10.12. starts Wed 09.12. 07:00; a shift is dated by the local date on "
        "which it starts",
        "Anna Schulz: the shift on Fri 11.12. has times without a UTC offset (first: billing "
        "2026-12-11T07:00:00); give every time with its offset",
        "Anna Schulz: the shift on Sat 12.12. has no segments",
    ]


def test_start_granularity():
    rules = dataclasses.replace(ARBZG, start_granularity_minutes=30)
    assert messages(start_granularity, shift("A001", "2026-12-07", "07:30 billing 11:30"), rules=rules) == []
    assert messages(start_granularity, shift("A001", "2026-12-07", "07:15 billing 11:15"), rules=rules) == [
        "Anna Schulz: the shift on Mon 07.12. starts at 07:15; shifts start on the 30-minute grid "
        "(e.g. 07:00 or 07:30)"]


def test_inside_opening_hours():
    assert messages(inside_opening_hours, shift("A001", "2026-12-07", "07:00 billing 14:30 break 15:00 chat 22:00"),
                    ) == []
    assert messages(inside_opening_hours,
                    shift("A001", "2026-12-07", "06:30 billing 11:00 break 11:30 chat 15:00"),
                    shift("A001", "2026-12-08", "16:00 billing 20:00 break 20:30 chat 22:15"),
                    shift("A001", "2026-12-13", "08:00 billing 12:00"),
                    shift("A001", "2026-12-25", "08:00 billing 12:00"),
                    shift("A001", "2026-12-09", "07:00 break 07:15 billing 11:15 break 11:30")) == [
        "Anna Schulz: billing Mon 07.12. 06:30–11:00 lies outside the opening hours (Mon 07.12.: open 07:00–22:00)",
        "Anna Schulz: chat Tue 08.12. 20:30–22:15 lies outside the opening hours (Tue 08.12.: open 07:00–22:00)",
        "Anna Schulz: the shift on Wed 09.12. starts with a break (Wed 09.12. 07:00–07:15); a break must lie "
        "inside the shift",
        "Anna Schulz: the shift on Wed 09.12. ends with a break (Wed 09.12. 11:15–11:30); a break must lie "
        "inside the shift",
        "Anna Schulz: billing Sun 13.12. 08:00–12:00 lies outside the opening hours (Sun 13.12.: closed)",
        "Anna Schulz: billing Fri 25.12. 08:00–12:00 lies outside the opening hours (Fri 25.12.: closed "
        "(Christmas Day))",
    ]


def test_inside_opening_hours_across_midnight_and_the_autumn_dst_night():
    night = shift("A001", "2026-10-24", "22:00 billing 02:00 break 02:30 billing 06:00")
    assert messages(inside_opening_hours, night, site=ALWAYS) == []
    assert messages(inside_opening_hours, shift("A001", "2026-12-07", "20:00 billing 23:00")) == [
        "Anna Schulz: billing Mon 07.12. 20:00–23:00 lies outside the opening hours (Mon 07.12.: open 07:00–22:00)"]


def test_one_shift_per_day():
    assert messages(one_shift_per_day, shift("A001", "2026-12-07", EARLY), shift("A001", "2026-12-08", EARLY)) == []
    assert messages(one_shift_per_day, shift("A001", "2026-12-07", "07:00 billing 11:00"),
                    shift("A001", "2026-12-07", "17:00 chat 21:00")) == [
        "Anna Schulz: 2 shifts on Mon 07.12. (07:00–11:00 and 17:00–21:00); one shift per day"]


def test_min_shift_length():
    assert messages(min_shift_length, shift("A001", "2026-12-07", "07:00 billing 11:00")) == []
    assert messages(min_shift_length, shift("A001", "2026-12-07", "07:00 billing 10:30")) == [
        "Anna Schulz: the shift on Mon 07.12. has only 3 h 30 min of work; the site's minimum is 4 h"]


def test_daily_work_limit():
    assert messages(daily_work_limit, shift("A001", "2026-12-07", "07:00 billing 12:00 break 12:45 chat 17:45")) == []
    assert messages(daily_work_limit, shift("A001", "2026-12-07", "07:00 billing 12:00 break 12:45 chat 18:15")) == [
        "Anna Schulz: 10 h 30 min of work on Mon 07.12.; ArbZG §3 allows at most 10 h a day"]


def test_average_daily_work():
    nine = "07:00 billing 12:00 break 12:45 chat 16:45"
    seven = "07:00 billing 11:00 break 11:30 chat 14:30"
    assert messages(average_daily_work, *week("A001", "2026-12-07", [nine, nine, seven, seven])) == []
    assert messages(average_daily_work, *week("A001", "2026-12-07", [nine, nine, nine, seven, nine])) == [
        "Anna Schulz: 5 days of work from Mon 07.12. to Fri 11.12. average 8 h 36 min; ArbZG §3 allows more than "
        "8 h a day only if the average stays at 8 h (checked over the days worked in this roster)"]


def test_breaks_required():
    assert messages(breaks_required, shift("A001", "2026-12-07", EARLY),
                    shift("A001", "2026-12-08", "07:00 billing 13:00")) == []
    assert messages(breaks_required,
                    shift("A001", "2026-12-07", "07:00 billing 10:00 break 10:15 billing 12:00 break 12:10 chat 14:15"),
                    shift("A001", "2026-12-08", "07:00 billing 12:00 break 12:30 chat 17:00")) == [
        "Anna Schulz: 6 h 50 min of work on Mon 07.12. with 15 min of break (10 min more in blocks under 15 min, "
        "which do not count); ArbZG §4 requires 30 min for more than 6 h of work",
        "Anna Schulz: 9 h 30 min of work on Tue 08.12. with 30 min of break; ArbZG §4 requires 45 min for more "
        "than 9 h of work",
    ]


def test_break_blocks():
    two_back_to_back = "07:00 billing 11:00 break 11:10 break 11:20 chat 15:00"
    assert messages(break_blocks, shift("A001", "2026-12-07", two_back_to_back)) == []
    assert messages(break_blocks, shift("A001", "2026-12-07", "07:00 billing 12:00 break 12:10 chat 14:00")) == [
        "Anna Schulz: the break Mon 07.12. 12:00–12:10 lasts 10 min; ArbZG §4 breaks last at least 15 min"]


def test_work_without_break():
    assert messages(work_without_break, shift("A001", "2026-12-07", "07:00 billing 13:00 break 13:30 chat 15:30")) == []
    assert messages(work_without_break,
                    shift("A001", "2026-12-07", "07:00 billing 13:30 break 14:00 chat 15:30"),
                    shift("A001", "2026-12-08", "07:00 billing 10:00 break 10:10 chat 13:20 break 13:50 chat 15:00"),
                    ) == [
        "Anna Schulz: 6 h 30 min of work in a row on Mon 07.12. from 07:00 to 13:30; ArbZG §4 allows at most 6 h "
        "without a break of at least 15 min",
        "Anna Schulz: 6 h 10 min of work in a row on Tue 08.12. from 07:00 to 13:20; ArbZG §4 allows at most 6 h "
        "without a break of at least 15 min",
    ]


def test_break_not_at_edges():
    assert messages(break_not_at_edges, shift("A001", "2026-12-07", EARLY)) == []
    assert messages(break_not_at_edges,
                    shift("A001", "2026-12-07", "07:00 billing 07:30 break 08:00 billing 13:00"),
                    shift("A001", "2026-12-08", "08:00 billing 12:00 break 12:30 billing 14:00 break 14:30 chat 15:00"),
                    ) == [
        "Anna Schulz: the break Mon 07.12. 07:30–08:00 comes after only 30 min of work; at least 1 h of work must "
        "come before the first break",
        "Anna Schulz: the break Tue 08.12. 14:00–14:30 is followed by only 30 min of work; at least 1 h of work "
        "must follow the last break",
    ]


def test_rest_between_shifts():
    assert messages(rest_between_shifts, shift("A001", "2026-12-07", LATE),
                    shift("A001", "2026-12-08", "09:00 billing 13:00")) == []
    assert messages(rest_between_shifts, shift("A001", "2026-12-07", LATE),
                    shift("A001", "2026-12-08", "07:30 billing 11:30")) == [
        "Anna Schulz: only 9 h 30 min rest between the shift ending Mon 07.12. 22:00 and the one starting "
        "Tue 08.12. 07:30; ArbZG §5 requires 11 h"]
    # The previous roster counts; its shifts dated inside this roster's horizon are replaced, not counted.
    previous = [shift("A001", "2026-12-07", LATE), shift("A001", "2026-12-08", "07:00 billing 11:00")]
    assert messages(rest_between_shifts, shift("A001", "2026-12-08", "08:00 billing 12:00"),
                    previous=previous, week_start=dt.date(2026, 12, 8), days=6) == [
        "Anna Schulz: only 10 h rest between the shift ending Mon 07.12. 22:00 and the one starting Tue 08.12. "
        "08:00; ArbZG §5 requires 11 h"]


def test_weekly_contract_hours():
    full = week("A001", "2026-12-07", [EARLY] * 5)
    assert messages(weekly_contract_hours, *full) == []
    assert messages(weekly_contract_hours, *full[:4]) == [
        "Anna Schulz: 32 h of work in week 50 (07.12.–13.12.); the contract asks 40 h ± 10 % (36 h to 44 h)"]
    friday_off = [Absence("A001", at("2026-12-11", "00:00"), at("2026-12-12", "00:00"), "vacation")]
    assert messages(weekly_contract_hours, *full[:4], absences=friday_off) == []
    assert messages(weekly_contract_hours, *full[:3], absences=friday_off) == [
        "Anna Schulz: 24 h of work in week 50 (07.12.–13.12.); the contract asks 40 h ± 10 % less 8 h of absence "
        "(28 h to 36 h)"]


def test_max_days_per_week():
    short = "07:00 billing 11:00"
    assert messages(max_days_per_week, *week("A001", "2026-12-07", [short] * 5)) == []
    assert messages(max_days_per_week, *week("A001", "2026-12-07", [short] * 6)) == [
        "Anna Schulz: works 6 days in week 50 (07.12.–13.12.); the contract allows at most 5"]
    # Mid-week roster: the previous roster's Monday and Tuesday count.
    assert messages(max_days_per_week, *week("A001", "2026-12-09", [short] * 4),
                    previous=week("A001", "2026-12-07", [short] * 2), week_start=dt.date(2026, 12, 9)) == [
        "Anna Schulz: works 6 days in week 50 (07.12.–13.12.); the contract allows at most 5"]


def test_days_off_per_week():
    short = "07:00 billing 11:00"
    two_in_a_row = dataclasses.replace(ARBZG, consecutive_days_off=True)
    assert messages(days_off_per_week, *week("A001", "2026-12-07", [short] * 5), rules=two_in_a_row) == []
    assert messages(days_off_per_week, *week("A001", "2026-12-07", [short] * 7), site=ALWAYS) == [
        "Anna Schulz: 0 days off in week 50 (07.12.–13.12.); at least 1 required"]
    assert messages(days_off_per_week, *week("A001", "2026-12-07", [short, short, None, short, short, short]),
                    rules=two_in_a_row) == [
        "Anna Schulz: no two consecutive days off in week 50 (07.12.–13.12.) (days off: Wed 09.12., Sun 13.12.); "
        "the site requires two in a row"]


def test_consecutive_work_days():
    short = "07:00 billing 11:00"
    six = dataclasses.replace(ARBZG, max_consecutive_work_days=6)
    assert messages(consecutive_work_days, *week("A001", "2026-12-07", [short] * 6), rules=six) == []
    assert messages(consecutive_work_days, *week("A001", "2026-12-07", [short] * 7), site=ALWAYS, rules=six) == [
        "Anna Schulz: works 7 days in a row from Mon 07.12. to Sun 13.12.; at most 6 allowed"]
    # A run from the previous roster counts, reported once at its first day inside the horizon.
    assert messages(consecutive_work_days, *week("A001", "2026-12-07", [short] * 3), rules=six,
                    previous=week("A001", "2026-12-03", [short] * 4), week_start=dt.date(2026, 12, 7)) == [
        "Anna Schulz: works 7 days in a row from Thu 03.12. to Wed 09.12.; at most 6 allowed"]
    found = consecutive_work_days(context(*week("A001", "2026-12-07", [short] * 3), rules=six,
                                          previous=week("A001", "2026-12-03", [short] * 4),
                                          week_start=dt.date(2026, 12, 7)))
    assert [v.date for v in found] == [dt.date(2026, 12, 7)]
    # The default (12) is what one day off a week allows: Tuesday to the next Saturday is legal.
    assert messages(consecutive_work_days, *week("A001", "2026-12-08", [short] * 12), site=ALWAYS,
                    week_start=dt.date(2026, 12, 7), days=14) == []


def test_free_weekends():
    saturday = "07:00 billing 11:00"
    one_free = dataclasses.replace(ARBZG, min_free_weekends_per_4_weeks=1)
    four = [shift("A001", f"2026-12-{day:02d}", saturday) for day in (5, 12, 19, 26)]  # Saturdays of weeks 49-52
    assert messages(free_weekends, *four[1:], rules=one_free, week_start=dt.date(2026, 12, 7), days=21) == []
    assert messages(free_weekends, *four, rules=one_free, week_start=dt.date(2026, 11, 30), days=28) == [
        "Anna Schulz: 0 of the 4 weekends from 30.11. to 27.12. without work; at least 1 required"]
    # The previous roster's weekends count; the window is reported once, at the Monday of its last week.
    found = free_weekends(context(*four[1:], rules=one_free, previous=four[:1], week_start=dt.date(2026, 12, 7),
                                  days=21))
    assert [(v.date, english(v)) for v in found] == [(dt.date(2026, 12, 21), (
        "Anna Schulz: 0 of the 4 weekends from 30.11. to 27.12. without work; at least 1 required"))]
    # Exactly at the limit: two worked and two free weekends when two must be free.
    two_free = dataclasses.replace(ARBZG, min_free_weekends_per_4_weeks=2)
    assert messages(free_weekends, four[0], four[2], rules=two_free, week_start=dt.date(2026, 11, 30),
                    days=28) == []
    assert messages(free_weekends, *four[:3], rules=two_free, week_start=dt.date(2026, 11, 30), days=28) == [
        "Anna Schulz: 1 of the 4 weekends from 23.11. to 20.12. without work; at least 2 required",
        "Anna Schulz: 1 of the 4 weekends from 30.11. to 27.12. without work; at least 2 required"]


def test_skills():
    assert messages(skills, shift("A002", "2026-12-07", "07:00 billing 11:00 break 11:30 training 15:30"),
                    agents=(JONAS,)) == []
    assert messages(skills, shift("A002", "2026-12-07", "07:00 chat 09:00 billing 11:00"), agents=(JONAS,)) == [
        "Jonas Weber: 2 h of chat on Mon 07.12. without the chat skill (skills: billing)"]


def test_leave_and_availability():
    limited = dataclasses.replace(ANNA, earliest_start=dt.time(7, 0), latest_end=dt.time(15, 30))
    vacation = Absence("A001", at("2026-12-08", "00:00"), at("2026-12-10", "00:00"), "vacation")
    assert messages(leave_and_availability, shift("A001", "2026-12-07", EARLY), agents=(limited,),
                    absences=(vacation,)) == []
    doctor = Absence("A001", at("2026-12-10", "14:00"), at("2026-12-10", "16:00"), "doctor")
    sick = Absence("A001", at("2026-12-11", "00:00"), at("2026-12-12", "00:00"), "sick")
    other = Absence("A002", at("2026-12-07", "00:00"), at("2026-12-12", "00:00"), "vacation")
    assert messages(leave_and_availability, *week("A001", "2026-12-07", [EARLY, EARLY, None, EARLY, EARLY]),
                    shift("A001", "2026-12-12", "06:45 billing 11:00"), shift("A001", "2026-12-14", LATE),
                    agents=(limited,), absences=(vacation, doctor, sick, other)) == [
        "Anna Schulz: the shift on Tue 08.12. (07:00–15:30) overlaps vacation Tue 08.12.–Wed 09.12.",
        "Anna Schulz: the shift on Thu 10.12. (07:00–15:30) overlaps doctor Thu 10.12. 14:00–16:00",
        "Anna Schulz: the shift on Fri 11.12. (07:00–15:30) overlaps sick on Fri 11.12.",
        "Anna Schulz: the shift on Sat 12.12. starts at 06:45, before the agent's earliest start 07:00",
        "Anna Schulz: the shift on Mon 14.12. ends at 22:00, after the agent's latest end 15:30",
    ]


def test_sundays_and_holidays():
    # Feb 2027 at a site open every day: a worked Sunday needs a free Monday-to-Saturday within 14 days.
    days = ["07:00 billing 11:00"] * 6 + ["08:00 billing 12:00"]  # Mon to Sun
    with_wednesday_off = days[:2] + [None] + days[3:]
    clean = week("A001", "2027-02-01", days[:6] + [None]) + week("A001", "2027-02-07", [days[6]]) \
        + week("A001", "2027-02-08", with_wednesday_off + with_wednesday_off)  # Sun 21.02.: window past the horizon
    assert messages(sundays_and_holidays, *clean, site=ALWAYS, days=21) == []
    no_substitute = week("A001", "2027-02-07", [days[6]] + days[:6] + [None] + days[:6])  # only Sun 14.02. off
    assert messages(sundays_and_holidays, *no_substitute, site=ALWAYS, week_start=dt.date(2027, 2, 1), days=21) == [
        "Anna Schulz: worked Sun 07.02. but has no substitute day off (a working day without work) from Mon 08.02. "
        "to Sun 21.02.; ArbZG §11 requires one within 14 days"]
    closed = [shift("A001", "2026-12-13", "08:00 billing 12:00"), shift("A001", "2026-12-25", "08:00 billing 12:00")]
    assert messages(sundays_and_holidays, *closed, days=14) == [
        "Anna Schulz: works on Sun 13.12., a Sunday, although the site is closed that day; ArbZG §9 allows such "
        "work only where the site opens",
        "Anna Schulz: works on Fri 25.12., a public holiday (Christmas Day), although the site is closed that day; "
        "ArbZG §9 allows such work only where the site opens",
    ]
    every_sunday_off = dataclasses.replace(ARBZG, min_sundays_off_per_year=52)
    assert messages(sundays_and_holidays, shift("A001", "2027-02-07", "08:00 billing 12:00"), site=ALWAYS,
                    rules=every_sunday_off, week_start=dt.date(2027, 2, 1)) == [
        "Anna Schulz: works 1 of the 52 Sundays of 2027; ArbZG §11 requires at least 52 Sundays off a year"]


# ------------------------------------------------------------------------------------------- soft rules

def test_preferences():
    anna = dataclasses.replace(ANNA, preferred_shift="early", days_off_wish=(5,))
    jonas = dataclasses.replace(JONAS, preferred_shift="late")
    assert messages(preferences, shift("A001", "2026-12-07", "09:45 billing 14:00"),
                    shift("A002", "2026-12-07", "14:00 billing 18:15"), agents=(anna, jonas)) == []
    found = preferences(context(shift("A001", "2026-12-07", "10:00 billing 14:00"),
                                shift("A001", "2026-12-12", EARLY),
                                shift("A002", "2026-12-07", "14:00 billing 18:00"), agents=(anna, jonas)))
    assert [(v.agent_id, v.date, v.hard) for v in found] == [
        ("A001", dt.date(2026, 12, 7), False), ("A001", dt.date(2026, 12, 12), False),
        ("A002", dt.date(2026, 12, 7), False)]
    assert [english(v) for v in found] == [
        "Anna Schulz prefers early shifts but starts at 10:00 on Mon 07.12. (early = starting before 10:00)",
        "Anna Schulz wished Sat off but works Sat 12.12.",
        "Jonas Weber prefers late shifts but ends at 18:00 on Mon 07.12. (late = ending after 18:00)",
    ]


def test_fairness():
    lea = Agent("A003", "Lea Becker", "Team Nord", ("chat",), 40.0, 5)
    team = (ANNA, JONAS, lea)
    shared = [shift("A001", "2026-12-07", LATE), shift("A002", "2026-12-08", LATE),
              shift("A003", "2026-12-12", EARLY), shift("A001", "2026-12-19", EARLY)]
    assert messages(fairness, *shared, agents=team) == []
    unfair = week("A001", "2026-12-07", [LATE, LATE, LATE]) + [shift("A001", "2026-12-12", EARLY),
                                                              shift("A001", "2026-12-19", EARLY)]
    found = fairness(context(*unfair, agents=team))
    assert [(v.agent_id, v.date, v.hard) for v in found] == [("A001", dt.date(2026, 12, 7), False)] * 2
    assert [english(v) for v in found] == [
        "Anna Schulz: 3 late shifts while Team Nord averages 1.0; more than 1 above the average is unfair",
        "Anna Schulz: 2 Saturdays worked while Team Nord averages 0.7; more than 1 above the average is unfair",
    ]


# ------------------------------------------------------------------------------------------- DST

def test_work_minutes_across_the_dst_changes():
    autumn = shift("A001", "2026-10-25", "00:00 billing 05:00 break 05:45 chat 10:30")  # 02:00-03:00 twice
    assert messages(daily_work_limit, autumn, site=ALWAYS) == [
        "Anna Schulz: 10 h 45 min of work on Sun 25.10.; ArbZG §3 allows at most 10 h a day"]
    assert messages(work_without_break, autumn, site=ALWAYS) == []  # 00:00-05:00 on the wall is 6 h of work
    spring = shift("A001", "2026-03-28", "22:00 billing 01:00 break 01:30 chat 07:00")  # 02:00-03:00 skipped
    eight_hours = dataclasses.replace(ARBZG, min_shift_minutes=480)
    assert messages(min_shift_length, spring, site=ALWAYS, rules=eight_hours) == [
        "Anna Schulz: the shift on Sat 28.03. has only 7 h 30 min of work; the site's minimum is 8 h"]
    assert check_roster(context(spring, site=ALWAYS), HARD_RULES[:13]) == []


def test_rest_across_the_spring_dst_night():
    """22:00 to 09:00 is 11 h on the wall but 10 h of rest when the clocks go forward."""
    before = shift("A001", "2026-03-28", LATE)
    assert messages(rest_between_shifts, before, shift("A001", "2026-03-29", "09:00 billing 13:00"), site=ALWAYS) == [
        "Anna Schulz: only 10 h rest between the shift ending Sat 28.03. 22:00 and the one starting Sun 29.03. "
        "09:00; ArbZG §5 requires 11 h"]
    assert messages(rest_between_shifts, before, shift("A001", "2026-03-29", "10:00 billing 14:00"), site=ALWAYS) == []


# ------------------------------------------------------------------------------------------- whole roster

def realistic_week() -> CheckContext:
    """Two full-time agents, Mon 07.12. to Sun 13.12.: early and late shifts, late shifts shared."""
    anna = dataclasses.replace(ANNA, earliest_start=dt.time(7, 0), days_off_wish=(5, 6))
    jonas = dataclasses.replace(JONAS, skills=("billing", "chat"), latest_end=dt.time(22, 0))
    split = "07:00 billing 09:00 chat 11:00 break 11:15 chat 13:15 break 13:30 billing 15:30"  # 2 x 15 min
    shifts = (week("A001", "2026-12-07", [EARLY, split, EARLY, LATE, LATE])
              + week("A002", "2026-12-07", [None, EARLY, EARLY, LATE, LATE, LATE]))
    previous = [shift("A001", "2026-12-04", LATE), shift("A002", "2026-12-05", LATE)]
    sunday = [Absence("A002", at("2026-12-13", "00:00"), at("2026-12-14", "00:00"), "vacation")]
    return CheckContext.build(Roster(tuple(shifts)), [anna, jonas], SITE, absences=sunday, previous=previous,
                              week_start=dt.date(2026, 12, 7), days=7)


def test_a_realistic_week_is_clean():
    assert check_roster(realistic_week()) == []


def test_check_roster_runs_hard_rules_first_and_summary_counts_per_rule():
    ctx = realistic_week()
    extra = (shift("A001", "2026-12-12", "06:00 chat 09:00"),)  # a sixth day: early, short, a wished day off
    ctx = dataclasses.replace(ctx, roster=Roster(ctx.roster.shifts + extra))
    found = check_roster(ctx)
    assert [v.rule for v in found] == [
        "inside_opening_hours", "min_shift_length", "rest_between_shifts", "max_days_per_week",
        "leave_and_availability", "preferences"]  # 43 h of work are inside 40 h ± 10 %
    assert found[-1] == Violation("A001", dt.date(2026, 12, 12), "preferences", False,
                                  "Anna Schulz wished Sat off but works Sat 12.12.")
    assert [english(v) for v in found]
    counts = summary(found)
    assert list(counts) == list(RULE_IDS)
    assert {k: n for k, n in counts.items() if n} == {
        "inside_opening_hours": 1, "min_shift_length": 1, "rest_between_shifts": 1, "max_days_per_week": 1,
        "leave_and_availability": 1, "preferences": 1}


def test_rule_lists():
    assert len(set(RULE_IDS)) == len(RULE_IDS) == len(HARD_RULES) + len(SOFT_RULES)
    assert RULE_IDS[:len(HARD_RULES)] == tuple(r.__name__ for r in HARD_RULES)
    assert summary([Violation(None, None, "custom", True, "x")])["custom"] == 1


@pytest.mark.parametrize("minutes, text", [(0, "0 min"), (45, "45 min"), (600, "10 h"), (570, "9 h 30 min")])
def test_durations_read_like_speech(minutes, text):
    assert _duration(minutes) == text


# ------------------------------------------------------------------------------------------- messages as templates

def test_a_violation_equals_one_with_the_same_message_whatever_its_template():
    """Template and params are the message's translatable form, not part of what the violation is."""
    plain = Violation("A001", dt.date(2026, 12, 7), "custom", True, "x")
    templated = Violation("A001", dt.date(2026, 12, 7), "custom", True, "x", "%(v)s", {"v": "x"})
    assert plain == templated and hash(plain) == hash(templated)


@st.composite
def random_roster(draw) -> CheckContext:
    """One or two agents with wishes and limits, up to 10 days from Fri 23.10.2026 (the autumn DST night): shifts
    of 1 to 12 h at any 5 minutes, each with up to two breaks, some absences and a previous roster."""
    anna = dataclasses.replace(ANNA, preferred_shift=draw(st.sampled_from([None, "early", "late"])),
                               days_off_wish=tuple(draw(st.sets(st.integers(0, 6), max_size=2))),
                               earliest_start=draw(st.sampled_from([None, dt.time(7, 0)])),
                               latest_end=draw(st.sampled_from([None, dt.time(20, 0)])))
    agents = draw(st.sampled_from([(anna,), (anna, JONAS)]))
    first = dt.date(2026, 10, 23)

    def one_shift(agent_id: str, day: dt.date) -> Shift:
        start = dt.datetime.combine(day, dt.time(0), BERLIN) + dt.timedelta(minutes=draw(st.integers(0, 287)) * 5)
        length = draw(st.integers(12, 144)) * 5
        cuts = sorted(draw(st.sets(st.integers(1, length // 5 - 1), max_size=4)))
        moments = [start] + [start + dt.timedelta(minutes=5 * c) for c in cuts] + [start + dt.timedelta(minutes=length)]
        activities = [draw(st.sampled_from(["billing", "chat", "training", "break"])) for _ in moments[1:]]
        return Shift(agent_id, day, tuple(Segment(a, b, act) for a, b, act in zip(moments[:-1], moments[1:],
                                                                                    activities, strict=True)))

    shifts = [one_shift(a.agent_id, first + dt.timedelta(days=i)) for a in agents for i in range(10)
              if draw(st.booleans())]
    previous = [one_shift("A001", first - dt.timedelta(days=1))] if draw(st.booleans()) else []
    absences = [Absence("A001", at("2026-10-26", "00:00"), at("2026-10-28", "00:00"), "vacation"),
                Absence("A001", at("2026-10-29", "10:00"), at("2026-10-29", "12:00"), "doctor")]
    absences = absences[:draw(st.integers(0, 2))]
    rules = dataclasses.replace(ARBZG, consecutive_days_off=draw(st.booleans()))
    return CheckContext.build(Roster(tuple(shifts)), agents, draw(st.sampled_from([SITE, ALWAYS])), rules=rules,
                              absences=absences, previous=previous, week_start=dt.date(2026, 10, 19), days=14)


@settings(max_examples=60, deadline=None)
@given(random_roster())
def test_every_message_is_its_template_rendered(ctx):
    for violation in check_roster(ctx):
        english(violation)
