"""Solving a roster: best responses per agent, ruin and recreate, then CP-SAT on small parts.

One CP-SAT model of a whole site and period is too big to search well (80 agents × a week is ~100,000
variables; 300 agents × 4 weeks would be millions). Each agent's rules only concern that agent, and agents
meet only in the coverage of the queues, so the search improves the roster one part at a time against what
everybody else leaves uncovered (the residual requirement, each interval's under-staffing cost taken from the
full requirement): an agent's best legal week by dynamic programming over shift patterns
(scheduler/best_response.py), a few agents taken out and put back one by one, and a few agents over one ISO
week solved exactly with the RosterModel (with the soft terms the patterns do not see). A part is accepted
only if it costs less than the agents' current shifts, so the roster improves monotonically and every roster
kept is legal.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import multiprocessing
import queue
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from scheduler.best_response import DayInput, WeekRules, best_week
from scheduler.checker import (
    EARLY_STARTS_BEFORE,
    FAIRNESS_MARGIN,
    LATE_ENDS_AFTER,
    SATURDAY,
    WEEKS_PER_WEEKEND_WINDOW,
)
from scheduler.domain import Agent
from scheduler.roster import BREAK, Roster, Shift
from scheduler.roster_bound import under_staffing_lower_bound
from scheduler.roster_model import (
    Problem,
    Progress,
    RosterModel,
    Solution,
    _blocked,
    _ends_late,
    _merge,
    _on_grid,
    _open_slots,
    _short_ranges,
    _weeks,
    contract_bounds,
    possible_work_units,
)

UTC = "UTC"
REPORT_EVERY_S = 1.0
BEST_RESPONSE_WORK = 0.01  # deterministic time charged per best response (about its cost in seconds)


@dataclass(frozen=True)
class SearchSettings:
    """How the search spends its time. `deterministic` makes a run repeatable for a seed (single worker,
    work measured in CP-SAT's deterministic time instead of wall-clock seconds)."""

    neighbourhood_size: int = 4       # agents per CP-SAT part
    part_seconds: float = 3.0         # time limit of one CP-SAT part
    best_response_share: float = 0.9  # this share of the time goes to best responses (rounds, then ruin and
    ruin_size: int = 6                # recreate of this many agents), the rest to CP-SAT parts
    deterministic: bool = False


@dataclass(frozen=True)
class _DayStatic:
    keys: list[pd.Timestamp]
    minute: np.ndarray
    contiguous: np.ndarray
    on_grid: np.ndarray
    early: np.ndarray
    late: np.ndarray


@dataclass
class _State:
    """The incumbent roster, by agent and week, and what it covers."""

    shifts: dict[tuple[str, int], tuple[Shift, ...]] = field(default_factory=dict)
    coverage: Counter = field(default_factory=Counter)  # (queue, UTC start) -> agents on the queue
    agent_costs: dict[tuple[str, int], int] = field(default_factory=dict)
    agent_lines: dict[tuple[str, int], tuple[str, ...]] = field(default_factory=dict)

    def put(self, agent_id: str, week: int, shifts: tuple[Shift, ...], step: pd.Timedelta) -> None:
        for shift in self.shifts.get((agent_id, week), ()):
            for key in _worked_keys(shift, step):
                self.coverage[key] -= 1
        self.shifts[(agent_id, week)] = shifts
        for shift in shifts:
            for key in _worked_keys(shift, step):
                self.coverage[key] += 1

    def roster(self) -> Roster:
        return Roster(tuple(s for shifts in self.shifts.values() for s in shifts))


class RosterSearch:
    """The search over one Problem; `run` returns the best roster found as a Solution."""

    def __init__(self, problem: Problem, settings: SearchSettings = SearchSettings(), seed: int = 0,
                 workers: int = 2, progress: Callable[[Progress], None] | None = None,
                 should_stop: Callable[[], bool] | None = None, best_bound: float | None = None):
        self.p, self.settings, self.seed, self.workers = problem, settings, seed, workers
        self.progress, self.should_stop = progress, should_stop
        self.best_bound = best_bound
        self.random = random.Random(seed)
        self.step = pd.Timedelta(minutes=problem.site.interval_minutes)
        self.weeks = [tuple(week) for week in _weeks(problem.days)]
        self.need = _need(problem.requirements)
        week_of_day = {day: w for w, week in enumerate(self.weeks) for day in week}
        self.week_keys: list[list[tuple[str, pd.Timestamp]]] = [[] for _ in self.weeks]
        for key in self.need:
            w = week_of_day.get(key[1].tz_convert(problem.site.timezone).date())
            if w is not None:
                self.week_keys[w].append(key)
        self.last_report = -math.inf
        self.under_weight = {key: problem.under_weight(key, need) for key, need in self.need.items()}
        pays = [a.monthly_pay_eur for a in problem.agents if a.monthly_pay_eur]
        self.mean_pay = problem.mean_pay_eur or (sum(pays) / len(pays) if pays else None)
        self.state = _State()
        self.queues = {q for q, _t in self.need}
        self._static: dict[dt.date, _DayStatic] = {}
        self._blocked_cache: dict[tuple, set[int]] = {}
        self._rules_cache: dict[tuple, WeekRules] = {}
        self._contract_low: dict[tuple[str, dt.date], int] = {}
        self.slots = {day: _open_slots(problem.site, day) for week in self.weeks
                      for day in _full_weeks(week)}
        self.largest_part: dict[str, int] = {"variables": 0, "constraints": 0}
        self.parts_solved = self.parts_improved = 0
        self.started = 0.0
        self.spent = 0.0  # seconds, or deterministic time units when deterministic
        self.budget = 0.0

    # --- the two phases ---------------------------------------------------------------------------------------

    def run(self, time_limit_s: float) -> Solution:
        self.started, self.budget = time.perf_counter(), time_limit_s
        self._start_from_published()
        self._book_all()
        share = time_limit_s * self.settings.best_response_share
        self._best_response_rounds(share)
        free_weeks = [w for w, days in enumerate(self.weeks) if not set(days) & self.p.fixed_days]
        while free_weeks and not self._stopped() and self._elapsed() < share:
            self._ruin_and_recreate()
        while not self._stopped() and self._left() > 0.3:
            week = self._pick_week()
            agents = self._neighbourhood(week)
            if agents:
                self._solve_part(agents, week, min(self.settings.part_seconds, self._left()), construct=False)
        self._report(final=True)
        return self._solution()

    def _best_response_rounds(self, budget: float) -> None:
        """Each agent in turn takes their best legal week against the others, until nobody can improve."""
        order = list(self.p.agents)
        while not self._stopped() and self._elapsed() < budget:
            self.random.shuffle(order)
            improved = 0
            for week in range(len(self.weeks)):
                if any(d in self.p.fixed_days for d in self.weeks[week]):
                    continue  # a week with fixed days is left to the CP-SAT parts
                for agent in order:
                    if self._stopped() or self._elapsed() >= budget:
                        return
                    improved += self._best_response(agent, week)
            if not improved:
                return

    def _ruin_and_recreate(self) -> None:
        """Take a few agents who could fill a gap out of a week, let them come back one by one with their
        best responses; keep the result only if the whole roster got better."""
        week = self._pick_week()
        if any(d in self.p.fixed_days for d in self.weeks[week]):
            return
        agents = self._neighbourhood(week, self.settings.ruin_size)
        # Only this week's coverage and these agents' costs of this week can change.
        before = self._week_cost(week, agents)
        saved = {a.agent_id: (self.state.shifts.get((a.agent_id, week), ()),
                              self.state.agent_costs.get((a.agent_id, week), 0),
                              self.state.agent_lines.get((a.agent_id, week), ())) for a in agents}
        week_days = [d for d in _full_weeks(self.weeks[week]) if d in self.weeks[week]]
        for agent in agents:
            self.state.put(agent.agent_id, week, (), self.step)
            self._book(agent, week, None, self._rules_for(agent, week), week_days)
        self.random.shuffle(agents)
        for agent in agents + agents:
            self._best_response(agent, week, report=False)
        self.parts_solved += 1
        if self._week_cost(week, agents) < before:
            self._report()
            return
        for agent_id, (shifts, cost, lines) in saved.items():
            self.state.put(agent_id, week, shifts, self.step)
            self.state.agent_costs[(agent_id, week)] = cost
            self.state.agent_lines[(agent_id, week)] = lines

    def _best_response(self, agent: Agent, week: int, report: bool = True) -> bool:
        self.spent += BEST_RESPONSE_WORK
        days = self.weeks[week]
        week_days = [d for d in _full_weeks(days) if d in days]
        queues = [q for q in agent.skills if q in self.queues]
        if not queues:
            return False
        own = Counter()
        for shift in self.state.shifts.get((agent.agent_id, week), ()):
            own.update(_worked_keys(shift, self.step))
        previous, following = self._around(agent, week)
        weekend_off = self._days_around(agent, week)[2]
        inputs, labels, blocked_by_day = [], [], {}
        pay = self._work_cost(agent)
        published = {k for s in self.p.published if s.agent_id == agent.agent_id
                     for k in _span_keys(s, self.step)}
        last_previous = max((s.end for s in previous if s.agent_id == agent.agent_id), default=None)
        next_following = min((s.start for s in following if s.agent_id == agent.agent_id), default=None)
        for day in week_days:
            slots, static = self.slots[day], self._day_static(day)
            cache_key = (agent.agent_id, day, last_previous, next_following)
            if cache_key not in self._blocked_cache:
                self._blocked_cache[cache_key] = _blocked(agent, day, slots, self.step, self.p.absences, previous,
                                                          self.p.rules, self.p.site, following)
            blocked = self._blocked_cache[cache_key] if day not in weekend_off else set(range(len(slots)))
            blocked_by_day[(agent.agent_id, day)] = blocked
            best_queue, value = [], []
            for key_t in static.keys:
                options = []
                for q in queues:
                    key = (q, key_t)
                    if key not in self.need:
                        options.append((0.0, q))
                        continue
                    residual = self.need[key] - (self.state.coverage[key] - own[key])
                    options.append((float(self.under_weight[key]) if residual >= 1 else -float(self.p.weights.over), q))
                gain, queue = max(options)
                best_queue.append(queue)
                value.append(gain - pay)
            n = len(slots)
            change = self.p.weights.change if published else 0
            blocked_mask = np.zeros(n, dtype=bool)
            blocked_mask[list(blocked)] = True
            inputs.append(DayInput(
                minute=static.minute, contiguous=static.contiguous, on_grid=static.on_grid, blocked=blocked_mask,
                work_value=np.array(value, dtype=float),
                span_value=np.array([change if k in published else -change for k in static.keys], dtype=float),
                early=static.early, late=static.late, wished_off=day.weekday() in agent.days_off_wish))
            labels.append(best_queue)
        rules = self._rules_for(agent, week, blocked_by_day)
        value, plan = best_week(inputs, rules)
        shifts = []
        for day, day_labels, chosen in zip(week_days, labels, plan, strict=True):
            if chosen is None:
                continue
            slots = self.slots[day]
            row = [(slots[i], BREAK if chosen.break_start <= i < chosen.break_start + chosen.break_len
                    else day_labels[i]) for i in range(chosen.start, chosen.end)]
            shifts.append(Shift(agent.agent_id, day, _merge(row, self.step)))
        # The DP does not see the stable-start term; both sides pay it here, as the model would.
        value -= self._start_spread_cost(shifts)
        current = self._current_value(agent, week, week_days, inputs, rules, own)
        if value <= current + 1e-6:
            return False
        self.state.put(agent.agent_id, week, tuple(shifts), self.step)
        self._book(agent, week, inputs, rules, week_days)
        self.parts_improved += 1
        if report:
            self._report()
        return True

    def _day_static(self, day: dt.date) -> _DayStatic:
        """What does not depend on the agent: slot keys, minutes, grid, closures, early and late marks."""
        if day not in self._static:
            slots = self.slots[day]
            local = [t.tz_convert(self.p.site.timezone) for t in slots]
            self._static[day] = _DayStatic(
                keys=[t.tz_convert(UTC) for t in slots],
                minute=np.array([t.value // 60_000_000_000 for t in slots], dtype=np.int64),
                contiguous=np.array([i > 0 and slots[i] - slots[i - 1] == self.step for i in range(len(slots))],
                                    dtype=bool),
                on_grid=np.array([_on_grid(t, self.p.rules.start_granularity_minutes, self.p.site) for t in slots],
                                 dtype=bool),
                early=np.array([t.time() < EARLY_STARTS_BEFORE for t in local], dtype=bool),
                late=np.array([_ends_late(t, self.step, day, self.p.site) for t in slots], dtype=bool))
        return self._static[day]

    def _around(self, agent: Agent, week: int) -> tuple[tuple[Shift, ...], tuple[Shift, ...]]:
        """The agent's fixed shifts before and after this week (other weeks, previous and following rosters)."""
        own = self.state.shifts
        previous = self.p.previous + tuple(s for w in range(week) for s in own.get((agent.agent_id, w), ()))
        following = self.p.following + tuple(s for w in range(week + 1, len(self.weeks))
                                             for s in own.get((agent.agent_id, w), ()))
        return previous, following

    def _days_around(self, agent: Agent, week: int) -> tuple[int, int, frozenset[dt.date]]:
        """What the rules on days in a row and on free weekends take from the agent's shifts around the week (the
        previous and following rosters, the other weeks): the days worked in a row right before and right after
        it, and this week's weekend days that must stay free because every weekend the rule allows in some 4
        weeks around this one is already worked."""
        aid, own, days = agent.agent_id, self.state.shifts, self.weeks[week]
        before = {s.date for s in self.p.previous if s.agent_id == aid and s.date < self.p.days[0]}
        before |= {s.date for w in range(week) for s in own.get((aid, w), ())}
        after = {s.date for s in self.p.following if s.agent_id == aid and s.date > self.p.days[-1]}
        after |= {s.date for w in range(week + 1, len(self.weeks)) for s in own.get((aid, w), ())}
        run_before = run_after = 0
        while days[0] - dt.timedelta(days=run_before + 1) in before:
            run_before += 1
        while days[-1] + dt.timedelta(days=run_after + 1) in after:
            run_after += 1
        need = self.p.rules.min_free_weekends_per_4_weeks
        monday = days[0] - dt.timedelta(days=days[0].weekday())
        worked = {d - dt.timedelta(days=d.weekday()) for d in before | after if d.weekday() >= SATURDAY}
        if need <= 0 or monday in worked:
            return run_before, run_after, frozenset()  # no rule, or this weekend is worked whatever the week does
        allowed = WEEKS_PER_WEEKEND_WINDOW - need
        for last in (monday + dt.timedelta(weeks=k) for k in range(WEEKS_PER_WEEKEND_WINDOW)):
            window = {last - dt.timedelta(weeks=k) for k in range(WEEKS_PER_WEEKEND_WINDOW)}
            if len(window & worked) >= allowed:
                return run_before, run_after, frozenset(d for d in days if d.weekday() >= SATURDAY)
        return run_before, run_after, frozenset()

    def _rules_for(self, agent: Agent, week: int, blocked_by_day: dict | None = None) -> WeekRules:
        """The agent's week limits, cached by what they depend on (the shifts around the week)."""
        days = self.weeks[week]
        week_days = [d for d in _full_weeks(days) if d in days]
        previous, following = self._around(agent, week)
        last_previous = max((s.end for s in previous if s.agent_id == agent.agent_id), default=None)
        next_following = min((s.start for s in following if s.agent_id == agent.agent_id), default=None)
        run_before, run_after, weekend_off = self._days_around(agent, week)
        key = (agent.agent_id, week, last_previous, next_following, run_before, run_after, weekend_off)
        if key not in self._rules_cache:
            if blocked_by_day is None:
                blocked_by_day = {(agent.agent_id, d): set(range(len(self.slots[d]))) if d in weekend_off else
                                  _blocked(agent, d, self.slots[d], self.step, self.p.absences, previous,
                                           self.p.rules, self.p.site, following)
                                  for d in week_days}
            self._rules_cache[key] = dataclasses.replace(
                self._week_rules(agent, week_days, blocked_by_day), run_before=run_before, run_after=run_after)
        return self._rules_cache[key]

    def _week_rules(self, agent: Agent, week_days: list[dt.date], blocked) -> WeekRules:
        r, unit, w = self.p.rules, self.p.site.interval_minutes, self.p.weights
        low, high = contract_bounds(self.p, self.slots, agent, week_days)
        possible = possible_work_units(self.p, self.slots, blocked, agent, week_days)
        full = len(week_days) == 7
        return WeekRules(
            unit_minutes=unit, min_work=math.ceil(r.min_shift_minutes / unit),
            max_work=r.max_daily_work_minutes // unit, break_over_6h=math.ceil(r.break_over_6h_minutes / unit),
            break_over_9h=math.ceil(r.break_over_9h_minutes / unit),
            before_break=math.ceil(r.min_work_before_break_minutes / unit),
            after_break=math.ceil(r.min_work_after_break_minutes / unit),
            max_run=r.max_work_without_break_minutes // unit, rest_minutes=r.min_rest_minutes,
            max_days=min(agent.max_days_per_week, 7 - r.min_days_off_per_week) if full else agent.max_days_per_week,
            need_two_days_off_in_a_row=r.consecutive_days_off and full,
            low=min(math.ceil(low / unit), possible), high=high // unit,
            average_per_day=r.average_daily_work_minutes // unit, short_cost=float(w.contract_gap),
            preferred=agent.preferred_shift, preference_cost=float(w.preference),
            day_off_wish_cost=float(w.day_off_wish), max_consecutive_days=r.max_consecutive_work_days)

    def _current_value(self, agent: Agent, week: int, week_days: list[dt.date], inputs: list[DayInput],
                       rules: WeekRules, own: Counter) -> float:
        """The best-response value of the agent's current week (the same terms as best_week)."""
        value = -self._own_terms(agent, week, week_days, inputs, rules)
        for shift in self.state.shifts.get((agent.agent_id, week), ()):
            for key in _worked_keys(shift, self.step):
                if key in self.need:
                    residual = self.need[key] - (self.state.coverage[key] - own[key])
                    value += self.under_weight[key] if residual >= 1 else -self.p.weights.over
        return value

    def _own_terms(self, agent: Agent, week: int, week_days: list[dt.date], inputs: list[DayInput] | None,
                   rules: WeekRules) -> float:
        """The agent's own soft terms for the week's shifts (pay, contract shortfall, wishes, changes)."""
        shifts = {s.date: s for s in self.state.shifts.get((agent.agent_id, week), ())}
        cost, work_total = 0.0, 0
        pay = self._work_cost(agent)
        for index_day, day in enumerate(week_days):
            shift = shifts.get(day)
            if shift is None:
                continue
            work = len(_worked_keys(shift, self.step))
            work_total += work
            cost += pay * work
            if inputs is None:
                continue
            day_input = inputs[index_day]
            index = {k: i for i, k in enumerate(self._day_static(day).keys)}
            span = [index[k] for k in _span_keys(shift, self.step) if k in index]
            cost -= float(day_input.span_value[span].sum())
            if rules.preferred == "early" and not day_input.early[span].any():
                cost += rules.preference_cost
            if rules.preferred == "late" and not day_input.late[span].any():
                cost += rules.preference_cost
            if day_input.wished_off:
                cost += rules.day_off_wish_cost
        return cost + rules.short_cost * max(rules.low - work_total, 0) + self._start_spread_cost(shifts.values())

    def _start_spread_cost(self, shifts) -> float:
        """The model's stable-start term: quarter-hours between the earliest and latest local start."""
        unit = self.p.site.interval_minutes
        starts = [(t.hour * 60 + t.minute) // unit for t in
                  (pd.Timestamp(s.start).tz_convert(self.p.site.timezone) for s in shifts)]
        return float(self.p.weights.start_spread * (max(starts) - min(starts))) if len(starts) > 1 else 0.0

    def _book(self, agent: Agent, week: int, inputs: list[DayInput] | None, rules: WeekRules,
              week_days: list[dt.date]) -> None:
        """Record the agent's own cost and explanation lines for the week's current shifts."""
        self.state.agent_costs[(agent.agent_id, week)] = round(self._own_terms(agent, week, week_days, inputs, rules))
        work = sum(len(_worked_keys(s, self.step)) for s in self.state.shifts.get((agent.agent_id, week), ()))
        self.state.agent_lines[(agent.agent_id, week)] = tuple(self._shortfall_lines(agent, week_days, rules, work))

    def _book_all(self) -> None:
        """Costs and shortfall lines of every agent's starting week (empty, or the published shifts)."""
        for week, days in enumerate(self.weeks):
            week_days = [d for d in _full_weeks(days) if d in days]
            for agent in self.p.agents:
                rules = self._rules_for(agent, week)
                self._book(agent, week, None, rules, week_days)

    def _work_cost(self, agent: Agent) -> int:
        relative = agent.monthly_pay_eur / self.mean_pay if agent.monthly_pay_eur and self.mean_pay else 1.0
        return max(1, round(self.p.weights.work_cost * relative))

    def _shortfall_lines(self, agent: Agent, week_days: list[dt.date], rules: WeekRules, work: int) -> list[str]:
        """What keeps the agent from their contract this week: no skill of a queue with requirements, leave and
        opening hours that leave less than the contract, or (rarely) the coverage search itself."""
        unit = self.p.site.interval_minutes
        lines = []
        if not any(q in self.queues for q in agent.skills):
            lines.append(f"{agent.name}: not rostered: no skill of a queue with requirements (skills: "
                         f"{', '.join(agent.skills) or 'none'}; queues: {', '.join(sorted(self.queues))})")
        key = (agent.agent_id, week_days[0])
        if key not in self._contract_low:
            self._contract_low[key] = contract_bounds(self.p, self.slots, agent, week_days)[0]
        contract_low = self._contract_low[key]
        if rules.low * unit < contract_low:
            lines.append(f"{agent.name}: can work at most {rules.low * unit / 60:g} h in the week of "
                         f"{week_days[0]:%d.%m.} (opening hours, leave, availability, rules), less than the "
                         f"contract's {contract_low / 60:g} h")
        if work < rules.low and not lines:
            lines.append(f"{agent.name}: quarter-hours below contract in the week of {week_days[0]:%d.%m.}: "
                         f"{rules.low - work}")
        elif work < rules.low:
            lines.append(f"{agent.name}: works {work * unit / 60:g} h in the week of {week_days[0]:%d.%m.}")
        return lines

    def _elapsed(self) -> float:
        """Seconds since the start, or in deterministic mode the work done so far (CP-SAT's deterministic time
        plus a fixed amount per best response), so that a seed always gives the same roster."""
        return self.spent if self.settings.deterministic else time.perf_counter() - self.started

    def _start_from_published(self) -> None:
        """A re-plan starts from the published roster (less what the new absences forbid)."""
        by_agent_week: dict[tuple[str, int], list[Shift]] = {}
        ids = {a.agent_id for a in self.p.agents}
        for shift in self.p.published:
            week = self._week_index(shift.date)
            absent = any(a.agent_id == shift.agent_id and a.start < shift.end and a.end > shift.start
                         for a in self.p.absences)
            if week is not None and shift.agent_id in ids and not (absent and shift.date not in self.p.fixed_days):
                by_agent_week.setdefault((shift.agent_id, week), []).append(shift)
        for (agent_id, week), shifts in by_agent_week.items():
            self.state.put(agent_id, week, tuple(shifts), self.step)

    def _solve_part(self, agents: Sequence[Agent], week: int, seconds: float, construct: bool) -> None:
        problem = self._part(agents, week)
        current = Roster(tuple(s for a in agents for s in self.state.shifts.get((a.agent_id, week), ())))
        has_incumbent = bool(current.shifts) or not construct
        model = RosterModel(problem, strict_contracts=False, hint=current if has_incumbent else None)
        before = model.evaluate(current, self.workers) if has_incumbent else math.inf
        solution = model.solve(seconds, self.workers, self.random.randrange(1 << 30),
                               deterministic=self.settings.deterministic)
        self._count(model, solution)
        if solution.objective is None or solution.objective >= before:
            return
        self.parts_improved += 1
        for agent in agents:
            shifts = tuple(s for s in solution.roster.shifts if s.agent_id == agent.agent_id)
            self.state.put(agent.agent_id, week, shifts, self.step)
            self.state.agent_costs[(agent.agent_id, week)] = solution.agent_costs.get(agent.agent_id, 0)
            self.state.agent_lines[(agent.agent_id, week)] = solution.agent_lines.get(agent.agent_id, ())
        self._report()

    def _part(self, agents: Sequence[Agent], week: int) -> Problem:
        """The sub-problem of these agents in this week, against the coverage of everybody else."""
        days = self.weeks[week]
        ids = {a.agent_id for a in agents}
        own = Counter()
        for agent_id in ids:
            for shift in self.state.shifts.get((agent_id, week), ()):
                own.update(_worked_keys(shift, self.step))
        keys = self.week_keys[week]
        residual = pd.DataFrame({
            "queue": [q for q, _t in keys],
            "interval_start": pd.DatetimeIndex([t for _q, t in keys]),
            "agents_required": [self.need[k] - (self.state.coverage[k] - own[k]) for k in keys],
        })
        others_before = tuple(s for (a, w), shifts in self.state.shifts.items() if a in ids and w < week
                              for s in shifts)
        others_after = tuple(s for (a, w), shifts in self.state.shifts.items() if a in ids and w > week
                             for s in shifts)
        return replace(
            self.p, agents=tuple(agents), requirements=residual, days=days,
            absences=tuple(x for x in self.p.absences if x.agent_id in ids),
            previous=tuple(s for s in self.p.previous if s.agent_id in ids) + others_before,
            following=tuple(s for s in self.p.following if s.agent_id in ids) + others_after,
            published=tuple(s for s in self.p.published if s.agent_id in ids and s.date in days),
            fixed_days=frozenset(d for d in self.p.fixed_days if d in days),
            under_weights={k: self.under_weight[k] for k in keys}, mean_pay_eur=self.mean_pay,
            fair_share=self._fair_share(agents, week))

    def _fair_share(self, agents: Sequence[Agent], week: int) -> dict[str, tuple[int, int]]:
        """Late shifts and Saturdays each agent may work this week before it is unfair: the team's current
        average plus the checker's margin."""
        shares = {}
        for agent in agents:
            team = [a for a in self.p.agents if a.team == agent.team]
            lates = saturdays = 0
            for member in team:
                for shift in self.state.shifts.get((member.agent_id, week), ()):
                    end = pd.Timestamp(shift.end).tz_convert(self.p.site.timezone)
                    lates += end.date() > shift.date or end.time() > LATE_ENDS_AFTER
                    saturdays += shift.date.weekday() == SATURDAY
            shares[agent.agent_id] = (math.floor(lates / len(team) + FAIRNESS_MARGIN),
                                      math.floor(saturdays / len(team) + FAIRNESS_MARGIN))
        return shares

    # --- choosing what to improve -----------------------------------------------------------------------------

    def _pick_week(self) -> int:
        costs = [sum(self.under_weight[k] * max(self.need[k] - self.state.coverage[k], 0) for k in keys)
                 for keys in self.week_keys]
        if not any(costs):
            return self.random.randrange(len(self.weeks))
        return self.random.choices(range(len(self.weeks)), weights=[c + 1 for c in costs])[0]

    def _neighbourhood(self, week: int, size: int | None = None) -> list[Agent]:
        """Agents around one gap of this week: some who have its queue and work at that time on another queue
        (they could switch), some who have it and do not work then (they could move), and colleagues working
        then on the queues those share (they could take over what the switchers leave)."""
        size = min(size or self.settings.neighbourhood_size, len(self.p.agents))
        gaps = [k for k in self.week_keys[week] if self.need[k] > self.state.coverage[k]]
        if not gaps:
            return self.random.sample(list(self.p.agents), size)
        queue, t = self.random.choices(gaps, weights=[self.need[k] - self.state.coverage[k] for k in gaps])[0]
        if self.random.random() < 0.5:
            return self._around_skill(queue, size)
        at_work = self._working_at(week, t)
        able = [a for a in self.p.agents if queue in a.skills]
        switchers = [a for a in able if a.agent_id in at_work]
        movers = [a for a in able if a.agent_id not in at_work]
        self.random.shuffle(switchers)
        self.random.shuffle(movers)
        third = max(1, size // 3)
        chosen = switchers[:third] + movers[:third]
        chosen += [a for a in switchers[third:] + movers[third:]][:max(0, 2 * third - len(chosen))]
        shared = {q for a in chosen for q in a.skills} - {queue}
        partners = [a for a in self.p.agents if a not in chosen and set(a.skills) & shared]
        self.random.shuffle(partners)
        partners.sort(key=lambda a: a.agent_id not in at_work)  # stable: those at work first, still shuffled
        rest = [a for a in self.p.agents if a not in chosen and a not in partners]
        self.random.shuffle(rest)
        return (chosen + partners + rest)[:size]

    def _around_skill(self, queue: str, size: int) -> list[Agent]:
        """Half who have the gap's queue, half who share a skill with them: wider, less targeted moves."""
        able = [a for a in self.p.agents if queue in a.skills]
        chosen = self.random.sample(able, min(len(able), max(1, size // 2)))
        skills = {q for a in chosen for q in a.skills}
        related = [a for a in self.p.agents if a not in chosen and skills & set(a.skills)]
        rest = [a for a in self.p.agents if a not in chosen and a not in related]
        self.random.shuffle(related)
        self.random.shuffle(rest)
        return chosen + (related + rest)[:size - len(chosen)]

    def _working_at(self, week: int, t: pd.Timestamp) -> set[str]:
        """Agents whose shift this week spans the instant t."""
        return {agent_id for (agent_id, w), shifts in self.state.shifts.items() if w == week
                for s in shifts if pd.Timestamp(s.start) <= t < pd.Timestamp(s.end)}

    # --- bookkeeping ------------------------------------------------------------------------------------------

    def _count(self, model: RosterModel, solution: Solution) -> None:
        self.parts_solved += 1
        self.spent = (self.spent + solution.deterministic_time if self.settings.deterministic
                      else time.perf_counter() - self.started)
        for key in ("variables", "constraints"):
            self.largest_part[key] = max(self.largest_part[key], solution.size[key])

    def _left(self) -> float:
        return self.budget - self._elapsed()

    def _stopped(self) -> bool:
        return self._left() <= 0 or bool(self.should_stop and self.should_stop())

    def _week_index(self, day: dt.date) -> int | None:
        return next((w for w, week in enumerate(self.weeks) if day in week), None)

    def _coverage_cost(self, keys: Sequence[tuple[str, pd.Timestamp]] | None = None) -> tuple[int, int]:
        """(weighted cost of the coverage terms, missing agent-intervals), of all intervals or of `keys`."""
        cost = under = 0
        for key in self.need if keys is None else keys:
            need, have = self.need[key], self.state.coverage[key]
            short = max(need - have, 0)
            under += short
            cost += self.under_weight[key] * short + self.p.weights.over * max(have - need, 0)
        return cost, under

    def objective(self) -> float:
        return float(self._coverage_cost()[0] + sum(self.state.agent_costs.values()))

    def _week_cost(self, week: int, agents: Sequence[Agent]) -> float:
        return float(self._coverage_cost(self.week_keys[week])[0]
                     + sum(self.state.agent_costs.get((a.agent_id, week), 0) for a in agents))

    def _report(self, final: bool = False) -> None:
        """Progress at most once a second (the objective sums every interval, too much for each move), and
        always for the final roster."""
        now = time.perf_counter()
        if not self.progress or (now - self.last_report < REPORT_EVERY_S and not final):
            return
        self.last_report = now
        objective = self.objective()
        bound = self.best_bound if self.best_bound is not None else 0.0
        gap = (objective - bound) / objective if objective else 0.0
        self.progress(Progress(objective, bound, gap, time.perf_counter() - self.started, self.parts_improved))

    def _solution(self) -> Solution:
        cost, under = self._coverage_cost()
        objective = float(cost + sum(self.state.agent_costs.values()))
        bound = self.best_bound
        gap = (objective - bound) / objective if bound is not None and objective else None
        short = sorted((q, t, self.need[(q, t)] - self.state.coverage[(q, t)]) for (q, t) in self.need
                       if self.need[(q, t)] > self.state.coverage[(q, t)])
        lines = _short_ranges(short, self.step, self.p.site.timezone)
        for agent in self.p.agents:
            for week in range(len(self.weeks)):
                lines += self.state.agent_lines.get((agent.agent_id, week), ())
        lines += _fairness_lines(self.state.roster(), self.p)
        status = "OPTIMAL" if bound is not None and objective <= bound else "FEASIBLE"
        size = {**self.largest_part, "parts_solved": self.parts_solved, "parts_improved": self.parts_improved}
        return Solution(status, self.state.roster(), objective, bound, gap, time.perf_counter() - self.started,
                        under, tuple(lines), size,
                        {a.agent_id: sum(c for (aid, _w), c in self.state.agent_costs.items() if aid == a.agent_id)
                         for a in self.p.agents})


def solve_roster(problem: Problem, time_limit_s: float = 60.0, seed: int = 0, workers: int = 2,
                 progress: Callable[[Progress], None] | None = None,
                 should_stop: Callable[[], bool] | None = None, settings: SearchSettings = SearchSettings(),
                 prove: bool = True) -> Solution:
    """The best legal roster found within the time limit (see the module docstring for how).

    The search is mostly single-threaded Python, so with 2 or more workers a second, independent search (the
    next seed) runs in a child process meanwhile and the better roster wins; runs vary, so the best of two is
    better on average. With `prove`, the main process first computes the proven lower bound on the
    under-staffing count (scheduler/roster_bound.py; a tenth of the time, at least 5 s, at most a quarter);
    times the cheapest missing agent it also bounds the objective, for the progress gap."""
    started = time.perf_counter()
    child = None
    if workers >= 2 and not settings.deterministic and time_limit_s >= MIN_SECONDS_FOR_A_SECOND_SEARCH:
        child = _SecondSearch(problem, settings, seed + 1, time_limit_s - CHILD_START_SECONDS)
    try:
        objective_bound = under_bound = None
        if prove and problem.agents and not problem.requirements.empty:
            share = min(max(5.0, time_limit_s * 0.1), time_limit_s * 0.25)
            under_bound = under_staffing_lower_bound(problem, time_limit_s=share)
            need = _need(problem.requirements)
            cheapest = min((problem.under_weight(k, n) for k, n in need.items() if n > 0), default=0)
            objective_bound = under_bound * cheapest
        left = max(time_limit_s - (time.perf_counter() - started), 0.5)
        solution = RosterSearch(problem, settings, seed, 1 if child else workers, progress, should_stop,
                                objective_bound).run(left)
        stopped = bool(should_stop and should_stop())
        other = None if child is None or stopped else child.result(timeout=CHILD_START_SECONDS + 30)
    finally:
        if child is not None:
            child.stop()
    if other is not None and other.objective is not None and (solution.objective is None
                                                              or other.objective < solution.objective):
        solution = dataclasses.replace(other, best_bound=objective_bound,
                                       gap=_gap(other.objective, objective_bound))
    return dataclasses.replace(solution, solve_seconds=time.perf_counter() - started,
                               under_lower_bound=under_bound)


MIN_SECONDS_FOR_A_SECOND_SEARCH = 10.0
CHILD_START_SECONDS = 3.0  # a spawned interpreter needs this long to import the engine


class _SecondSearch:
    """An independent search in a spawned child process (safe next to threads, e.g. in the web app)."""

    def __init__(self, problem: Problem, settings: SearchSettings, seed: int, time_limit_s: float):
        context = multiprocessing.get_context("spawn")
        self.queue = context.Queue()
        self.process = context.Process(target=_search_in_child, daemon=True,
                                       args=(problem, settings, seed, max(time_limit_s, 1.0), self.queue))
        self.process.start()

    def result(self, timeout: float) -> Solution | None:
        try:
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(timeout=5)


def _search_in_child(problem: Problem, settings: SearchSettings, seed: int, time_limit_s: float,
                     results: multiprocessing.Queue) -> None:
    results.put(RosterSearch(problem, settings, seed, 1).run(time_limit_s))


def _gap(objective: float | None, bound: float | None) -> float | None:
    return (objective - bound) / objective if objective and bound is not None else None


def _full_weeks(days: tuple[dt.date, ...]) -> list[dt.date]:
    return [days[0] + dt.timedelta(days=k - days[0].weekday()) for k in range(7)]


def _span_keys(shift: Shift, step: pd.Timedelta) -> set[pd.Timestamp]:
    t, end = pd.Timestamp(shift.start).tz_convert(UTC), pd.Timestamp(shift.end).tz_convert(UTC)
    keys = set()
    while t < end:
        keys.add(t)
        t += step
    return keys


def _need(requirements: pd.DataFrame) -> dict[tuple[str, pd.Timestamp], int]:
    starts = pd.DatetimeIndex(requirements["interval_start"]).tz_convert(UTC)
    return {(str(q), t): int(n) for q, t, n in zip(requirements["queue"], starts, requirements["agents_required"],
                                                   strict=True)}


@functools.lru_cache(maxsize=200_000)
def _worked_keys(shift: Shift, step: pd.Timedelta) -> tuple[tuple[str, pd.Timestamp], ...]:
    """(queue, UTC interval start) of every worked interval of the shift (shifts are immutable: cached)."""
    keys = []
    for segment in shift.segments:
        if segment.activity == BREAK:
            continue
        t, end = pd.Timestamp(segment.start).tz_convert(UTC), pd.Timestamp(segment.end).tz_convert(UTC)
        while t < end:
            keys.append((segment.activity, t))
            t += step
    return tuple(keys)


def _fairness_lines(roster: Roster, problem: Problem) -> list[str]:
    """'Anna: 3 late shifts vs team average 1.4' for everyone clearly above their team's average."""
    lines = []
    for label, counts in (("late shifts", _late_counts(roster, problem)), ("Saturdays", _saturday_counts(roster))):
        teams: dict[str, list[Agent]] = {}
        for agent in problem.agents:
            teams.setdefault(agent.team, []).append(agent)
        for _team, members in sorted(teams.items()):
            average = sum(counts[a.agent_id] for a in members) / len(members)
            for agent in members:
                if counts[agent.agent_id] > average + FAIRNESS_MARGIN:
                    lines.append(f"{agent.name}: {counts[agent.agent_id]} {label} vs team average {average:.1f}")
    return lines


def _late_counts(roster: Roster, problem: Problem) -> Counter:
    counts: Counter = Counter()
    for shift in roster.shifts:
        end = pd.Timestamp(shift.end).tz_convert(problem.site.timezone)
        counts[shift.agent_id] += end.date() > shift.date or end.time() > LATE_ENDS_AFTER
    return counts


def _saturday_counts(roster: Roster) -> Counter:
    return Counter(s.agent_id for s in roster.shifts if s.date.weekday() == SATURDAY)

