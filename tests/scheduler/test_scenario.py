"""Scenario files: every key read into the Scenario, every bad input refused with its key, all at once."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest

from forecasts.site import OpeningRange, parse_site
from scheduler.scenario import (
    DateRange,
    Deflection,
    HandleTimeChange,
    RampStep,
    Scenario,
    ScenarioError,
    ServiceChange,
    StaffChange,
    VolumeChange,
    parse_scenario,
)
from tests.web.site_fixture import SITE_TOML

SITE = parse_site(SITE_TOML)  # queues billing (phone) and email
HEAD = '[scenario]\nname = "Peak"\nstart = 2027-01-04\nweeks = 8\n'  # the plan runs 2027-01-04 to 2027-02-28


def _problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, SITE, "peak.toml")
    return caught.value.problems


def test_every_key_is_read():
    text = '''
[scenario]
name = " January waves "
start = 2027-01-04
weeks = 12

[inputs]
history = "history.csv"
agents = "agents.csv"

[[volume]]
queue = "billing"
from = 2027-01-11
to = 2027-01-24
percent = 40

[[volume]]
queue = "*"
from = "2027-02-01"
to = "2027-02-07"
per_day = 120.5

[[handle_time]]
queue = "email"
from = 2027-01-04
to = 2027-01-10
percent = -10

[[deflection]]
queue = "billing"
share = 0.2
handle_time_percent = 15

[[deflection]]
queue = "email"
share = 0.1
from = 2027-03-01
to = 2027-03-28

[[service]]
queue = "billing"
service_level = 0.9
answer_within_s = 30
patience_s = 120
shrinkage = 0.3

[[service]]
queue = "email"
answer_within_hours = 8

[opening_hours]
sat = "closed"
mon = "08:00-12:00, 13:00-18:00"

[[staff]]
name = "temps"
count = 10
from = 2027-01-06
until = 2027-02-28
weekly_hours = 30
monthly_pay_eur = 2400
ramp = [{weeks = 2, productivity = 0.0}, {weeks = 2, productivity = 0.5}]

[[staff]]
count = 2
from = 2027-02-01

[staffing]
attrition_per_month = 0.02
overtime_share = 0.1
overtime_premium = 1.5
ramp = [{weeks = 3, productivity = 0.25}]
'''
    assert parse_scenario(text, SITE) == Scenario(
        name="January waves", start=dt.date(2027, 1, 4), weeks=12,
        volume=(VolumeChange("billing", DateRange(dt.date(2027, 1, 11), dt.date(2027, 1, 24)), percent=40.0),
                VolumeChange("*", DateRange(dt.date(2027, 2, 1), dt.date(2027, 2, 7)), per_day=120.5)),
        handle_time=(HandleTimeChange("email", DateRange(dt.date(2027, 1, 4), dt.date(2027, 1, 10)), -10.0),),
        deflection=(Deflection("billing", 0.2, None, 15.0),
                    Deflection("email", 0.1, DateRange(dt.date(2027, 3, 1), dt.date(2027, 3, 28)), 0.0)),
        service=(ServiceChange("billing", service_level=0.9, answer_within_s=30.0, patience_s=120.0, shrinkage=0.3),
                 ServiceChange("email", answer_within_hours=8.0)),
        opening_hours={5: (), 0: (OpeningRange(480, 720), OpeningRange(780, 1080))},
        staff=(StaffChange("temps", 10, dt.date(2027, 1, 6), dt.date(2027, 2, 28), 30.0, 2400.0,
                           (RampStep(2, 0.0), RampStep(2, 0.5))),
               StaffChange("[[staff]] #2", 2, dt.date(2027, 2, 1))),
        attrition_per_month=0.02, overtime_share=0.1, overtime_premium=1.5,
        inputs={"history": "history.csv", "agents": "agents.csv"}, hire_ramp=(RampStep(3, 0.25),))


def test_defaults_of_a_bare_plan():
    scenario = parse_scenario('[scenario]\nstart = 2027-01-04\n', SITE)
    assert scenario == Scenario(name="scenario", start=dt.date(2027, 1, 4), weeks=26)
    assert (scenario.attrition_per_month, scenario.overtime_share, scenario.overtime_premium) == (0.0, 0.0, 1.25)
    assert scenario.end == dt.date(2027, 7, 4)  # 26 weeks, the last a Sunday
    assert scenario.week_starts[:2] == [dt.date(2027, 1, 4), dt.date(2027, 1, 11)] and len(scenario.week_starts) == 26


def test_an_unknown_queue_is_refused_with_the_queues_there_are():
    assert _problems(HEAD + '[[volume]]\nqueue = "sales"\nfrom = 2027-01-04\nto = 2027-01-10\npercent = 40\n') == [
        "[[volume]] #1 queue = 'sales': not a queue of the site; use one of billing, email or \"*\" for all"]


def test_a_service_change_needs_one_queue():
    assert _problems(HEAD + '[[service]]\nqueue = "*"\nservice_level = 0.9\n') == [
        "[[service]] #1 queue = '*': not a queue of the site; use one of billing, email"]


def test_a_date_range_outside_the_plan_is_refused():
    assert _problems(HEAD + '[[volume]]\nqueue = "billing"\nfrom = 2027-03-01\nto = 2027-03-07\npercent = 40\n') == [
        "[[volume]] #1: 2027-03-01 to 2027-03-07 lies outside the plan (2027-01-04 to 2027-02-28); move it into "
        "the plan or lengthen [scenario] weeks"]


def test_a_range_overlapping_the_plan_is_kept():
    scenario = parse_scenario(HEAD + '[[handle_time]]\nqueue = "billing"\nfrom = 2027-02-22\nto = 2027-03-07\n'
                                     'percent = 10\n', SITE)
    assert scenario.handle_time[0].dates == DateRange(dt.date(2027, 2, 22), dt.date(2027, 3, 7))


def test_a_range_ending_before_it_starts_is_refused():
    assert _problems(HEAD + '[[deflection]]\nqueue = "billing"\nshare = 0.2\nfrom = 2027-01-20\nto = 2027-01-10\n'
                     ) == ["[[deflection]] #1: to = 2027-01-10 is before from = 2027-01-20"]


def test_a_negative_headcount_is_refused():
    assert _problems(HEAD + '[[staff]]\nname = "temps"\ncount = -3\nfrom = 2027-01-11\n') == [
        "[[staff]] #1 count = -3: a headcount cannot be negative; people leaving are [staffing] "
        "attrition_per_month, or end a group of temps with `until`"]


def test_a_start_that_is_not_a_monday_is_refused_with_the_monday_before():
    assert _problems('[scenario]\nstart = 2027-01-06\n') == [
        "[scenario] start = 2027-01-06: a plan starts on a Monday; use 2027-01-04"]


def test_a_non_number_is_refused():
    assert _problems(HEAD + '[[volume]]\nqueue = "billing"\nfrom = 2027-01-04\nto = 2027-01-10\npercent = "40"\n'
                     ) == ["[[volume]] #1 percent = '40': give a number from -100 to 1000"]


def test_a_number_out_of_range_is_refused():
    assert _problems(HEAD + '[[deflection]]\nqueue = "billing"\nshare = 1.5\n[staffing]\novertime_share = nan\n'
                     ) == ["[[deflection]] #1 share = 1.5: must lie between 0 and 1",
                           "[staffing] overtime_share = nan: must lie between 0 and 1"]


def test_a_volume_change_needs_percent_or_per_day():
    assert _problems(HEAD + '[[volume]]\nqueue = "billing"\nfrom = 2027-01-04\nto = 2027-01-10\n') == [
        "[[volume]] #1: give percent (e.g. 40 for 40 % more) or per_day (contacts added a day)"]


def test_invalid_toml_is_refused_with_the_parser_message():
    text = '[scenario\nstart = 2027-01-04\n'
    with pytest.raises(tomllib.TOMLDecodeError) as parser:
        tomllib.loads(text)
    assert _problems(text) == [f"not valid TOML: {parser.value}"]


def test_an_unknown_table_is_refused():
    assert _problems(HEAD + '[budget]\neur = 1000\n') == [
        "[budget]: not a part of a scenario; use deflection, handle_time, inputs, opening_hours, scenario, "
        "service, staff, staffing, volume"]


def test_a_misspelt_key_is_refused_with_the_likely_one():
    # Without this check `untill` would be ignored and the temps would stay for good.
    assert _problems(HEAD + '[[staff]]\nname = "temps"\ncount = 3\nfrom = 2027-01-11\nuntill = 2027-02-01\n'
                     '[staffing]\novertime = 0.1\n') == [
        "[[staff]] #1 untill: not a key of this table; did you mean 'until'?",
        "[staffing] overtime: not a key of this table; did you mean 'overtime_share'?"]


def test_missing_keys_are_named():
    assert _problems('[scenario]\nweeks = 4\n[[deflection]]\nqueue = "billing"\n[[staff]]\nfrom = 2027-01-04\n'
                     ) == ["[scenario] start: missing; give a date as YYYY-MM-DD",
                           "[[deflection]] #1 share: missing; give a number from 0 to 1",
                           "[[staff]] #1 count: missing; give a whole number"]


def test_staff_groups_need_names_of_their_own():
    group = '[[staff]]\nname = "temps"\ncount = 1\nfrom = 2027-01-11\n'
    assert _problems(HEAD + group + group) == [
        "[[staff]] name = 'temps': used by 2 groups; give each group a name of its own"]


def test_bad_staff_groups_and_ramps():
    assert _problems(HEAD + '[[staff]]\nname = "a"\ncount = 1.5\nfrom = 2027-02-01\nuntil = 2027-01-01\n'
                     'ramp = [{weeks = 0, productivity = 2}, 3, {weeks = 1, speed = 1, productivity = 1}]\n'
                     '[[staff]]\nname = "b"\ncount = 1\nfrom = "soon"\nramp = "slow"\n') == [
        "[[staff]] #1 count = 1.5: give a whole number",
        "[[staff]] #1 until = 2027-01-01: before from = 2027-02-01",
        "[[staff]] #1 ramp step 1 weeks = 0: must lie between 1 and 104",
        "[[staff]] #1 ramp step 1 productivity = 2: must lie between 0 and 1",
        "[[staff]] #1 ramp step 2: give {weeks = N, productivity = 0.5}",
        "[[staff]] #1 ramp step 3 speed: not a key of this table; use weeks, productivity",
        "[[staff]] #2 from = 'soon': give a date as YYYY-MM-DD",
        "[[staff]] #2 ramp: give a list like [{weeks = 2, productivity = 0.0}]"]


def test_bad_opening_hours_are_refused():
    assert _problems(HEAD + '[opening_hours]\nmonday = "08:00-12:00"\ntue = "18:00-08:00"\nwed = 9\n') == [
        "[opening_hours] monday: not a weekday; use mon, tue, wed, thu, fri, sat, sun",
        "[opening_hours] tue = '18:00-08:00': 18:00-08:00 ends before it starts; an overnight opening is written "
        "as two days (\"22:00-24:00\" and \"00:00-06:00\")",
        "[opening_hours] wed = 9: write opening hours as \"08:00-20:00\" or \"closed\""]


def test_every_problem_is_reported_at_once_with_the_file_name():
    text = '''
[scenario]
start = 2027-01-06
weeks = 8
[budget]
eur = 1
[[volume]]
queue = "sales"
from = 2027-06-01
to = 2027-06-30
percent = "40"
[[staff]]
name = "temps"
count = -3
from = 2027-01-11
'''
    problems = [
        "[budget]: not a part of a scenario; use deflection, handle_time, inputs, opening_hours, scenario, "
        "service, staff, staffing, volume",
        "[scenario] start = 2027-01-06: a plan starts on a Monday; use 2027-01-04",
        "[[volume]] #1 percent = '40': give a number from -100 to 1000",
        "[[volume]] #1 queue = 'sales': not a queue of the site; use one of billing, email or \"*\" for all",
        "[[volume]] #1: 2027-06-01 to 2027-06-30 lies outside the plan (2027-01-04 to 2027-02-28); move it into "
        "the plan or lengthen [scenario] weeks",
        "[[staff]] #1 count = -3: a headcount cannot be negative; people leaving are [staffing] "
        "attrition_per_month, or end a group of temps with `until`"]
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, SITE, "peak.toml")
    assert caught.value.problems == problems
    assert str(caught.value) == "\n".join(f"peak.toml: {p}" for p in problems)
    assert isinstance(caught.value, ValueError)


def test_a_table_written_as_a_value_is_refused():
    assert _problems('scenario = 3\nvolume = 4\n') == [
        "[scenario]: must be a table", "[scenario] start: missing; give a date as YYYY-MM-DD",
        "[[volume]]: write each change as its own [[volume]] table"]


def test_productivity_follows_the_ramp_from_the_monday_of_the_start():
    group = StaffChange("temps", 2, dt.date(2027, 1, 13), dt.date(2027, 2, 24), ramp=(RampStep(2, 0.0),
                                                                                      RampStep(2, 0.5)))
    mondays = [dt.date(2027, 1, 4) + dt.timedelta(weeks=i) for i in range(9)]
    # Week 0 before the start; weeks 1-2 at 0 %, 3-4 at 50 %, 5-7 full; week 8 after `until` (Wed of week 7).
    assert [group.productivity(m) for m in mondays] == [0.0, 0.0, 0.0, 0.5, 0.5, 1.0, 1.0, 1.0, 0.0]
    assert group.ramp_weeks == 4


def test_the_hire_ramp_defaults_to_the_longest_group_ramp_then_none():
    plain = Scenario("s", dt.date(2027, 1, 4), 8)
    assert plain.hire_ramp_weeks == 0
    groups = (StaffChange("a", 1, dt.date(2027, 1, 4), ramp=(RampStep(3, 0.0),)),
              StaffChange("b", 1, dt.date(2027, 1, 4), ramp=(RampStep(2, 0.0), RampStep(3, 0.5))))
    assert Scenario("s", dt.date(2027, 1, 4), 8, staff=groups).hire_ramp_weeks == 5
    assert Scenario("s", dt.date(2027, 1, 4), 8, staff=groups, hire_ramp=(RampStep(1, 0.5),)).hire_ramp_weeks == 1
    assert Scenario("s", dt.date(2027, 1, 4), 8, staff=groups, hire_ramp=()).hire_ramp_weeks == 0
