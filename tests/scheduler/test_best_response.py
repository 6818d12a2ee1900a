"""One agent's best legal week (shift patterns + a DP over the days) on hand-checkable arrays.

Slots are hours (unit_minutes=60) so that the §4 thresholds are reached with a handful of slots: more than
6 slots of work need `break_over_6h` break slots. Days sit far apart in time unless a test is about rest.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.best_response import DayInput, DayPlan, WeekRules, best_week

DAY_MINUTES = 3 * 24 * 60  # days three days apart: §5 rest never matters unless a test says so
RULES = WeekRules(unit_minutes=60, min_work=2, max_work=8, break_over_6h=1, break_over_9h=2, before_break=1,
                  after_break=1, max_run=6, rest_minutes=660, max_days=7, need_two_days_off_in_a_row=False,
                  low=0, high=100, average_per_day=100, short_cost=0.0, preferred=None, preference_cost=0.0,
                  day_off_wish_cost=0.0)


def rules(**changes) -> WeekRules:
    return dataclasses.replace(RULES, **changes)


def day(values, index: int = 0, *, blocked=(), closed_before=(), off_grid=(), early=(), late=(), span=None,
        wished_off: bool = False, first_minute: int | None = None) -> DayInput:
    """A day of len(values) one-hour slots; `closed_before` lists slots that follow a closure, the other index
    lists name slots that are blocked, off the start grid, early or late."""
    n = len(values)
    start = index * DAY_MINUTES if first_minute is None else first_minute
    return DayInput(
        minute=np.array([start + 60 * i for i in range(n)], dtype=np.int64),
        contiguous=np.array([i > 0 and i not in closed_before for i in range(n)], dtype=bool),
        on_grid=np.array([i not in off_grid for i in range(n)], dtype=bool),
        blocked=np.array([i in blocked for i in range(n)], dtype=bool),
        work_value=np.array(values, dtype=float),
        span_value=np.zeros(n) if span is None else np.array(span, dtype=float),
        early=np.array([i in early for i in range(n)], dtype=bool),
        late=np.array([i in late for i in range(n)], dtype=bool),
        wished_off=wished_off)


def worked(plan: DayPlan) -> int:
    return plan.end - plan.start - plan.break_len


# --- one day: where the shift and its break go -------------------------------------------------------------

def test_the_shift_covers_the_slots_of_highest_value():
    assert best_week([day([-1, -1, 5, 5, 5, -1, -1, -1])], RULES) == (15.0, [DayPlan(2, 5, 2, 0)])


def test_a_blocked_slot_is_never_worked():
    # Slots 0-2 or 4-7 around the blocked slot 3: the longer run wins.
    assert best_week([day([5] * 8, blocked={3})], RULES) == (20.0, [DayPlan(4, 8, 4, 0)])


def test_a_shift_never_spans_a_closure():
    # Open 0-3 and 4-7: one 4-slot shift (20), not the 8 slots of value 40 across the closure.
    assert best_week([day([5] * 8, closed_before={4})], RULES) == (20.0, [DayPlan(0, 4, 0, 0)])


def test_a_shift_starts_only_on_the_grid():
    # Slots 1-2 (value 10) would be best, but slot 1 is off the grid: slots 0-2 give 8.
    values = [-2, 5, 5, -9, -9, -9, -9, -9]
    assert best_week([day(values, off_grid={1, 3, 5, 7})], RULES) == (8.0, [DayPlan(0, 3, 0, 0)])


def test_a_long_shift_has_its_break_where_the_work_is_worth_least():
    # 7 slots of work need a 1-slot break: 8 slots, the break on slot 4 (value 1): 71 - 1 = 70.
    assert best_week([day([10, 10, 10, 10, 1, 10, 10, 10])], RULES) == (70.0, [DayPlan(0, 8, 4, 1)])


def test_the_break_keeps_off_the_first_and_last_slots_of_the_shift():
    # Slots 1 and 6 are cheapest, but two slots of work must come before and after the break: it takes slot 4.
    values = [10, 1, 10, 10, 5, 10, 1, 10]
    found = best_week([day(values)], rules(before_break=2, after_break=2))
    assert found == (57.0 - 5.0, [DayPlan(0, 8, 4, 1)])


def test_the_break_keeps_both_runs_of_work_within_max_run():
    # max_run 4: 7 slots of work split 3+4 or 4+3, so the break is on slot 3 or 4 although slot 1 is free.
    values = [10, 0, 10, 10, 9, 10, 10, 10]
    assert best_week([day(values)], rules(max_run=4)) == (69.0 - 9.0, [DayPlan(0, 8, 4, 1)])


def test_a_shift_with_more_work_than_max_run_and_no_break_is_not_a_pattern():
    # 6 slots of work need no break, but max_run 4 forbids them in a row: the best is 4 slots.
    assert best_week([day([5] * 6)], rules(max_run=4)) == (20.0, [DayPlan(0, 4, 0, 0)])


# --- the week ----------------------------------------------------------------------------------------------

def test_no_more_days_are_worked_than_max_days():
    week = [day([3] * 4, 0), day([5] * 4, 1), day([4] * 4, 2)]
    plan = [None, DayPlan(0, 4, 0, 0), DayPlan(0, 4, 0, 0)]
    assert best_week(week, rules(max_days=2)) == (36.0, plan)


def test_the_contract_low_is_reached_when_possible_although_the_work_is_worth_nothing():
    # Working costs 1 a slot, each slot short of low=3 costs 100: exactly 3 slots.
    assert best_week([day([-1] * 6)], rules(low=3, short_cost=100.0)) == (-3.0, [DayPlan(0, 3, 0, 0)])


def test_the_contract_high_is_never_exceeded():
    assert best_week([day([5] * 8)], rules(high=3)) == (15.0, [DayPlan(0, 3, 0, 0)])


def test_the_week_keeps_the_eight_hour_average_over_the_days_worked():
    # At most 4 slots per worked day on average: 6 on the better day and 2 on the other (36 + 10).
    week = [day([6] * 6, 0), day([5] * 6, 1)]
    assert best_week(week, rules(max_work=6, average_per_day=4)) == (46.0, [DayPlan(0, 6, 0, 0), DayPlan(0, 2, 0, 0)])


def test_two_days_off_in_a_row_when_the_site_asks_for_them():
    # Days worth 10, 1, 9, 2 per slot, two days at most: days 0 and 2 (57) would leave no pair off; days 0 and 3
    # (36) leave days 1 and 2 off together.
    week = [day([v] * 3, i) for i, v in enumerate((10, 1, 9, 2))]
    found = best_week(week, rules(min_work=3, max_work=3, max_days=2, need_two_days_off_in_a_row=True))
    assert found == (36.0, [DayPlan(0, 3, 0, 0), None, None, DayPlan(0, 3, 0, 0)])


def test_days_in_a_row_count_the_run_before_the_week():
    # Five days worked before the week and at most six in a row: one working day, then a day off (the second
    # day, worth least), then the rest.
    week = [day([5] * 4, 0), day([4] * 4, 1), day([5] * 4, 2), day([5] * 4, 3)]
    shift = DayPlan(0, 4, 0, 0)
    assert best_week(week, rules(max_consecutive_days=6, run_before=5)) == (60.0, [shift, None, shift, shift])
    assert best_week(week, rules(max_consecutive_days=5, run_before=5)) == (56.0, [None, shift, shift, shift])
    assert best_week(week, rules(max_consecutive_days=99, run_before=5)) == (76.0, [shift] * 4)


def test_days_in_a_row_count_the_run_after_the_week():
    # Three days worked right after the week and at most four in a row: the week ends with at most one.
    week = [day([5] * 4, 0), day([6] * 4, 1), day([7] * 4, 2)]
    shift = DayPlan(0, 4, 0, 0)
    assert best_week(week, rules(max_consecutive_days=4, run_after=3)) == (48.0, [shift, None, shift])


def test_the_next_day_starts_late_enough_for_eleven_hours_rest():
    # Day 0 runs 10:00-16:00 and its best shift ends at 16:00; day 1 runs 00:00-06:00 the next day, so its
    # shift may start at 03:00 at the earliest (16:00 + 11 h).
    week = [day([1, 1, 1, 1, 6, 6], first_minute=600), day([5, 5, 1, 1, 1, 1], first_minute=1440)]
    found = best_week(week, rules(max_work=2))
    assert found == (14.0, [DayPlan(4, 6, 4, 0), DayPlan(3, 5, 3, 0)])


def test_a_preferred_early_shift_wins_over_a_slightly_more_valuable_late_one():
    values = [1, 1, 1, 1, 1, 1, 2, 2]
    found = best_week([day(values, early={0, 1})], rules(max_work=2, preferred="early", preference_cost=10.0))
    assert found == (2.0, [DayPlan(0, 2, 0, 0)])


def test_a_preferred_late_shift_is_one_that_touches_a_late_slot():
    values = [2, 2, 1, 1, 1, 1, 1, 1]
    found = best_week([day(values, late={7})], rules(max_work=2, preferred="late", preference_cost=10.0))
    assert found == (2.0, [DayPlan(6, 8, 6, 0)])


def test_a_day_off_wish_moves_the_work_to_another_day():
    # Day 0 is worth 10 but wished off (cost 3): day 1's 8 beats 7.
    week = [day([5] * 2, 0, wished_off=True), day([4] * 2, 1)]
    found = best_week(week, rules(max_work=2, max_days=1, day_off_wish_cost=3.0))
    assert found == (8.0, [None, DayPlan(0, 2, 0, 0)])


def test_span_value_counts_the_break_slots_too():
    # Keeping a published shift is worth 1 per slot of the shift, break included: 7 slots of work + 8 of span.
    found = best_week([day([1] * 8, span=[1] * 8)], rules(min_work=7, max_work=7))
    assert found == (7.0 + 8.0, [DayPlan(0, 8, 1, 1)])


def test_a_week_nothing_can_be_worked_in_is_all_off_at_the_cost_of_the_shortfall():
    assert best_week([day([5] * 6, blocked=set(range(6)))], rules(low=3, short_cost=100.0)) == (-300.0, [None])


@pytest.mark.xfail(strict=True, reason="best_week lays out the DP's lengths greedily and returns None when rest "
                   "cannot be kept, although an all-off week (or another layout) is always legal")
def test_a_week_whose_best_lengths_break_the_rest_still_gets_a_legal_plan():
    # Day 0 10:00-16:00, best 14:00-16:00; day 1 00:00-06:00 next day, workable only 00:00-02:00. The DP picks
    # both days; laid out, day 1 must start at 03:00 and cannot. Legal: 10:00-12:00 and 00:00-02:00 (2 + 18).
    week = [day([1, 1, 1, 1, 6, 6], first_minute=600),
            day([9, 9, 0, 0, 0, 0], first_minute=1440, blocked={2, 3, 4, 5})]
    assert best_week(week, rules(min_work=2, max_work=2)) == (20.0, [DayPlan(0, 2, 0, 0), DayPlan(0, 2, 0, 0)])


@pytest.mark.xfail(strict=True, reason="the greedy layout keeps day 0's best shift and pushes day 1 later; the "
                   "best legal week ends day 0 earlier instead")
def test_the_rest_is_kept_by_the_layout_worth_most():
    # Greedy: 14:00-16:00 (12) then 03:00-05:00 (2) = 14. Best: 10:00-12:00 (2) then 00:00-02:00 (18) = 20.
    week = [day([1, 1, 1, 1, 6, 6], first_minute=600), day([9, 9, 1, 1, 1, 1], first_minute=1440)]
    assert best_week(week, rules(max_work=2)) == (20.0, [DayPlan(0, 2, 0, 0), DayPlan(0, 2, 0, 0)])


# --- property: legal and as good as a brute force over the same pattern family --------------------------------

def _break_len(work: int, r: WeekRules) -> int:
    hours = work * r.unit_minutes
    return r.break_over_9h if hours > 9 * 60 else r.break_over_6h if hours > 6 * 60 else 0


def _patterns(d: DayInput, r: WeekRules) -> list[tuple[int, int, int, float]]:
    """Every (work, start minute, end minute, value) of one contiguous shift with the minimal break as one block
    at its best legal offset."""
    n, found = len(d.minute), []
    for work in range(r.min_work, r.max_work + 1):
        brk = _break_len(work, r)
        span = work + brk
        if brk == 0 and work > r.max_run:
            continue
        for start in range(n - span + 1):
            end = start + span
            if not d.on_grid[start] or d.blocked[start:end].any() or not d.contiguous[start + 1:end].all():
                continue
            offsets = [o for o in range(r.before_break, span - brk - r.after_break + 1)
                       if o <= r.max_run and span - brk - o <= r.max_run] if brk else [0]
            if not offsets:
                continue
            base = float(d.work_value[start:end].sum() + d.span_value[start:end].sum())
            value = base - min(float(d.work_value[start + o:start + o + brk].sum()) for o in offsets)
            marks = d.early if r.preferred == "early" else d.late if r.preferred == "late" else None
            if marks is not None and not marks[start:end].any():
                value -= r.preference_cost
            if d.wished_off:
                value -= r.day_off_wish_cost
            found.append((work, int(d.minute[start]), int(d.minute[end - 1]) + r.unit_minutes, value))
    return found


def _brute_force(days: list[DayInput], r: WeekRules) -> float:
    best = -np.inf
    for combo in itertools.product(*[[None, *_patterns(d, r)] for d in days]):
        shifts = [c for c in combo if c is not None]
        total = sum(c[0] for c in shifts)
        if len(shifts) > r.max_days or total > r.high or total > r.average_per_day * len(shifts):
            continue
        if r.need_two_days_off_in_a_row and not any(a is None and b is None for a, b in itertools.pairwise(combo)):
            continue
        if any(b[1] - a[2] < r.rest_minutes for a, b in itertools.pairwise(shifts)):
            continue
        if not _runs_kept([c is not None for c in combo], r):
            continue
        best = max(best, sum(c[3] for c in shifts) - r.short_cost * max(r.low - total, 0))
    return best


def _runs_kept(worked: list[bool], r: WeekRules) -> bool:
    """No working day ends a run of more than max_consecutive_days, counting the days around the week."""
    run = r.run_before
    for on in worked:
        run = run + 1 if on else 0
        if on and run > r.max_consecutive_days:
            return False
    return run == 0 or run + r.run_after <= r.max_consecutive_days


def _assert_legal(days: list[DayInput], r: WeekRules, plan: list[DayPlan | None]) -> None:
    shifts = [(d, p) for d, p in zip(days, plan, strict=True) if p is not None]
    total = sum(worked(p) for _d, p in shifts)
    assert len(shifts) <= r.max_days and total <= r.high and total <= r.average_per_day * len(shifts)
    if r.need_two_days_off_in_a_row:
        assert any(a is None and b is None for a, b in itertools.pairwise(plan))
    assert _runs_kept([p is not None for p in plan], r)
    for d, p in shifts:
        work = worked(p)
        assert r.min_work <= work <= r.max_work and p.break_len == _break_len(work, r)
        assert d.on_grid[p.start] and not d.blocked[p.start:p.end].any() and d.contiguous[p.start + 1:p.end].all()
        before, after = p.break_start - p.start, p.end - p.break_start - p.break_len
        if p.break_len:
            assert r.before_break <= before <= r.max_run and r.after_break <= after <= r.max_run
        else:
            assert work <= r.max_run
    for (d1, p1), (d2, p2) in itertools.pairwise(shifts):
        assert d2.minute[p2.start] - (d1.minute[p1.end - 1] + r.unit_minutes) >= r.rest_minutes


@st.composite
def weeks(draw, rest_may_bind: bool):
    n_days = draw(st.integers(2, 3))
    days = []
    for k in range(n_days):
        n = draw(st.integers(6, 10))
        flags = st.lists(st.booleans(), min_size=n, max_size=n)
        first = k * 24 * 60 + draw(st.sampled_from((0, 180, 420, 600))) if rest_may_bind else k * DAY_MINUTES
        days.append(DayInput(
            minute=np.array([first + 60 * i for i in range(n)], dtype=np.int64),
            contiguous=np.array(draw(st.lists(st.sampled_from((True, True, True, False)), min_size=n, max_size=n))),
            on_grid=np.array(draw(st.lists(st.sampled_from((True, True, True, False)), min_size=n, max_size=n))),
            blocked=np.array(draw(st.lists(st.sampled_from((False,) * 5 + (True,)), min_size=n, max_size=n))),
            work_value=np.array(draw(st.lists(st.integers(-3, 9), min_size=n, max_size=n)), dtype=float),
            span_value=np.array(draw(st.lists(st.integers(-2, 2), min_size=n, max_size=n)), dtype=float),
            early=np.array(draw(flags)), late=np.array(draw(flags)), wished_off=draw(st.booleans())))
    min_work = draw(st.integers(1, 3))
    b6 = draw(st.integers(1, 2))
    low = draw(st.integers(0, 12))
    r = WeekRules(
        unit_minutes=60, min_work=min_work, max_work=draw(st.integers(min_work, 9)), break_over_6h=b6,
        break_over_9h=draw(st.integers(b6, 3)), before_break=draw(st.integers(0, 2)),
        after_break=draw(st.integers(0, 2)), max_run=draw(st.integers(3, 7)), rest_minutes=660,
        max_days=draw(st.integers(1, 3)), low=low,
        need_two_days_off_in_a_row=draw(st.sampled_from((False, False, False, True))),
        high=draw(st.integers(low, 20)), average_per_day=draw(st.integers(2, 9)),
        short_cost=float(draw(st.sampled_from((0, 7, 1000)))), preferred=draw(st.sampled_from((None, "early", "late"))),
        preference_cost=float(draw(st.integers(0, 5))), day_off_wish_cost=float(draw(st.integers(0, 5))),
        max_consecutive_days=draw(st.sampled_from((99, 99, 1, 2, 3))), run_before=draw(st.integers(0, 3)),
        run_after=draw(st.integers(0, 3)))
    return days, r


@settings(max_examples=60, deadline=None)
@given(weeks(rest_may_bind=False))
def test_the_best_week_is_legal_and_as_good_as_the_brute_force_over_its_patterns(case):
    days, r = case
    found = best_week(days, r)
    assert found is not None
    value, plan = found
    _assert_legal(days, r, plan)
    assert value == _brute_force(days, r)


@settings(max_examples=60, deadline=None)
@given(weeks(rest_may_bind=True))
def test_a_week_under_binding_rest_is_legal_and_never_claims_more_than_the_brute_force(case):
    days, r = case
    found = best_week(days, r)
    if found is None:  # see the xfail above: the layout may give up where rest binds
        return
    value, plan = found
    _assert_legal(days, r, plan)
    assert value <= _brute_force(days, r)
