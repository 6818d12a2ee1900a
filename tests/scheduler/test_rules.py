"""The rule set: ArbZG by default; a site may tighten it, never loosen it."""

from __future__ import annotations

import pytest

from forecasts.site import SiteConfigError, parse_site
from scheduler.rules import ARBZG, rules_for_site

BASE = """
[site]
name = "T"
timezone = "Europe/Berlin"
holidays = "DE-BB"
[site.opening_hours]
mon = "08:00-20:00"
[queues.q]
channel = "phone"
service_level = 0.8
answer_within_s = 20
"""


def _rules(table: str):
    return rules_for_site(parse_site(BASE + "[rules]\n" + table))


def test_without_a_rules_table_the_law_applies():
    assert rules_for_site(parse_site(BASE)) == ARBZG
    assert (ARBZG.min_rest_minutes, ARBZG.max_daily_work_minutes, ARBZG.max_work_without_break_minutes) == (
        660, 600, 360)


def test_break_minimum_follows_section_4():
    assert [ARBZG.min_break_minutes(m) for m in (360, 361, 540, 541)] == [0, 30, 30, 45]


def test_a_works_agreement_may_tighten_rules():
    rules = _rules("min_rest_minutes = 720\nmax_daily_work_minutes = 540\nconsecutive_days_off = true\n")
    assert (rules.min_rest_minutes, rules.max_daily_work_minutes, rules.consecutive_days_off) == (720, 540, True)


@pytest.mark.parametrize(("line", "message"), [
    ("min_rest_minutes = 600", "[rules] min_rest_minutes = 600 is looser than German working-time law allows (660)"),
    ("max_daily_work_minutes = 660", "[rules] max_daily_work_minutes = 660 is looser than German working-time law"),
    ("max_work_without_break_minutes = 420", "[rules] max_work_without_break_minutes = 420 is looser"),
    ("rest_minutes = 700", "[rules] rest_minutes: unknown rule; known rules: "),
    ("max_consecutive_work_days = 13", "[rules] max_consecutive_work_days = 13 is looser than German working-time "
                                       "law allows (12)"),
    ("min_rest_minutes = \"long\"", "[rules] min_rest_minutes = 'long': give a number >= 0"),
])
def test_a_site_cannot_loosen_the_law(line, message):
    with pytest.raises(SiteConfigError) as refused:
        _rules(line + "\n")
    assert message in str(refused.value)


def test_a_works_agreement_may_limit_runs_of_working_days_and_ask_for_free_weekends():
    assert (ARBZG.max_consecutive_work_days, ARBZG.min_free_weekends_per_4_weeks) == (12, 0)
    rules = _rules("max_consecutive_work_days = 6\nmin_free_weekends_per_4_weeks = 2\n")
    assert (rules.max_consecutive_work_days, rules.min_free_weekends_per_4_weeks) == (6, 2)


def test_site_policy_values_may_go_either_way():
    assert _rules("min_shift_minutes = 180\n").min_shift_minutes == 180


@pytest.mark.parametrize(("table", "message"), [
    ("min_shift_minutes = 660\n", "[rules] min_shift_minutes = 660 is longer than max_daily_work_minutes = 600: no "
                                  "shift could be legal; lower the minimum shift length"),
    ("min_days_off_per_week = 7\n", "[rules] min_days_off_per_week = 7 leaves no working day; give at most 6"),
    ("start_granularity_minutes = 7\n", "[rules] start_granularity_minutes = 7: give a divisor of a day"),
    ("max_consecutive_work_days = 0\n", "[rules] max_consecutive_work_days = 0 leaves no working day; give at "
                                        "least 1"),
    ("min_free_weekends_per_4_weeks = 5\n", "[rules] min_free_weekends_per_4_weeks = 5: 4 weeks have only 4 "
                                            "weekends; give at most 4"),
])
def test_rules_that_leave_no_legal_shift_fail_fast(table, message):
    with pytest.raises(SiteConfigError) as refused:
        _rules(table)
    assert message in str(refused.value)
