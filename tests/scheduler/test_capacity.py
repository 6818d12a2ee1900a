"""Capacity plan on a tiny site: scenario changes on the forecast, FTE required and available per week, overtime,
cost and hire advice, each checked by hand."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasts.calendar import open_days, open_intervals
from forecasts.site import parse_site
from scheduler.capacity import (
    WEEK_COLUMNS,
    _projected_weeks,
    apply_changes,
    capacity_plan,
    hires_to_close,
    scenario_site,
)
from scheduler.domain import Agent
from scheduler.erlang import required_agents_c
from scheduler.scenario import parse_scenario
from scheduler.staffing import staff

# Open Monday and Tuesday 08:00-12:00 in hourly intervals: 8 intervals a week, 4 a day.
SITE_TEXT = """
[site]
name = "Tiny"
timezone = "Europe/Berlin"
holidays = "DE-BB"
interval_minutes = 60
[site.opening_hours]
mon = "08:00-12:00"
tue = "08:00-12:00"
[queues.billing]
channel = "phone"
service_level = 0.8
answer_within_s = 20
[queues.technical]
channel = "phone"
service_level = 0.8
answer_within_s = 20
[costs]
employer_cost_factor = 1.2
[pay_bands]
experienced = [2900, 3400]
entry = [2300, 2800]
"""
SITE = parse_site(SITE_TEXT)
START = dt.date(2027, 1, 4)  # no public holiday in Brandenburg in January and February 2027


def week(i: int) -> dt.date:
    return START + dt.timedelta(weeks=i)


def _agent(agent_id: str, hours: float, pay: float | None = None) -> Agent:
    return Agent(agent_id, agent_id, "team", ("billing", "technical"), hours, 5, monthly_pay_eur=pay)


ANN, BO = _agent("ann", 40, 3000.0), _agent("bo", 20)  # Bo has no pay: the middle of the entry band, 2550 €
PAIR = [_agent("ann", 40), _agent("cy", 40)]  # 80 h: exactly the 2.0 FTE the base forecast needs


def forecast(weeks: int = 8, billing=(60, 60, 60, 60), technical=(20, 20, 20, 20), aht: float = 240.0
             ) -> pd.DataFrame:
    """Contacts per hour (08, 09, 10, 11 o'clock) on every open day, the same handle time everywhere."""
    rows = []
    for day in open_days(SITE, START, START + dt.timedelta(weeks=weeks, days=-1)):
        for hour, start in enumerate(open_intervals(SITE, day)):
            rows += [("billing", start, float(billing[hour]), aht), ("technical", start, float(technical[hour]), aht)]
    return pd.DataFrame(rows, columns=["queue", "interval_start", "offered", "aht_s"])


def scenario(body: str = "", weeks: int = 8):
    return parse_scenario(f'[scenario]\nname = "Test"\nstart = {START}\nweeks = {weeks}\n{body}', SITE)


FORECAST = forecast()


def _days(frame: pd.DataFrame) -> pd.Series:
    return frame["interval_start"].dt.tz_convert(SITE.timezone).dt.date


# --- the base numbers --------------------------------------------------------------------------------------------

def test_erlang_c_needs_7_billing_and_3_technical_agents_an_hour():
    # The figures the hand checks below rest on (80/20, 240 s handle time, hourly intervals).
    assert list(required_agents_c(np.array([60.0, 20.0, 48.0, 84.0, 120.0]), 3600, np.full(5, 240.0), 0.8, 20,
                                  None)) == [7, 3, 6, 9, 11]
    requirements = staff(FORECAST, SITE)
    assert set(requirements.loc[requirements["queue"] == "billing", "agents_scheduled"]) == {7}
    assert set(requirements.loc[requirements["queue"] == "technical", "agents_scheduled"]) == {3}


def test_the_base_plan_needs_two_fte_a_week():
    plan = capacity_plan(FORECAST, SITE, PAIR, scenario())
    assert tuple(plan.weeks.columns) == WEEK_COLUMNS
    assert list(plan.weeks["week_start"]) == [week(i) for i in range(8)]
    # (7 + 3) agents x 8 hours / 40 h
    assert list(plan.weeks["required_fte"]) == [2.0] * 8
    assert list(plan.weeks["offered"]) == [8 * 80.0] * 8
    assert list(plan.weeks["staff_fte"]) == list(plan.weeks["available_fte"]) == [2.0] * 8
    assert list(plan.weeks["gap_fte"]) == [0.0] * 8 and list(plan.weeks["overtime_hours"]) == [0.0] * 8
    assert (plan.extra_fte_needed, plan.first_short_week, plan.latest_start_full_time) == (0.0, None, None)
    assert (plan.weeks["service_level"] >= 0.8).all() and not plan.weeks["asa_unbounded"].any()
    assert list(plan.weeks["under_staffed_hours"]) == [0.0] * 8


def test_required_fte_is_the_staffed_hours_per_week_over_40():
    plan_scenario = scenario('[[volume]]\nqueue = "billing"\nfrom = 2027-01-18\nto = 2027-01-24\npercent = 40\n'
                             '[[service]]\nqueue = "technical"\nshrinkage = 0.2\n')
    plan = capacity_plan(FORECAST, SITE, PAIR, plan_scenario)
    # Technical: 3 agents on the queue / (1 - 0.2) = 3.75 scheduled; billing 7, and 9 for 84 contacts in week 2.
    assert plan.weeks["required_fte"].tolist() == pytest.approx([(7 + 3.75) * 8 / 40] * 2 + [(9 + 3.75) * 8 / 40]
                                                                + [(7 + 3.75) * 8 / 40] * 5)
    requirements = staff(apply_changes(FORECAST, SITE, plan_scenario), scenario_site(SITE, plan_scenario))
    monday = [d - dt.timedelta(days=d.weekday()) for d in _days(requirements)]
    by_week = (requirements["agents_scheduled"] * SITE.interval_minutes / 60).groupby(monday).sum() / 40
    assert plan.weeks["required_fte"].tolist() == pytest.approx(by_week.tolist())


# --- scenario changes on the forecast ----------------------------------------------------------------------------

def test_a_volume_change_changes_exactly_its_queue_and_dates():
    changed = apply_changes(FORECAST, SITE, scenario(
        '[[volume]]\nqueue = "billing"\nfrom = 2027-01-18\nto = 2027-01-24\npercent = 40\n'))
    hit = (FORECAST["queue"] == "billing") & (_days(FORECAST) >= week(2)) & (_days(FORECAST) < week(3))
    assert hit.sum() == 8
    expected = FORECAST.assign(offered=np.where(hit, 84.0, FORECAST["offered"]))
    pd.testing.assert_frame_equal(changed, expected)


def test_a_volume_change_leaves_the_other_weeks_of_the_plan_unchanged():
    base = capacity_plan(FORECAST, SITE, PAIR, scenario()).weeks
    plan = capacity_plan(FORECAST, SITE, PAIR, scenario(
        '[[volume]]\nqueue = "billing"\nfrom = 2027-01-18\nto = 2027-01-24\npercent = 40\n')).weeks
    other = plan["week_start"] != week(2)
    pd.testing.assert_frame_equal(plan[other], base[other])
    peak = plan[~other].iloc[0]
    assert (peak["offered"], peak["required_fte"]) == (8 * (84 + 20.0), (9 + 3) * 8 / 40)
    assert peak["gap_fte"] == pytest.approx(0.4) and peak["service_level"] < base[~other].iloc[0]["service_level"]


def test_a_volume_change_for_every_queue():
    changed = apply_changes(FORECAST, SITE, scenario('[[volume]]\nqueue = "*"\nfrom = 2027-01-04\nto = 2027-01-04\n'
                                                     'percent = -50\n'))
    monday = _days(FORECAST) == week(0)
    assert list(changed.loc[monday, "offered"]) == list(FORECAST.loc[monday, "offered"] / 2)
    assert changed.loc[~monday, "offered"].equals(FORECAST.loc[~monday, "offered"])


def test_per_day_adds_that_many_contacts_a_day_spread_like_the_forecast():
    base = forecast(billing=(0, 0, 0, 0), technical=(10, 20, 30, 40))
    changed = apply_changes(base, SITE, scenario(
        '[[volume]]\nqueue = "technical"\nfrom = 2027-01-11\nto = 2027-01-12\nper_day = 50\n'
        '[[volume]]\nqueue = "billing"\nfrom = 2027-01-04\nto = 2027-01-04\nper_day = 8\n'))
    days = _days(base)
    technical, billing = base["queue"] == "technical", base["queue"] == "billing"
    for day in (week(1), week(1) + dt.timedelta(days=1)):
        # 50 on a day of 100: half as much again in every hour
        assert list(changed.loc[technical & (days == day), "offered"]) == [15.0, 30.0, 45.0, 60.0]
    # A day forecast at 0 gets the contacts evenly.
    assert list(changed.loc[billing & (days == week(0)), "offered"]) == [2.0] * 4
    first_week = days.isin([week(1), week(1) + dt.timedelta(days=1)])
    untouched = ~((technical & first_week) | (billing & (days == week(0))))
    pd.testing.assert_frame_equal(changed[untouched], base[untouched])


def test_a_handle_time_change():
    changed = apply_changes(FORECAST, SITE, scenario(
        '[[handle_time]]\nqueue = "technical"\nfrom = 2027-01-05\nto = 2027-01-05\npercent = 50\n'))
    hit = (FORECAST["queue"] == "technical") & (_days(FORECAST) == dt.date(2027, 1, 5))
    assert hit.sum() == 4
    pd.testing.assert_frame_equal(changed, FORECAST.assign(aht_s=np.where(hit, 360.0, 240.0)))


def test_deflection_takes_contacts_away_and_leaves_the_harder_ones():
    changed = apply_changes(FORECAST, SITE, scenario(
        '[[deflection]]\nqueue = "billing"\nshare = 0.2\nhandle_time_percent = 10\n'))
    billing = FORECAST["queue"] == "billing"
    assert set(changed.loc[billing, "offered"]) == {48.0} and set(changed.loc[billing, "aht_s"]) == {264.0}
    pd.testing.assert_frame_equal(changed[~billing], FORECAST[~billing])


def test_deflection_of_20_percent_on_billing_lowers_the_required_fte():
    base = capacity_plan(FORECAST, SITE, PAIR, scenario()).weeks
    plan = capacity_plan(FORECAST, SITE, PAIR, scenario('[[deflection]]\nqueue = "billing"\nshare = 0.2\n')).weeks
    # Billing needs 6 agents for 48 contacts an hour instead of 7 for 60; technical stays at 3.
    assert list(plan["required_fte"]) == [(6 + 3) * 8 / 40] * 8
    assert (plan["required_fte"] < base["required_fte"]).all()
    dated = capacity_plan(FORECAST, SITE, PAIR, scenario(
        '[[deflection]]\nqueue = "billing"\nshare = 0.2\nfrom = 2027-01-11\nto = 2027-01-17\n')).weeks
    assert list(dated["required_fte"]) == [2.0, 1.8] + [2.0] * 6


def test_closed_hours_send_their_contacts_to_the_open_hours_of_the_same_day():
    base = forecast(technical=(10, 20, 30, 40))
    changed = apply_changes(base, SITE, scenario('[opening_hours]\nmon = "09:00-12:00"\n'))
    days, technical = _days(base), base["queue"] == "technical"
    for i in range(8):
        monday = days == week(i)
        assert changed.loc[technical & monday, "offered"].tolist() == pytest.approx(
            [0.0, 20 + 10 * 20 / 90, 30 + 10 * 30 / 90, 40 + 10 * 40 / 90])
        assert changed.loc[~technical & monday, "offered"].tolist() == pytest.approx([0.0, 80.0, 80.0, 80.0])
    per_day = changed.groupby([changed["queue"], _days(changed)])["offered"].sum()
    assert per_day.to_dict() == pytest.approx(base.groupby([base["queue"], days])["offered"].sum().to_dict())
    tuesday = days.map(lambda d: d.weekday() == 1)
    pd.testing.assert_frame_equal(changed[tuesday], base[tuesday])


def test_a_day_closed_entirely_loses_its_contacts():
    changed = apply_changes(FORECAST, SITE, scenario('[opening_hours]\ntue = "closed"\n'))
    tuesday = _days(FORECAST).map(lambda d: d.weekday() == 1)
    assert (changed.loc[tuesday, "offered"] == 0).all()
    plan = capacity_plan(FORECAST, SITE, PAIR, scenario('[opening_hours]\ntue = "closed"\n'))
    assert list(plan.weeks["required_fte"]) == [1.0] * 8


def test_only_the_plan_is_kept():
    changed = apply_changes(forecast(weeks=8), SITE, scenario(weeks=2))
    assert set(_days(changed)) == {week(0), week(0) + dt.timedelta(days=1), week(1), week(1) + dt.timedelta(days=1)}


def test_the_forecast_must_cover_every_open_day_of_the_plan():
    with pytest.raises(ValueError) as caught:
        capacity_plan(forecast(weeks=7), SITE, PAIR, scenario())
    assert str(caught.value) == (
        "scenario 'Test': the forecast has no intervals on 2 open day(s) of the plan (2027-01-04 to 2027-02-28), "
        "first 2027-02-22, last 2027-02-23; forecast those days or shorten [scenario] weeks")


# --- the people there are -----------------------------------------------------------------------------------------

def test_attrition_compounds_monthly():
    plan = capacity_plan(forecast(weeks=14), SITE, [ANN, BO], scenario(
        '[staffing]\nattrition_per_month = 0.1\n', weeks=14)).weeks
    # 60 contract hours a week, 90 % of them left after each month (52 / 12 weeks)
    expected = [60 * 0.9 ** (i * 12 / 52) / 40 for i in range(14)]
    assert plan["staff_fte"].tolist() == pytest.approx(expected)
    assert plan["staff_fte"].iloc[13] == pytest.approx(1.5 * 0.729)  # week 13 is 3 months in
    assert plan["paid_hours"].tolist() == pytest.approx([60 * 0.9 ** (i * 12 / 52) for i in range(14)])


def test_a_group_ramps_up_and_temps_leave_with_until():
    plan = capacity_plan(FORECAST, SITE, [ANN, BO], scenario(
        '[[staff]]\nname = "temps"\ncount = 2\nweekly_hours = 30\nfrom = 2027-01-13\nuntil = 2027-02-17\n'
        'ramp = [{weeks = 2, productivity = 0.0}, {weeks = 2, productivity = 0.5}]\n')).weeks
    # From Wednesday of week 1 to Wednesday of week 6: 0 % in weeks 1-2, 50 % in 3-4, full in 5-6, gone in 7.
    temps = [0, 0, 0, 0.5 * 60, 0.5 * 60, 60, 60, 0]
    assert plan["staff_fte"].tolist() == pytest.approx([(60 + t) / 40 for t in temps])
    # They are paid while they train.
    assert plan["paid_hours"].tolist() == pytest.approx([60 + p for p in (0, 60, 60, 60, 60, 60, 60, 0)])


def test_groups_of_one_name_both_count():
    # The file format refuses this; a scenario built in code must not lose a group either.
    two = scenario('[[staff]]\nname = "a"\ncount = 1\nfrom = 2027-01-04\n'
                   '[[staff]]\nname = "b"\ncount = 2\nfrom = 2027-01-04\n')
    same = dataclasses.replace(two, staff=tuple(dataclasses.replace(g, name="temps") for g in two.staff))
    plan = capacity_plan(FORECAST, SITE, [ANN, BO], same)
    assert list(plan.weeks["staff_fte"]) == [(60 + 120) / 40] * 8 and len(plan.hires) == 2


def test_overtime_only_as_much_as_needed_and_capped():
    # 80 hours needed, 60 under contract: 20 short.
    capped = capacity_plan(FORECAST, SITE, [ANN, BO], scenario('[staffing]\novertime_share = 0.1\n')).weeks
    assert list(capped["overtime_hours"]) == pytest.approx([6.0] * 8)  # 10 % of 60 contract hours
    assert list(capped["staff_fte"]) == [1.5] * 8
    assert list(capped["available_fte"]) == pytest.approx([66 / 40] * 8)
    assert list(capped["gap_fte"]) == pytest.approx([14 / 40] * 8)
    assert list(capped["paid_hours"]) == pytest.approx([66.0] * 8)
    enough = capacity_plan(FORECAST, SITE, [ANN, BO], scenario('[staffing]\novertime_share = 0.5\n')).weeks
    assert list(enough["overtime_hours"]) == pytest.approx([20.0] * 8)  # not the 30 allowed
    assert list(enough["available_fte"]) == pytest.approx([2.0] * 8) and list(enough["gap_fte"]) == [0.0] * 8
    spare = capacity_plan(FORECAST, SITE, PAIR + [BO], scenario('[staffing]\novertime_share = 0.5\n')).weeks
    assert list(spare["overtime_hours"]) == [0.0] * 8 and list(spare["available_fte"]) == [2.5] * 8


def test_cost_per_week_by_hand():
    plan = capacity_plan(FORECAST, SITE, [ANN, BO], scenario(
        '[[staff]]\nname = "temps"\ncount = 2\nweekly_hours = 30\nmonthly_pay_eur = 2400\nfrom = 2027-01-11\n'
        '[[staff]]\nname = "hire"\ncount = 1\nfrom = 2027-01-18\n'
        '[staffing]\novertime_share = 0.1\novertime_premium = 1.5\n')).weeks

    def hourly(monthly: float) -> float:
        return monthly / (40 * 52 / 12)

    ann_bo = hourly(3000) * 40 + hourly(2550) * 20  # Bo: middle of the lowest band, (2300 + 2800) / 2
    overtime = 6 * (hourly(3000) + hourly(2550)) / 2 * 1.5  # week 0 only: 80 needed, 60 there
    temps = 2 * 30 * hourly(2400)
    hire = 40 * hourly(2550)
    assert list(plan["overtime_hours"]) == pytest.approx([6.0] + [0.0] * 7)
    assert plan["cost_eur"].tolist() == pytest.approx(
        [(ann_bo + overtime) * 1.2, (ann_bo + temps) * 1.2] + [(ann_bo + temps + hire) * 1.2] * 6)
    assert plan["cost_eur"].iloc[0] == pytest.approx((692.3077 + 294.2308 + 6 * 16.0096 * 1.5) * 1.2, abs=1e-3)


# --- hire advice -------------------------------------------------------------------------------------------------

PEAK = '[[volume]]\nqueue = "billing"\nfrom = 2027-02-08\nto = 2027-02-28\npercent = 100\n'  # from week 5
RAMP = 'ramp = [{weeks = 2, productivity = 0.0}, {weeks = 2, productivity = 0.5}]\n'  # 4 weeks to full
LATE = f'[[staff]]\nname = "late"\ncount = 1\nfrom = 2027-01-25\n{RAMP}'  # week 3: full in week 7
TIMELY = f'[[staff]]\nname = "timely"\ncount = 1\nfrom = 2027-01-13\n{RAMP}'  # Wednesday of week 1: full in week 5


def test_the_peak_makes_a_gap_from_week_5():
    plan = capacity_plan(FORECAST, SITE, PAIR, scenario(PEAK))
    # 120 billing contacts an hour need 11 agents: (11 + 3) x 8 h = 112 h against the 80 there are
    assert list(plan.weeks["required_fte"]) == [2.0] * 5 + [2.8] * 3
    assert plan.first_short_week == week(5) and plan.extra_fte_needed == pytest.approx(0.8)
    assert hires_to_close(plan) == 1
    assert plan.latest_start_full_time == week(5)  # no groups, so no ramp: a hire is full from the first day


def test_a_hire_starting_too_late_is_flagged_with_the_latest_start():
    plan = capacity_plan(FORECAST, SITE, PAIR, scenario(PEAK + LATE))
    (late,) = plan.hires
    assert (late.name, late.count, late.start) == ("late", 1, dt.date(2027, 1, 25))
    assert (late.needed_from, late.latest_start, late.too_late, late.needed) == (week(5), week(1), True, True)
    # Half productive in weeks 5-6: 100 of 112 hours.
    assert list(plan.weeks["gap_fte"]) == pytest.approx([0.0] * 5 + [0.3, 0.3, 0.0])
    assert plan.first_short_week == week(5) and plan.latest_start_full_time == week(1)


def test_a_timely_hire_is_not_flagged():
    plan = capacity_plan(FORECAST, SITE, PAIR, scenario(PEAK + TIMELY))
    (timely,) = plan.hires
    assert (timely.needed_from, timely.latest_start, timely.too_late) == (week(5), week(1), False)
    assert list(plan.weeks["gap_fte"]) == [0.0] * 8
    assert (plan.first_short_week, plan.latest_start_full_time, plan.extra_fte_needed) == (None, None, 0.0)


def test_a_group_the_plan_does_not_need_is_not_advised():
    plan = capacity_plan(FORECAST, SITE, PAIR, scenario(PEAK + TIMELY + LATE))
    timely, late = plan.hires
    assert (timely.needed_from, timely.too_late) == (week(5), False)  # the late group alone is short in 5-6
    assert (late.needed_from, late.latest_start, late.too_late, late.needed) == (None, None, False, False)


def test_temps_gone_before_the_gap_are_not_needed_for_it():
    plan = capacity_plan(FORECAST, SITE, PAIR, scenario(
        PEAK + '[[staff]]\nname = "temps"\ncount = 3\nfrom = 2027-01-04\nuntil = 2027-01-31\n'))
    assert plan.hires[0].needed is False and plan.first_short_week == week(5)


def test_the_latest_start_for_extra_hires_uses_the_staffing_ramp():
    plan = capacity_plan(FORECAST, SITE, PAIR, scenario(
        PEAK + LATE + '[staffing]\nramp = [{weeks = 1, productivity = 0.5}]\n'))
    assert plan.latest_start_full_time == week(4)


# --- answers a page can show -------------------------------------------------------------------------------------

def test_an_overloaded_week_has_no_asa_but_says_why():
    plan = capacity_plan(FORECAST, SITE, [_agent("solo", 10)], scenario(weeks=2))
    assert plan.weeks["asa_s"].isna().all() and plan.weeks["asa_unbounded"].all()
    assert (plan.weeks["service_level"] < 0.8).all()
    records = plan.week_records()
    json.dumps(records, allow_nan=False)
    assert records[0]["week_start"] == "2027-01-04" and records[0]["asa_s"] is None
    assert records[0]["asa_unbounded"] is True and records[0]["required_fte"] == 2.0
    staffed = capacity_plan(FORECAST, SITE, PAIR, scenario(weeks=1)).week_records()
    assert staffed[0]["asa_unbounded"] is False and 0 < staffed[0]["asa_s"] < 20


def test_peak_picks_the_weeks():
    plan = capacity_plan(FORECAST, SITE, PAIR, scenario(PEAK))
    assert list(plan.peak([week(5), week(6)])["required_fte"]) == [2.8, 2.8]


@settings(max_examples=20, deadline=None)
@given(st.floats(0, 300), st.floats(0, 300))
def test_more_volume_never_needs_fewer_people_and_other_weeks_stay(a: float, b: float):
    low, high = sorted((a, b))
    plans = [capacity_plan(FORECAST, SITE, PAIR, scenario(
        f'[[volume]]\nqueue = "billing"\nfrom = 2027-01-18\nto = 2027-01-31\npercent = {p!r}\n')).weeks
        for p in (low, high)]
    base = capacity_plan(FORECAST, SITE, PAIR, scenario()).weeks
    assert (plans[1]["required_fte"] >= plans[0]["required_fte"]).all()
    outside = ~base["week_start"].isin([week(2), week(3)])
    for plan in plans:
        pd.testing.assert_frame_equal(plan[outside], base[outside])


def test_a_short_weeks_email_backlog_does_not_sink_the_weeks_after_it():
    with_email = parse_site(SITE_TEXT_WITH_EMAIL)
    rows = []
    for day in open_days(with_email, START, START + dt.timedelta(weeks=2, days=-1)):
        for start in open_intervals(with_email, day):
            rows += [("email", start, 20.0, 300.0)]
    requirements = staff(pd.DataFrame(rows, columns=["queue", "interval_start", "offered", "aht_s"]), with_email)
    week_of = np.array([(t.tz_convert("Europe/Berlin").date() - START).days // 7
                        for t in requirements["interval_start"]])
    # Week 0 has half the agents it needs, week 1 exactly what it needs: week 1 reads as if week 0 had been fine.
    halved = _projected_weeks(requirements, with_email, np.where(week_of == 0, 0.5, 1.0), week_of)
    full = _projected_weeks(requirements, with_email, np.ones(len(week_of)), week_of)
    assert halved["service_level"].iloc[0] < full["service_level"].iloc[0]
    assert halved["service_level"].iloc[1] == full["service_level"].iloc[1]


# The tiny site with an e-mail queue (4 business hours to answer) instead of the technical phone queue.
SITE_TEXT_WITH_EMAIL = SITE_TEXT.replace("""[queues.technical]
channel = "phone"
service_level = 0.8
answer_within_s = 20""", """[queues.email]
channel = "email"
service_level = 0.9
answer_within_hours = 4""")
