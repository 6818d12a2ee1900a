"""One agent's best legal week against what the others leave uncovered: shift patterns per day, then a dynamic
program over the week (days worked, hours) — exact for the patterns it knows, in milliseconds with numpy.

A pattern is a start on the grid, a work length, and the minimal §4 break as one block placed where it costs
least within the legal window (not in the first or last hour, never more than 6 h of work on either side).
The week's program keeps the limits on days, the contract's hours (short hours cost so much that they are
avoided whenever possible), §3's 8 h average, two consecutive days off where the site asks for them, the days
worked in a row (with those right before and after the week), and §5's rest between days (checked when the
week is laid out; days are laid out in order with later starts if needed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NEG = -1e18


@dataclass(frozen=True)
class DayInput:
    """One open day of the agent's week. Arrays have one entry per open slot of the day."""

    minute: np.ndarray        # int64: slot start in minutes since the epoch (UTC), for rest between days
    contiguous: np.ndarray    # bool: slot i directly follows slot i-1 (False after a closure)
    on_grid: np.ndarray       # bool: a shift may start here
    blocked: np.ndarray       # bool: the agent cannot work here (leave, availability, rest)
    work_value: np.ndarray    # float: value of working this slot (coverage gained, pay spent)
    span_value: np.ndarray    # float: value of being in a shift at this slot (e.g. keeping a published roster)
    early: np.ndarray         # bool: working this slot makes the shift an early one
    late: np.ndarray          # bool: working this slot makes the shift a late one
    wished_off: bool


@dataclass(frozen=True)
class WeekRules:
    """The limits of one agent's week, in slots (intervals)."""

    unit_minutes: int
    min_work: int
    max_work: int
    break_over_6h: int          # break slots for more than 6 h of work
    break_over_9h: int          # ... and for more than 9 h
    before_break: int           # work slots before a break at least
    after_break: int            # ... and after it
    max_run: int                # work slots in a row at most
    rest_minutes: int
    max_days: int
    need_two_days_off_in_a_row: bool
    low: int                    # contract lower bound (slots); every slot short costs `short_cost`
    high: int                   # contract upper bound (slots)
    average_per_day: int        # §3: total work <= this × days worked
    short_cost: float
    preferred: str | None       # "early" | "late"
    preference_cost: float
    day_off_wish_cost: float
    max_consecutive_days: int = 99  # days worked in a row at most, counting the days around the week
    run_before: int = 0             # days worked in a row right before the week
    run_after: int = 0              # ... and right after it


@dataclass(frozen=True)
class DayPlan:
    """A chosen shift: slot indices [start, end) with a break [break_start, break_start + break_len)."""

    start: int
    end: int
    break_start: int
    break_len: int


def best_week(days: list[DayInput], rules: WeekRules) -> tuple[float, list[DayPlan | None]]:
    """The most valuable legal week found (value, plan per day). Exact over the patterns unless §5's rest
    between two days binds (only where a site is open longer than 13 h): then the later day moves, shortens
    or is dropped, and the DP tries again without the lengths that broke it. The week off is always legal."""
    options = [_day_options(day, rules) for day in days]
    best: tuple[float, list[DayPlan | None]] = (-rules.short_cost * rules.low, [None] * len(days))
    for _attempt in range(3):
        chosen = _dynamic_program(options, days, rules)
        if chosen is None:
            break
        plan, exact = _lay_out(chosen, days, rules, options)
        work = sum(p.end - p.start - p.break_len for p in plan if p)
        worked = sum(1 for p in plan if p)
        if work <= rules.average_per_day * worked:
            value = sum(_plan_value(day, p, rules) for day, p in zip(days, plan, strict=True))
            value -= rules.short_cost * max(rules.low - work, 0)
            if value > best[0]:
                best = (value, plan)
        if exact:
            break
        options = [_drop_shortest(o) for o in options]
    return best


def _break_slots(work: int, rules: WeekRules) -> int:
    if work * rules.unit_minutes > 9 * 60:
        return rules.break_over_9h
    if work * rules.unit_minutes > 6 * 60:
        return rules.break_over_6h
    return 0


def _day_options(day: DayInput, rules: WeekRules,
                 earliest_minute: int | None = None) -> dict[int, tuple[float, DayPlan]]:
    """For each work length, the best pattern of the day: length -> (value, plan)."""
    n = len(day.minute)
    best: dict[int, tuple[float, DayPlan]] = {}
    if n == 0:
        return {}
    work_sum = np.concatenate([[0.0], np.cumsum(day.work_value)])
    span_sum = np.concatenate([[0.0], np.cumsum(day.span_value)])
    bad = np.concatenate([[0], np.cumsum(day.blocked.astype(np.int64))])
    gaps = np.concatenate([[0], np.cumsum((~day.contiguous).astype(np.int64))])
    early = np.concatenate([[0], np.cumsum(day.early.astype(np.int64))])
    late = np.concatenate([[0], np.cumsum(day.late.astype(np.int64))])
    for work in range(rules.min_work, rules.max_work + 1):
        brk = _break_slots(work, rules)
        span = work + brk
        if span > n:
            break
        if brk == 0 and work > rules.max_run:
            continue
        starts = np.arange(0, n - span + 1)
        ok = day.on_grid[starts] & (bad[starts + span] - bad[starts] == 0)
        ok &= gaps[starts + span] - gaps[starts + 1] == 0  # no closure inside the shift
        if earliest_minute is not None:
            ok &= day.minute[starts] >= earliest_minute
        if not ok.any():
            continue
        value = work_sum[starts + span] - work_sum[starts] + span_sum[starts + span] - span_sum[starts]
        offsets = np.zeros(1, dtype=np.int64)
        if brk:
            low = max(rules.before_break, span - brk - rules.max_run)
            high = min(span - brk - rules.after_break, rules.max_run)
            if low > high:
                continue
            offsets = np.arange(low, high + 1)
            positions = starts[:, None] + offsets[None, :]
            cost = work_sum[positions + brk] - work_sum[positions]
            pick = np.argmin(cost, axis=1)
            value = value - cost[np.arange(len(starts)), pick]
            break_at = starts + offsets[pick]
        else:
            break_at = starts
        if rules.preferred in ("early", "late"):
            marks = early if rules.preferred == "early" else late
            missed = marks[starts + span] - marks[starts] == 0
            value = value - rules.preference_cost * missed
        if day.wished_off:
            value = value - rules.day_off_wish_cost
        value = np.where(ok, value, NEG)
        i = int(np.argmax(value))
        if value[i] > NEG / 2:
            best[work] = (float(value[i]), DayPlan(int(starts[i]), int(starts[i] + span), int(break_at[i]), brk))
    return best


def _drop_shortest(options: dict[int, tuple[float, DayPlan]]) -> dict[int, tuple[float, DayPlan]]:
    if len(options) <= 1:
        return options
    shortest = min(options)
    return {k: v for k, v in options.items() if k != shortest}


def _dynamic_program(options: list[dict[int, tuple[float, DayPlan]]], days: list[DayInput],
                     rules: WeekRules) -> list[int] | None:
    """Work length per day (0 = off) maximising the week's value within the weekly limits.

    States: (flag, run, days worked, work slots). The flag tracks two days off in a row where the site asks for
    them; the run (days worked in a row up to today, the days before the week included) is a state only where
    rules.max_consecutive_days can bind, so the usual week keeps one run state and stays as fast as before."""
    top = rules.high
    days_cap = min(rules.max_days, len(days))
    flags = 4 if rules.need_two_days_off_in_a_row else 1  # (previous day off, had two off in a row)
    limit = rules.max_consecutive_days
    runs = limit + 1 if _run_may_bind(rules, len(days)) else 1
    table = np.full((flags, runs, days_cap + 1, top + 1), NEG)
    table[0, min(rules.run_before, limit) if runs > 1 else 0, 0, 0] = 0.0
    run_index = np.arange(runs)[:, None, None]
    choices = []
    for opts in options:
        new = np.full_like(table, NEG)
        choice = np.full(table.shape, -1, dtype=np.int64)  # work length chosen to reach the state, 0 = off
        source = np.zeros(table.shape, dtype=np.int64)      # flag * runs + run it came from
        for flag in range(flags):
            prev_off, had_pair = divmod(flag, 2)
            # Off today: a second day off in a row completes the pair; the run starts again.
            target = (2 + int(had_pair or prev_off)) if flags == 4 else 0
            for run in range(runs):
                better = table[flag, run] > new[target, 0]
                new[target, 0] = np.where(better, table[flag, run], new[target, 0])
                choice[target, 0] = np.where(better, 0, choice[target, 0])
                source[target, 0] = np.where(better, flag * runs + run, source[target, 0])
            # Working today: the run grows by one (with one run state it stays 0: the limit cannot bind).
            target = had_pair if flags == 4 else 0
            grow = 1 if runs > 1 else 0
            for work, (value, _plan) in opts.items():
                if work > top:
                    continue
                moved = np.full((runs, days_cap + 1, top + 1), NEG)
                moved[grow:, 1:, work:] = table[flag, :runs - grow, :-1, :top + 1 - work] + value
                better = moved > new[target]
                new[target] = np.where(better, moved, new[target])
                choice[target] = np.where(better, work, choice[target])
                source[target] = np.where(better, flag * runs + run_index - grow, source[target])
        table = new
        choices.append((choice, source))
    worked = np.arange(days_cap + 1)[:, None]
    total = np.arange(top + 1)[None, :]
    final = table - rules.short_cost * np.maximum(rules.low - total, 0)
    final = np.where(total <= rules.average_per_day * worked, final, NEG)
    if runs > 1:
        # The run at the end goes on into the days worked right after the week.
        ends = np.arange(runs)
        final[:, (ends > 0) & (ends + rules.run_after > limit)] = NEG
    if flags == 4:
        final[0] = NEG  # never two days off in a row: only the flags with had_pair stay
        final[2] = NEG
    flat = int(np.argmax(final))
    if final.flat[flat] <= NEG / 2:
        return None
    flag, run, count, units = np.unravel_index(flat, final.shape)
    plan = []
    for choice, source in reversed(choices):
        work = int(choice[flag, run, count, units])
        plan.append(work)
        flag, run = divmod(int(source[flag, run, count, units]), runs)
        if work > 0:
            count, units = count - 1, units - work
    return list(reversed(plan))


def _run_may_bind(rules: WeekRules, n_days: int) -> bool:
    """Whether some legal week could work more than rules.max_consecutive_days in a row with the days around it:
    a run through the whole week joins both sides; with fewer days allowed than the week has, only one side."""
    if rules.max_days >= n_days:
        longest = rules.run_before + n_days + rules.run_after
    else:
        longest = max(rules.run_before, rules.run_after) + rules.max_days
    return longest > rules.max_consecutive_days


def _lay_out(lengths: list[int], days: list[DayInput], rules: WeekRules,
             options: list[dict[int, tuple[float, DayPlan]]]) -> tuple[list[DayPlan | None], bool]:
    """The chosen length per day as shifts; where §5's rest after the day before forbids the day's best
    pattern, a later start, else the best shorter shift, else the day off. Returns the plan and whether it
    kept every chosen length."""
    plan: list[DayPlan | None] = []
    last_end: int | None = None
    exact = True
    for day, work, day_options in zip(days, lengths, options, strict=True):
        if work == 0:
            plan.append(None)
            continue
        earliest = None if last_end is None else last_end + rules.rest_minutes
        option = day_options.get(work)
        if option is not None and earliest is not None and day.minute[option[1].start] < earliest:
            later = {k: v for k, v in _day_options(day, rules, earliest).items() if k <= work}
            option = later.get(work)
            if option is None:
                exact = False
                option = max(later.values(), key=lambda v: v[0], default=None)
        if option is None:
            plan.append(None)
            continue
        plan.append(option[1])
        last_end = int(day.minute[option[1].end - 1]) + rules.unit_minutes
    return plan, exact


def _plan_value(day: DayInput, plan: DayPlan | None, rules: WeekRules) -> float:
    if plan is None:
        return 0.0
    span = slice(plan.start, plan.end)
    pause = slice(plan.break_start, plan.break_start + plan.break_len)
    value = float(day.work_value[span].sum() - day.work_value[pause].sum() + day.span_value[span].sum())
    if rules.preferred == "early" and not day.early[span].any():
        value -= rules.preference_cost
    if rules.preferred == "late" and not day.late[span].any():
        value -= rules.preference_cost
    if day.wished_off:
        value -= rules.day_off_wish_cost
    return value

