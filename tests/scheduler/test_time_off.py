"""Time off: working days, the staffing check with and without the agent, and the auto-approval rule."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from forecasts.site import parse_site
from scheduler.roster import BREAK, Segment, Shift
from scheduler.time_off import APPROVED, REQUESTED, Rules, decide, staffing_check, without_agent, working_days

SITE = parse_site("""
[site]
name = "T"
timezone = "Europe/Berlin"
holidays = "DE-BB"
[site.opening_hours]
mon = "08:00-20:00"
[queues.billing]
channel = "phone"
service_level = 0.8
answer_within_s = 20
""")
TZ = "Europe/Berlin"


def _t(hhmm: str, day: str = "2026-12-07") -> dt.datetime:
    return pd.Timestamp(f"{day}T{hhmm}:00", tz=TZ).to_pydatetime()


def _shift(agent: str, start: str, end: str) -> Shift:
    return Shift(agent, dt.date(2026, 12, 7), (Segment(_t(start), _t(end), "billing"),))


# One call of 90 s in each of two quarter-hours from 08:00, one agent required.
REQUIREMENTS = pd.DataFrame({"queue": ["billing", "billing"],
                             "interval_start": pd.to_datetime([_t("08:00"), _t("08:15")]),
                             "offered": [1.0, 1.0], "aht_s": [90.0, 90.0], "agents_required": [1, 1]})
# Erlang C, one agent, traffic 0.1: waits with probability 0.1; SL = 1 - 0.1·exp(-(1 - 0.1)·20/90).
ONE_AGENT_SL = 1 - 0.1 * math.exp(-0.9 * 20 / 90)


def test_working_days_skip_weekends_and_brandenburg_holidays():
    assert working_days(SITE, dt.date(2026, 12, 7), dt.date(2026, 12, 13)) == 5  # Monday to Sunday
    # 24 Dec is a working day; 25 and 26 Dec are holidays (26th a Saturday anyway).
    assert working_days(SITE, dt.date(2026, 12, 24), dt.date(2026, 12, 27)) == 1
    assert working_days(SITE, dt.date(2026, 10, 31), dt.date(2026, 10, 31)) == 0  # Reformation Day, a Saturday
    assert working_days(SITE, dt.date(2027, 10, 29), dt.date(2027, 11, 1)) == 2  # Fri 29 Oct, Mon 1 Nov


def test_without_agent_cuts_only_the_requested_hours_out_of_their_shift():
    shifts = (Shift("A", dt.date(2026, 12, 7), (Segment(_t("08:00"), _t("12:00"), "billing"),
                                                 Segment(_t("12:00"), _t("12:30"), BREAK))),
              _shift("B", "08:00", "16:00"))
    left = without_agent(shifts, "A", _t("10:00"), _t("12:15"))
    assert left[0].segments == (Segment(_t("08:00"), _t("10:00"), "billing"), Segment(_t("12:15"), _t("12:30"),
                                                                                       BREAK))
    assert left[1] == shifts[1]
    assert without_agent(shifts, "A", _t("00:00"), _t("23:59")) == (shifts[1],)


def test_two_agents_on_a_one_agent_requirement_are_safe_without_one():
    check = staffing_check([_shift("A", "08:00", "16:00"), _shift("B", "08:00", "16:00")], REQUIREMENTS, SITE,
                           "A", _t("00:00"), _t("00:00", "2026-12-08"), 0.8)
    assert check.safe
    (day,) = check.days
    assert day.date == dt.date(2026, 12, 7)
    assert day.service_level_with > day.service_level_without == round(ONE_AGENT_SL, 4)
    assert day.short_without == 0


def test_the_only_agent_off_is_unsafe_and_the_shortfall_shows():
    check = staffing_check([_shift("A", "08:00", "16:00")], REQUIREMENTS, SITE, "A", _t("08:15"), _t("09:00"),
                           0.8)
    assert not check.safe
    (day,) = check.days
    assert day.service_level_with == round(ONE_AGENT_SL, 4)  # only 08:15 is in the period
    assert day.service_level_without == 0.0
    assert day.short_without == 1


def test_no_requirements_for_the_period_is_not_safe():
    check = staffing_check([_shift("A", "08:00", "16:00")], REQUIREMENTS, SITE, "A", _t("00:00", "2026-12-09"),
                           _t("00:00", "2026-12-10"), 0.8)
    assert not check.safe and check.days == ()


def test_decide_approves_only_when_every_rule_holds():
    rules = Rules(auto_approve=True, min_service_level=0.8, min_days_ahead=14)
    assert decide(rules, 10, 5, True, 20) == (APPROVED, ())
    assert decide(rules, 4, 5, True, 20) == (REQUESTED, ("allowance",))
    assert decide(rules, 10, 5, False, 13) == (REQUESTED, ("staffing", "too_soon"))
    assert decide(Rules(auto_approve=False), 10, 5, True, 20) == (REQUESTED, ("auto_approval_off",))


def test_an_interval_short_already_is_not_the_absent_agents_fault():
    # B works 08:00–08:15 only; A is off all day but has no shift: the 08:15 gap was there before.
    check = staffing_check([_shift("B", "08:00", "08:15")], REQUIREMENTS, SITE, "A", _t("00:00"),
                           _t("00:00", "2026-12-08"), 0.8)
    assert check.safe
    assert check.days[0].service_level_without == 0.0
