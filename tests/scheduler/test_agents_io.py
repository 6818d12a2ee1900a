import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest

from forecasts.errors import DataFileError
from forecasts.site import parse_site
from scheduler.agents_io import format_absences, format_agents, read_absences, read_agents
from scheduler.demo_data import site_toml
from scheduler.domain import Absence, Agent

SITE = parse_site(site_toml())
BERLIN = ZoneInfo("Europe/Berlin")
HEADER = "agent_id,name,team,skills,weekly_hours,max_days_per_week\n"


def agents(text: str) -> list[Agent]:
    return read_agents(io.StringIO(text), SITE, name="agents.csv")


def agent_problems(rows: str) -> list[str]:
    with pytest.raises(DataFileError) as info:
        agents(HEADER + rows)
    return [str(p) for p in info.value.problems]


def absences(text: str, agent_ids: set[str] | None = None) -> list[Absence]:
    return read_absences(io.StringIO(text), SITE, agent_ids=agent_ids, name="absences.csv")


def absence_problems(rows: str, agent_ids: set[str] | None = None) -> list[str]:
    with pytest.raises(DataFileError) as info:
        absences("agent_id,start,end,reason\n" + rows, agent_ids)
    return [str(p) for p in info.value.problems]


def test_reads_required_and_optional_columns_with_a_byte_order_mark():
    data = ("\ufeffagent_id,name,team,skills,weekly_hours,max_days_per_week,level,monthly_pay_eur,preferred_shift,"
            "days_off_wish,earliest_start,latest_end,email\n"
            "A001,Anna Schulz,Team Süd,billing;chat,40,5,experienced,3100,early,sat;mon,09:00,,a001@demo.invalid\n"
            "A002,Jonas Weber,Team Nord, technical ,\"37,5\",5,,,,,,16:30,\n").encode("utf-8")
    result = read_agents(io.BytesIO(data), SITE, name="agents.csv")
    assert result == [
        Agent("A001", "Anna Schulz", "Team Süd", ("billing", "chat"), 40.0, 5, level="experienced",
              monthly_pay_eur=3100.0, preferred_shift="early", days_off_wish=(0, 5),
              earliest_start=dt.time(9, 0), email="a001@demo.invalid"),
        Agent("A002", "Jonas Weber", "Team Nord", ("technical",), 37.5, 5, latest_end=dt.time(16, 30)),
    ]


def test_duplicate_agent_id_names_the_first_line():
    assert agent_problems("A001,Anna Schulz,Team Nord,billing,40,5\nA001,Jan Koch,Team Nord,billing,40,5\n") == [
        "agents.csv line 3, column agent_id: 'A001' is a duplicate of line 2; give every agent their own id"]


def test_unknown_skill_names_the_sites_queues():
    assert agent_problems("A001,Anna Schulz,Team Nord,billing;phone,40,5\n") == [
        "agents.csv line 2, column skills: unknown skill 'phone'; skills are the site's queues: "
        "billing, technical, chat, email"]


def test_empty_skills():
    assert agent_problems("A001,Anna Schulz,Team Nord,,40,5\n") == [
        "agents.csv line 2, column skills: empty; list the queues the agent works, separated by ';', "
        "e.g. billing;technical"]


@pytest.mark.parametrize(("hours", "message"), [
    ("abc", "'abc' is not a number; give contract hours per week, e.g. 40"),
    ("0", "0 is out of range; it must be more than 0 and at most 60"),
    ("61", "61 is out of range; it must be more than 0 and at most 60"),
])
def test_bad_weekly_hours(hours, message):
    assert agent_problems(f"A001,Anna Schulz,Team Nord,billing,{hours},5\n") == [
        f"agents.csv line 2, column weekly_hours: {message}"]


@pytest.mark.parametrize("days", ["0", "8", "4.5", ""])
def test_bad_max_days_per_week(days):
    assert agent_problems(f"A001,Anna Schulz,Team Nord,billing,40,{days}\n") == [
        f"agents.csv line 2, column max_days_per_week: {days!r} must be a whole number from 1 to 7"]


def test_hours_that_do_not_fit_in_the_days():
    assert agent_problems("A001,Anna Schulz,Team Nord,billing,40,3\n") == [
        "agents.csv line 2, column weekly_hours: 40 hours cannot be worked in 3 days of at most 10 h (ArbZG §3); "
        "raise max_days_per_week or lower the hours"]


def test_every_problem_of_the_file_is_reported_at_once():
    header = HEADER.strip() + ",level,monthly_pay_eur,preferred_shift,days_off_wish,earliest_start,latest_end\n"
    with pytest.raises(DataFileError) as info:
        agents(header + "A001,,Team Nord,billing,40,5,senior,-5,night,sa,7:60,\n"
                        "A002,Jan Koch,Team Nord,billing,40,5,,,,,14:00,12:00\n")
    assert [str(p) for p in info.value.problems] == [
        "agents.csv line 2, column days_off_wish: 'sa' is not a weekday; use mon, tue, wed, thu, fri, sat, sun "
        "separated by ';'",
        "agents.csv line 2, column earliest_start: '7:60' is not a time of day; write HH:MM from 00:00 to 23:59",
        "agents.csv line 2, column level: 'senior' is not one of entry, experienced; leave it empty when unknown",
        "agents.csv line 2, column monthly_pay_eur: -5 is out of range; it must be more than 0",
        "agents.csv line 2, column name: empty; every row needs a value here",
        "agents.csv line 2, column preferred_shift: 'night' is not one of early, late; leave it empty when unknown",
        "agents.csv line 3, column latest_end: 12:00 is not after earliest_start 14:00",
    ]


def test_missing_required_column():
    with pytest.raises(DataFileError) as info:
        agents("agent_id,name,team,skills,weekly_hours\nA001,Anna Schulz,Team Nord,billing,40\n")
    assert str(info.value).startswith("agents.csv line 1, column max_days_per_week: required column")


def test_agents_round_trip_through_format_agents():
    original = [Agent("A001", "Anna Schulz", "Team Süd", ("billing", "chat"), 37.5, 5, level="entry",
                      monthly_pay_eur=2450.0, preferred_shift="late", days_off_wish=(4, 5),
                      earliest_start=dt.time(10), latest_end=dt.time(19, 30), email="anna@example.org"),
                Agent("A002", "Jonas Weber", "Team Nord", ("email",), 20.0, 4)]
    assert agents(format_agents(original)) == original


def test_absences_dates_are_whole_local_days_and_timestamps_keep_their_instant():
    result = absences("agent_id,start,end,reason\n"
                      "A001,2026-03-28,2026-03-30,Vacation\n"
                      "A002,2026-12-07T08:00:00+01:00,2026-12-07T11:00:00Z,training\n"
                      "A002,2026-12-08,2026-12-08,\n", agent_ids={"A001", "A002"})
    assert result == [
        Absence("A001", dt.datetime(2026, 3, 28, tzinfo=BERLIN), dt.datetime(2026, 3, 31, tzinfo=BERLIN),
                "vacation"),
        Absence("A002", dt.datetime(2026, 12, 7, 8, tzinfo=BERLIN), dt.datetime(2026, 12, 7, 12, tzinfo=BERLIN),
                "training"),
        Absence("A002", dt.datetime(2026, 12, 8, tzinfo=BERLIN), dt.datetime(2026, 12, 9, tzinfo=BERLIN),
                "absence"),
    ]
    # across the change to summer time: 24 + 23 + 24 hours (subtract in UTC; Python subtracts same-zone
    # datetimes as wall-clock times)
    assert result[0].end.astimezone(dt.UTC) - result[0].start.astimezone(dt.UTC) == dt.timedelta(hours=71)
    assert all(str(a.start.tzinfo) == "Europe/Berlin" for a in result)


def test_absence_that_ends_before_it_starts():
    assert absence_problems("A001,2026-12-10,2026-12-09,vacation\n") == [
        "absences.csv line 2, column end: '2026-12-09' is not after start '2026-12-10'; the end must come after "
        "the start (a date as end means the whole of that day)"]


def test_absence_of_an_unknown_agent():
    assert absence_problems("A999,2026-12-10,2026-12-11,vacation\n", agent_ids={"A001"}) == [
        "absences.csv line 2, column agent_id: unknown agent 'A999'; import the agent in agents.csv first"]


def test_absence_timestamp_without_offset():
    assert absence_problems("A001,2026-12-10T08:00,2026-12-10T12:00+01:00,sick\n") == [
        "absences.csv line 2, column start: '2026-12-10T08:00' has no UTC offset; write a date YYYY-MM-DD or a "
        "timestamp with offset such as 2026-12-07T08:00:00+01:00"]


def test_absences_round_trip_through_format_absences():
    original = [Absence("A001", dt.datetime(2026, 3, 28, tzinfo=BERLIN), dt.datetime(2026, 3, 31, tzinfo=BERLIN),
                        "vacation"),
                Absence("A002", dt.datetime(2026, 12, 7, 8, tzinfo=BERLIN),
                        dt.datetime(2026, 12, 7, 12, 30, tzinfo=BERLIN), "training")]
    text = format_absences(original, SITE)
    assert text.splitlines()[1] == "A001,2026-03-28,2026-03-30,vacation"
    assert absences(text) == original
