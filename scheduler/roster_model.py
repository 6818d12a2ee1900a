"""The CP-SAT roster model: who works when, on which queue, with breaks, under the rule set.

Time-indexed per agent and open interval: `on` (in a shift), `brk` (on a rest break) and one activity
variable per skill; the shift structure (one block a day, length, breaks per ArbZG §4, rest per §5) is
expressed on these variables, so the coverage of every queue and interval is exact, breaks included.
Soft terms are collected with names, so a solved model can explain itself.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd
from ortools.sat.python import cp_model

from forecasts.calendar import open_intervals
from forecasts.site import Site
from scheduler.checker import EARLY_STARTS_BEFORE, LATE_ENDS_AFTER, SATURDAY, WEEKS_PER_WEEKEND_WINDOW
from scheduler.domain import Absence, Agent
from scheduler.roster import BREAK, Roster, Segment, Shift
from scheduler.rules import RuleSet


@dataclass(frozen=True)
class Weights:
    """How much each soft term costs; coverage dominates, the rest orders the legal rosters among themselves."""

    under_base: int = 1000        # per missing agent-interval ...
    under_thin: int = 2000        # ... plus this / required: a gap in a thin interval hurts more
    over: int = 20                # per surplus agent-interval
    work_cost: int = 1            # per worked interval, scaled by the agent's pay against the average
    preference: int = 150         # per day against an early/late wish
    day_off_wish: int = 200       # per worked day the agent wished off
    change: int = 50              # per interval that differs from the published roster
    contract_gap: int = 5000      # per interval short of the contract (when not strict): above any coverage gain
    fairness: int = 100           # per late shift or Saturday beyond the agent's fair share
    start_spread: int = 3         # per quarter-hour between an agent's earliest and latest start in the period

    def under(self, need: int) -> int:
        """The cost of one missing agent in an interval that needs `need`."""
        return self.under_base + self.under_thin // max(need, 1)


@dataclass(frozen=True)
class Problem:
    """Everything the model needs for one roster period."""

    site: Site
    rules: RuleSet
    agents: tuple[Agent, ...]
    requirements: pd.DataFrame  # queue, interval_start, agents_required (int)
    days: tuple[dt.date, ...]
    absences: tuple[Absence, ...] = ()
    previous: tuple[Shift, ...] = ()
    published: tuple[Shift, ...] = ()
    weights: Weights = field(default_factory=Weights)
    following: tuple[Shift, ...] = ()         # fixed shifts after the period: rest before them counts (§5)
    fixed_days: frozenset[dt.date] = frozenset()  # days whose published shifts stand as they are (re-plan)
    # For a part of a bigger problem (the search solves agents and weeks in turns):
    under_weights: Mapping[tuple[str, pd.Timestamp], int] | None = None  # cost per missing agent, by interval
    mean_pay_eur: float | None = None         # the pay that costs 1 per worked interval (default: these agents')
    fair_share: Mapping[str, tuple[int, int]] | None = None  # agent -> late shifts, Saturdays before a penalty

    def under_weight(self, key: tuple[str, pd.Timestamp], need: int) -> int:
        """The cost of one missing agent on (queue, interval start): the part's own where it is given one."""
        return (self.under_weights or {}).get(key) or self.weights.under(need)


@dataclass(frozen=True)
class Term:
    """One named soft term of the objective: weight × value; `agent_id` None for coverage terms."""

    name: str
    expr: cp_model.LinearExprT
    weight: int
    kind: str  # short, over, work, contract, wish, change, fairness, start
    agent_id: str | None = None


@dataclass(frozen=True)
class Progress:
    objective: float
    best_bound: float
    gap: float
    elapsed_s: float
    solutions: int


@dataclass(frozen=True)
class Solution:
    status: str
    roster: Roster
    objective: float | None
    best_bound: float | None
    gap: float | None
    solve_seconds: float
    under_agent_intervals: int
    explanation: tuple[str, ...]
    size: dict[str, int]
    agent_costs: Mapping[str, int] = field(default_factory=dict)  # each agent's own soft terms, weighted
    agent_lines: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # each agent's part of the explanation
    deterministic_time: float = 0.0
    under_lower_bound: float | None = None  # proven: no legal roster is short by less


@dataclass
class _AgentDay:
    on: list[cp_model.IntVar]
    brk: list[cp_model.IntVar]
    activity: dict[str, list[cp_model.IntVar]]
    day_on: cp_model.IntVar
    work: cp_model.LinearExpr


class RosterModel:
    """Builds the CP-SAT model for a Problem; `solve` returns a Solution."""

    def __init__(self, problem: Problem, strict_contracts: bool = True, hint: Roster | None = None):
        self.p = problem
        self.strict_contracts = strict_contracts
        self.model = cp_model.CpModel()
        self.step = pd.Timedelta(minutes=problem.site.interval_minutes)
        self.slots = {day: _open_slots(problem.site, day) for day in problem.days}
        self.required = _required(problem.requirements)
        self.vars: dict[tuple[str, dt.date], _AgentDay] = {}
        self.penalties: list[Term] = []
        self.under: dict[tuple[str, pd.Timestamp], cp_model.IntVar] = {}
        self.blocked: dict[tuple[str, dt.date], set[int]] = {}
        self.notes: list[tuple[str, str]] = []  # (agent_id, sentence)
        self.starts: dict[tuple[str, dt.date], list[cp_model.IntVar]] = {}
        self._build()
        self._hint(self._labels(hint) if hint is not None else greedy_plan(self))

    # --- building ---------------------------------------------------------------------------------------------

    def _build(self) -> None:
        for agent in self.p.agents:
            for day in self.p.days:
                self.vars[(agent.agent_id, day)] = self._agent_day(agent, day)
            self._agent_week(agent)
        self._rest_between_days()
        self._fixed_days()
        self._coverage()
        self.model.minimize(sum(term.weight * term.expr for term in self.penalties))

    def _agent_day(self, agent: Agent, day: dt.date) -> _AgentDay:
        m, rules, slots = self.model, self.p.rules, self.slots[day]
        tag = f"{agent.agent_id}_{day:%m%d}"
        n = len(slots)
        on = [m.new_bool_var(f"on_{tag}_{i}") for i in range(n)]
        brk = [m.new_bool_var(f"brk_{tag}_{i}") for i in range(n)]
        day_on = m.new_bool_var(f"day_{tag}")
        queues = [q for q in agent.skills if q in self.required.queues]
        activity = {q: [m.new_bool_var(f"x_{tag}_{q}_{i}") for i in range(n)] for q in queues}
        blocked = _blocked(agent, day, slots, self.step, self.p.absences, self.p.previous, rules, self.p.site,
                           self.p.following)
        self.blocked[(agent.agent_id, day)] = blocked
        starts = []
        for i in range(n):
            m.add_implication(brk[i], on[i])
            m.add_implication(on[i], day_on)
            if i in blocked:
                m.add(on[i] == 0)
            work_i = on[i] - brk[i]
            m.add(sum(v[i] for v in activity.values()) == work_i) if activity else m.add(work_i == 0)
            adjacent = i > 0 and slots[i] - slots[i - 1] == self.step
            start = m.new_bool_var(f"start_{tag}_{i}")
            # One block a day: a shift starts where `on` rises, at most once.
            # After a gap in the opening hours `on` counts as a new start, so no shift spans a closure.
            m.add(start >= on[i] - (on[i - 1] if adjacent else 0))
            starts.append(start)
            if not _on_grid(slots[i], rules.start_granularity_minutes, self.p.site):
                m.add(start == 0)
        m.add(sum(starts) <= 1)
        self.starts[(agent.agent_id, day)] = starts
        m.add(sum(on) >= day_on)
        work = sum(on) - sum(brk)
        unit = self.p.site.interval_minutes
        m.add(work >= math.ceil(rules.min_shift_minutes / unit) * day_on)
        m.add(work <= (rules.max_daily_work_minutes // unit) * day_on)
        self._breaks(tag, on, brk, work, slots, unit)
        return _AgentDay(on, brk, activity, day_on, work)

    def _breaks(self, tag: str, on, brk, work, slots, unit: int) -> None:
        """ArbZG §4 on the grid: enough break for the work, none at the edges, never 6 h of work in a row."""
        m, rules, n = self.model, self.p.rules, len(on)
        over6 = m.new_bool_var(f"over6_{tag}")
        over9 = m.new_bool_var(f"over9_{tag}")
        m.add(work <= 6 * 60 // unit + n * over6)
        m.add(work <= 9 * 60 // unit + n * over9)
        m.add(sum(brk) >= math.ceil(rules.break_over_6h_minutes / unit) * over6
              + math.ceil((rules.break_over_9h_minutes - rules.break_over_6h_minutes) / unit) * over9)
        m.add(sum(brk) <= math.ceil(rules.break_over_9h_minutes / unit))  # no padding with extra breaks
        before = math.ceil(rules.min_work_before_break_minutes / unit)
        after = math.ceil(rules.min_work_after_break_minutes / unit)
        for i in range(n):
            for k in range(1, before + 1):
                if i - k < 0:
                    m.add(brk[i] == 0)
                    break
                m.add_implication(brk[i], on[i - k])
            for k in range(1, after + 1):
                if i + k >= n:
                    m.add(brk[i] == 0)
                    break
                m.add_implication(brk[i], on[i + k])
        window = rules.max_work_without_break_minutes // unit + 1
        for i in range(n - window + 1):
            m.add(sum(on[i:i + window]) - sum(brk[i:i + window]) <= window - 1)

    def _agent_week(self, agent: Agent) -> None:
        m, rules, unit = self.model, self.p.rules, self.p.site.interval_minutes
        days = [self.vars[(agent.agent_id, d)] for d in self.p.days]
        for week_days in _weeks(self.p.days):
            day_vars = [self.vars[(agent.agent_id, d)].day_on for d in week_days]
            limit = agent.max_days_per_week
            if len(week_days) == 7:
                limit = min(limit, 7 - rules.min_days_off_per_week)
            m.add(sum(day_vars) <= limit)
            if rules.consecutive_days_off and len(week_days) == 7:
                pairs = []
                for a, b in zip(day_vars, day_vars[1:], strict=False):
                    both_off = m.new_bool_var(f"pairoff_{agent.agent_id}_{len(pairs)}")
                    m.add_implication(both_off, a.Not())
                    m.add_implication(both_off, b.Not())
                    pairs.append(both_off)
                m.add_bool_or(pairs)
        for week_days in _weeks(self.p.days):
            low, high = self._contract_bounds(agent, week_days)
            worked = sum(self.vars[(agent.agent_id, d)].work for d in week_days)
            m.add(worked <= high // unit)
            # Contract hours are a hard rule, as far as the agent can work at all this week (leave, availability
            # and the day limits may make less possible; the explanation then names the shortfall).
            possible = self._possible_work_units(agent, week_days)
            hard_low = min(math.ceil(low / unit), possible)
            if self.strict_contracts:
                m.add(worked >= hard_low)
            else:
                shortfall = m.new_int_var(0, max(hard_low, 0), f"short_{agent.agent_id}_{week_days[0]:%m%d}")
                m.add(worked + shortfall >= hard_low)
                self.penalties.append(Term(f"{agent.name}: quarter-hours below contract in the week of "
                                           f"{week_days[0]:%d.%m.}", shortfall, self.p.weights.contract_gap,
                                           "contract", agent.agent_id))
            if hard_low < math.ceil(low / unit):
                self.notes.append((agent.agent_id, f"{agent.name}: can work at most {possible * unit / 60:g} h in "
                                   f"the week of {week_days[0]:%d.%m.}, less than the contract's {low / 60:g} h"))
        self._consecutive_days(agent)
        self._free_weekends(agent)
        total = sum(v.work for v in days)
        # §3: more than 8 h a day only while the average over the days worked stays at 8 h.
        m.add(total <= (rules.average_daily_work_minutes // unit) * sum(v.day_on for v in days))
        self._preferences(agent)
        self._changes(agent)
        self._fairness(agent)
        self._stable_starts(agent)
        cost = self._relative_pay(agent)
        self.penalties.append(Term(f"{agent.name}: working time", total,
                                   max(1, round(self.p.weights.work_cost * cost)), "work", agent.agent_id))

    def _fixed_work_days(self, agent: Agent) -> set[dt.date]:
        """Dates outside the period with a shift of the agent in the previous or following roster (constants)."""
        first, last = self.p.days[0], self.p.days[-1]
        return {s.date for s in self.p.previous + self.p.following
                if s.agent_id == agent.agent_id and not first <= s.date <= last}

    def _consecutive_days(self, agent: Agent) -> None:
        """At most rules.max_consecutive_work_days dates in a row with a shift: every window of one date more has
        a day off, the shifts of the previous and following rosters counting as worked. Windows that other rules
        already break (a known day off, a whole week capped below 7 days) get no constraint, so the default limit
        adds nothing to a model of whole weeks."""
        m, rules = self.model, self.p.rules
        limit = rules.max_consecutive_work_days
        fixed = self._fixed_work_days(agent)
        day_on = {d: self.vars[(agent.agent_id, d)].day_on for d in self.p.days if self.slots[d]}
        capped = {week[0] for week in _weeks(self.p.days) if len(week) == 7
                  and min(agent.max_days_per_week, 7 - rules.min_days_off_per_week) < 7}
        first = self.p.days[0] - dt.timedelta(days=limit)
        for k in range((self.p.days[-1] - first).days + 1):
            window = [first + dt.timedelta(days=k + i) for i in range(limit + 1)]
            if any(d not in day_on and d not in fixed for d in window):
                continue
            if any(d in capped and d + dt.timedelta(days=6) <= window[-1] for d in window):
                continue
            worked = [day_on[d] for d in window if d in day_on]
            if worked:
                m.add(sum(worked) <= max(limit - sum(1 for d in window if d in fixed), 0))

    def _free_weekends(self, agent: Agent) -> None:
        """In every 4 consecutive ISO weeks touching the period at most 4 - rules.min_free_weekends_per_4_weeks
        worked weekends (Saturday or Sunday with a shift); the previous and following rosters' weekends count."""
        m, need = self.model, self.p.rules.min_free_weekends_per_4_weeks
        if need <= 0:
            return
        allowed = WEEKS_PER_WEEKEND_WINDOW - need
        fixed = {_monday(d) for d in self._fixed_work_days(agent) if d.weekday() >= SATURDAY}
        weekend: dict[dt.date, cp_model.IntVar] = {}
        for d in self.p.days:
            if d.weekday() >= SATURDAY and self.slots[d] and _monday(d) not in fixed:
                if _monday(d) not in weekend:
                    weekend[_monday(d)] = m.new_bool_var(f"weekend_{agent.agent_id}_{_monday(d):%m%d}")
                m.add_implication(self.vars[(agent.agent_id, d)].day_on, weekend[_monday(d)])
        mondays = sorted({_monday(d) for d in self.p.days})
        last = mondays[0]
        while last <= mondays[-1] + dt.timedelta(weeks=WEEKS_PER_WEEKEND_WINDOW - 1):
            window = [last - dt.timedelta(weeks=k) for k in range(WEEKS_PER_WEEKEND_WINDOW)]
            worked = [weekend[w] for w in window if w in weekend]
            already = sum(1 for w in window if w in fixed)
            if worked and len(worked) + already > allowed:
                m.add(sum(worked) <= max(allowed - already, 0))
            last += dt.timedelta(weeks=1)

    def _contract_bounds(self, agent: Agent, week_days: list[dt.date]) -> tuple[int, int]:
        return contract_bounds(self.p, self.slots, agent, week_days)

    def _possible_work_units(self, agent: Agent, week_days: list[dt.date]) -> int:
        return possible_work_units(self.p, self.slots, self.blocked, agent, week_days)

    def contract_target(self, agent: Agent) -> float:
        """Minutes the agent should work over the whole period (the sum of the weekly lower bounds)."""
        return sum(self._contract_bounds(agent, week)[0] for week in _weeks(self.p.days))

    def _preferences(self, agent: Agent) -> None:
        """The checker's definitions: an early shift starts before 10:00, a late one ends after 18:00."""
        w, m = self.p.weights, self.model
        for day in self.p.days:
            v = self.vars[(agent.agent_id, day)]
            if day.weekday() in agent.days_off_wish:
                self.penalties.append(Term(f"{agent.name}: works {day:%a %d.%m.} (wished off)", v.day_on,
                                           w.day_off_wish, "wish", agent.agent_id))
            slots = self.slots[day]
            local = [t.tz_convert(self.p.site.timezone) for t in slots]
            if agent.preferred_shift == "early":
                fitting = [v.on[i] for i, t in enumerate(local) if t.time() < EARLY_STARTS_BEFORE]
            elif agent.preferred_shift == "late":
                fitting = [v.on[i] for i, t in enumerate(local) if (t + self.step).time() > LATE_ENDS_AFTER
                           or (t + self.step).date() > day]
            else:
                continue
            missed = m.new_bool_var(f"pref_{agent.agent_id}_{day:%m%d}")
            # Working that day without touching the preferred part of it misses the wish.
            m.add(missed >= v.day_on - sum(fitting)) if fitting else m.add(missed == v.day_on)
            self.penalties.append(Term(f"{agent.name}: {day:%a %d.%m.} not the {agent.preferred_shift} shift wished",
                                       missed, w.preference, "wish", agent.agent_id))

    def _changes(self, agent: Agent) -> None:
        published = [s for s in self.p.published if s.agent_id == agent.agent_id]
        if not self.p.published:
            return
        for day in self.p.days:
            v, slots = self.vars[(agent.agent_id, day)], self.slots[day]
            was_on = {i for i, t in enumerate(slots) for s in published if s.start <= t < s.end}
            was_break = {i for i, t in enumerate(slots) for s in published for b in s.breaks if b.start <= t < b.end}
            # A moved shift and a moved break both count; the queue worked may change freely.
            diff = [v.on[i].Not() if i in was_on else v.on[i] for i in range(len(slots))]
            diff += [v.brk[i].Not() if i in was_break else v.brk[i] for i in range(len(slots))]
            if diff:
                self.penalties.append(Term(f"{agent.name}: changed against the published roster on "
                                           f"{day:%a %d.%m.}", sum(diff), self.p.weights.change, "change",
                                           agent.agent_id))

    def _relative_pay(self, agent: Agent) -> float:
        pays = [a.monthly_pay_eur for a in self.p.agents if a.monthly_pay_eur]
        mean = self.p.mean_pay_eur or (sum(pays) / len(pays) if pays else None)
        if not agent.monthly_pay_eur or not mean:
            return 1.0
        return agent.monthly_pay_eur / mean

    def _fairness(self, agent: Agent) -> None:
        """Late shifts and Saturdays beyond the agent's fair share (from the team, given by the caller) cost."""
        if not self.p.fair_share or agent.agent_id not in self.p.fair_share:
            return
        m, late_allowed, saturdays_allowed = self.model, *self.p.fair_share[agent.agent_id]
        lates, saturdays = [], []
        for day in self.p.days:
            v, slots = self.vars[(agent.agent_id, day)], self.slots[day]
            late_slots = [i for i, t in enumerate(slots) if _ends_late(t, self.step, day, self.p.site)]
            if late_slots:
                late = m.new_bool_var(f"late_{agent.agent_id}_{day:%m%d}")
                for i in late_slots:
                    m.add_implication(v.on[i], late)
                lates.append(late)
            if day.weekday() == SATURDAY:
                saturdays.append(v.day_on)
        for label, counted, allowed in (("late shifts", lates, late_allowed), ("Saturdays", saturdays,
                                                                              saturdays_allowed)):
            if len(counted) <= allowed:
                continue
            excess = m.new_int_var(0, len(counted), f"excess_{label[:4]}_{agent.agent_id}")
            m.add(excess >= sum(counted) - allowed)
            self.penalties.append(Term(f"{agent.name}: {label} beyond the fair share of {allowed}", excess,
                                       self.p.weights.fairness, "fairness", agent.agent_id))

    def _stable_starts(self, agent: Agent) -> None:
        """The spread between the earliest and the latest shift start of the period costs per quarter-hour."""
        m, unit = self.model, self.p.site.interval_minutes
        day_starts = []
        for day in self.p.days:
            slots = self.slots[day]
            if not slots:
                continue
            local = [t.tz_convert(self.p.site.timezone) for t in slots]
            units = [(t.hour * 60 + t.minute) // unit for t in local]
            starts = self.starts[(agent.agent_id, day)]
            day_starts.append((self.vars[(agent.agent_id, day)].day_on,
                               sum(u * s for u, s in zip(units, starts, strict=True))))
        if len(day_starts) < 2:
            return
        top = 24 * 60 // unit
        earliest = m.new_int_var(0, top, f"earliest_{agent.agent_id}")
        latest = m.new_int_var(0, top, f"latest_{agent.agent_id}")
        for day_on, start in day_starts:
            m.add(earliest <= start + top * (1 - day_on))
            m.add(latest >= start - top * (1 - day_on))
        spread = m.new_int_var(0, top, f"spread_{agent.agent_id}")
        m.add(spread >= latest - earliest)
        self.penalties.append(Term(f"{agent.name}: start times spread over the period (quarter-hours)", spread,
                                   self.p.weights.start_spread, "start", agent.agent_id))

    def _fixed_days(self) -> None:
        """On fixed days every agent works exactly their published shift (or stays off)."""
        if not self.p.fixed_days:
            return
        published = self._labels(Roster(self.p.published))
        for agent in self.p.agents:
            for day in self.p.days:
                if day not in self.p.fixed_days:
                    continue
                v = self.vars[(agent.agent_id, day)]
                labels = published.get((agent.agent_id, day), [None] * len(self.slots[day]))
                for i, label in enumerate(labels):
                    self.model.add(v.on[i] == int(label is not None))
                    self.model.add(v.brk[i] == int(label == BREAK))
                    if label in v.activity:
                        self.model.add(v.activity[label][i] == 1)

    def _labels(self, roster: Roster) -> dict[tuple[str, dt.date], list[str | None]]:
        """A roster as the model's per-slot labels (queue, break or None) per agent and day."""
        labels: dict[tuple[str, dt.date], list[str | None]] = {}
        index = {day: {t.tz_convert("UTC"): i for i, t in enumerate(slots)} for day, slots in self.slots.items()}
        for shift in roster.shifts:
            key = (shift.agent_id, shift.date)
            if key not in self.vars:
                continue
            row = labels.setdefault(key, [None] * len(self.slots[shift.date]))
            for segment in shift.segments:
                t = pd.Timestamp(segment.start).tz_convert("UTC")
                while t < pd.Timestamp(segment.end).tz_convert("UTC"):
                    if t in index[shift.date]:
                        row[index[shift.date][t]] = segment.activity
                    t += self.step
        return labels

    def _rest_between_days(self) -> None:
        rest = pd.Timedelta(minutes=self.p.rules.min_rest_minutes)
        for agent in self.p.agents:
            for day, following in zip(self.p.days, self.p.days[1:], strict=False):
                a, b = self.vars[(agent.agent_id, day)], self.vars[(agent.agent_id, following)]
                slots_a, slots_b = self.slots[day], self.slots[following]
                for i, t in enumerate(slots_a):
                    end = t + self.step
                    for j, u in enumerate(slots_b):
                        if u - end >= rest:
                            break
                        self.model.add(a.on[i] + b.on[j] <= 1)

    def _coverage(self) -> None:
        w = self.p.weights
        for (queue, start), need in self.required.need.items():
            day = start.tz_convert(self.p.site.timezone).date()
            if day not in self.slots:
                continue
            try:
                i = self.slots[day].index(start)
            except ValueError:
                continue  # a requirement outside opening hours cannot be covered; the checker names it
            cover = [self.vars[(a.agent_id, day)].activity[queue][i] for a in self.p.agents
                     if queue in self.vars[(a.agent_id, day)].activity]
            # In a part of a bigger problem `need` is what the other agents leave; it may be negative.
            under = self.model.new_int_var(0, max(need, 0), f"under_{queue}_{start:%m%d_%H%M}")
            over = self.model.new_int_var(0, len(cover) + max(-need, 0), f"over_{queue}_{start:%m%d_%H%M}")
            self.model.add(sum(cover) + under - over == need)
            self.under[(queue, start)] = under
            weight = self.p.under_weight((queue, start), need)
            self.penalties.append(Term(f"{queue} {start:%a %H:%M} short", under, weight, "short"))
            self.penalties.append(Term(f"{queue} {start:%a %H:%M} over", over, w.over, "over"))

    def _hint(self, plan: dict[tuple[str, dt.date], list[str | None]]) -> None:
        """Start the search from a constructive roster (CP-SAT repairs whatever it gets wrong)."""
        for key, labels in plan.items():
            v = self.vars[key]
            self.model.add_hint(v.day_on, any(labels))
            for i, label in enumerate(labels):
                self.model.add_hint(v.on[i], label is not None)
                self.model.add_hint(v.brk[i], label == BREAK)
                for queue, xs in v.activity.items():
                    self.model.add_hint(xs[i], label == queue)

    # --- solving ----------------------------------------------------------------------------------------------

    def evaluate(self, roster: Roster, workers: int = 1) -> float:
        """The objective of this roster in the model (infinite if it breaks one of the model's rules)."""
        labels = self._labels(roster)
        literals = []
        for key, v in self.vars.items():
            row = labels.get(key, [None] * len(v.on))
            for i, label in enumerate(row):
                literals += [v.on[i] if label is not None else v.on[i].Not(),
                             v.brk[i] if label == BREAK else v.brk[i].Not()]
                literals += [xs[i] if label == queue else xs[i].Not() for queue, xs in v.activity.items()]
        self.model.add_assumptions(literals)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = 10.0
        solver.parameters.num_workers = workers
        status = solver.solve(self.model)
        self.model.clear_assumptions()
        return solver.objective_value if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else math.inf

    def solve(self, time_limit_s: float = 60.0, workers: int = 8, seed: int = 0,
              progress: Callable[[Progress], None] | None = None,
              should_stop: Callable[[], bool] | None = None, deterministic: bool = False) -> Solution:
        """Search for the best roster; `deterministic` takes the limit in CP-SAT's deterministic time units
        on one worker, so that a seed always gives the same roster."""
        solver = cp_model.CpSolver()
        if deterministic:
            solver.parameters.max_deterministic_time = time_limit_s
            solver.parameters.num_workers = 1
        else:
            solver.parameters.max_time_in_seconds = time_limit_s
            solver.parameters.num_workers = workers
        solver.parameters.random_seed = seed
        # The constructive hint leaves auxiliary variables open; let the solver complete and repair it.
        solver.parameters.repair_hint = False
        solver.parameters.hint_conflict_limit = 20_000
        callback = _Callback(progress, should_stop)
        status = solver.solve(self.model, callback)
        name = solver.status_name(status)
        size = {"variables": len(self.model.proto.variables), "constraints": len(self.model.proto.constraints)}
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            reason = ("no legal roster exists for these agents, rules and days" if status == cp_model.INFEASIBLE
                      else "no roster found within the time limit; give the solver more time")
            return Solution(name, Roster(()), None, None, None, solver.wall_time, 0, (reason,), size,
                            deterministic_time=solver.deterministic_time)
        roster = Roster(tuple(self._shifts(solver)))
        objective, bound = solver.objective_value, solver.best_objective_bound
        gap = abs(objective - bound) / max(abs(objective), 1e-9) if objective else 0.0
        under = sum(solver.value(v) for v in self.under.values())
        return Solution(name, roster, objective, bound, gap, solver.wall_time, under,
                        tuple(self._explain(solver)), size, self._agent_costs(solver), self._agent_lines(solver),
                        solver.deterministic_time)

    def _shifts(self, solver: cp_model.CpSolver) -> list[Shift]:
        shifts = []
        for (agent_id, day), v in self.vars.items():
            slots = self.slots[day]
            labels = []
            for i, t in enumerate(slots):
                if not solver.value(v.on[i]):
                    continue
                if solver.value(v.brk[i]):
                    labels.append((t, BREAK))
                    continue
                queue = next(q for q, xs in v.activity.items() if solver.value(xs[i]))
                labels.append((t, queue))
            if labels:
                shifts.append(Shift(agent_id, day, _merge(labels, self.step)))
        return shifts

    def _explain(self, solver: cp_model.CpSolver) -> list[str]:
        """The soft terms that still cost something, largest first, under-staffing merged into time ranges."""
        lines = []
        short = sorted(((q, t, solver.value(v)) for (q, t), v in self.under.items() if solver.value(v) > 0),
                       key=lambda x: (x[0], x[1]))
        lines += _short_ranges(short, self.step, self.p.site.timezone)
        for agent_lines in self._agent_lines(solver).values():
            lines += agent_lines
        return lines

    def _agent_lines(self, solver: cp_model.CpSolver) -> dict[str, tuple[str, ...]]:
        """Per agent: what could not be met and the soft terms of their own that still cost something."""
        lines: dict[str, list[str]] = {a.agent_id: [] for a in self.p.agents}
        for agent_id, note in self.notes:
            lines[agent_id].append(note)
        for term in self.penalties:
            if term.agent_id is None or term.kind == "work" or (term.kind == "start" and solver.value(term.expr) <= 4):
                continue
            value = solver.value(term.expr)
            if value > 0:
                lines[term.agent_id].append(f"{term.name}: {value}" if term.kind in ("contract", "change", "fairness",
                                                                                     "start") else term.name)
        return {agent_id: tuple(found) for agent_id, found in lines.items()}

    def _agent_costs(self, solver: cp_model.CpSolver) -> dict[str, int]:
        costs: dict[str, int] = {a.agent_id: 0 for a in self.p.agents}
        for term in self.penalties:
            if term.agent_id is not None:
                costs[term.agent_id] += term.weight * solver.value(term.expr)
        return costs


class _Callback(cp_model.CpSolverSolutionCallback):
    def __init__(self, progress: Callable[[Progress], None] | None, should_stop: Callable[[], bool] | None):
        super().__init__()
        self.progress, self.should_stop, self.count = progress, should_stop, 0

    def on_solution_callback(self) -> None:
        self.count += 1
        objective, bound = self.objective_value, self.best_objective_bound
        if self.progress:
            gap = abs(objective - bound) / max(abs(objective), 1e-9) if objective else 0.0
            self.progress(Progress(objective, bound, gap, self.wall_time, self.count))
        if self.should_stop and self.should_stop():
            self.stop_search()


@dataclass(frozen=True)
class _Required:
    queues: frozenset[str]
    need: dict[tuple[str, pd.Timestamp], int]


def contract_bounds(p: Problem, slots_by_day: Mapping[dt.date, list[pd.Timestamp]], agent: Agent,
                    week_days: Sequence[dt.date]) -> tuple[int, int]:
    """Work minutes this agent should (lower, soft) and may (upper, hard) work in one calendar week of the
    period: the weekly contract within its tolerance, the lower one pro rata for a partial week, both less
    approved leave."""
    tolerance = p.rules.weekly_hours_tolerance
    weekly = agent.weekly_hours * 60
    # As the checker: a whole day of leave on an open day counts as a working day of the contract.
    leave_days = sum(1 for d in week_days if slots_by_day[d]
                     and _on_leave_all_day(agent, d, p.absences, p.site))
    leave = min(weekly, leave_days * weekly / max(agent.max_days_per_week, 1))
    full_week = [week_days[0] + dt.timedelta(days=k - week_days[0].weekday()) for k in range(7)]
    open_all = sum(1 for d in full_week if _open_slots(p.site, d)) or 1
    open_here = sum(1 for d in week_days if slots_by_day[d])
    # As the checker: the tolerance applies to the contract, then the leave is credited (a sick day after a
    # long day worked must not make the hours already worked illegal).
    low = weekly * open_here / open_all * (1 - tolerance) - leave
    high = weekly * (1 + tolerance) - leave
    return max(0, math.floor(low)), max(0, math.ceil(high))

def possible_work_units(p: Problem, slots_by_day: Mapping[dt.date, list[pd.Timestamp]],
                        blocked: Mapping[tuple[str, dt.date], set[int]], agent: Agent,
                        week_days: Sequence[dt.date]) -> int:
    """The most work (in intervals) the agent could do in these days: per day the longest run of free open
    intervals less its breaks, capped by the daily limit, on at most max_days_per_week days."""
    rules, unit = p.rules, p.site.interval_minutes
    per_day = []
    for day in week_days:
        slots, closed = slots_by_day[day], blocked[(agent.agent_id, day)]
        longest = run = 0
        for i in range(len(slots)):
            adjacent = i > 0 and slots[i] - slots[i - 1] == pd.Timedelta(minutes=unit)
            run = (run + 1 if adjacent else 1) if i not in closed else 0
            longest = max(longest, run)
        work = min(longest, rules.max_daily_work_minutes // unit)
        while work > 0 and work + math.ceil(rules.min_break_minutes(work * unit) / unit) > longest:
            work -= 1
        per_day.append(work if work * unit >= rules.min_shift_minutes else 0)
    limit = agent.max_days_per_week
    if len(week_days) == 7:
        limit = min(limit, 7 - rules.min_days_off_per_week)
    best = sorted(per_day, reverse=True)[:limit]
    # §3's 8 h average caps the total over the days worked as well.
    return min(sum(best), (rules.average_daily_work_minutes // unit) * sum(1 for w in best if w > 0))


def _required(requirements: pd.DataFrame) -> _Required:
    need = {}
    for queue, start, agents in zip(requirements["queue"], requirements["interval_start"],
                                    requirements["agents_required"], strict=True):
        need[(str(queue), pd.Timestamp(start))] = int(agents)
    return _Required(frozenset(requirements["queue"]), need)


def _open_slots(site: Site, day: dt.date) -> list[pd.Timestamp]:
    return list(open_intervals(site, day))


def _on_grid(start: pd.Timestamp, granularity: int, site: Site) -> bool:
    local = start.tz_convert(site.timezone)
    return (local.hour * 60 + local.minute) % granularity == 0


def _weeks(days: tuple[dt.date, ...]) -> list[list[dt.date]]:
    weeks: dict[tuple[int, int], list[dt.date]] = {}
    for day in days:
        weeks.setdefault(day.isocalendar()[:2], []).append(day)
    return list(weeks.values())


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _on_leave_all_day(agent: Agent, day: dt.date, absences: tuple[Absence, ...], site: Site) -> bool:
    start = pd.Timestamp(day).tz_localize(site.timezone)
    end = (pd.Timestamp(day) + pd.Timedelta(days=1)).tz_localize(site.timezone)
    return any(a.agent_id == agent.agent_id and a.start <= start and a.end >= end for a in absences)


def _blocked(agent: Agent, day: dt.date, slots: list[pd.Timestamp], step: pd.Timedelta,
             absences: tuple[Absence, ...], previous: tuple[Shift, ...], rules: RuleSet, site: Site,
             following: tuple[Shift, ...] = ()) -> set[int]:
    """Intervals the agent cannot work: leave, outside their earliest start / latest end, rest after the
    previous roster's last shift and before the first following one."""
    blocked = set()
    own_absences = [a for a in absences if a.agent_id == agent.agent_id]
    last_previous = max((s.end for s in previous if s.agent_id == agent.agent_id), default=None)
    next_start = min((pd.Timestamp(s.start) for s in following if s.agent_id == agent.agent_id), default=None)
    rest = pd.Timedelta(minutes=rules.min_rest_minutes)
    for i, t in enumerate(slots):
        end = t + step
        local = t.tz_convert(site.timezone)
        if any(a.start < end and a.end > t for a in own_absences):
            blocked.add(i)
        if agent.earliest_start and local.time() < agent.earliest_start:
            blocked.add(i)
        if agent.latest_end and (end.tz_convert(site.timezone).time() > agent.latest_end
                                 and end.tz_convert(site.timezone).time() != dt.time(0, 0)):
            blocked.add(i)
        rest_until = None if last_previous is None else (
            pd.Timestamp(last_previous) + pd.Timedelta(minutes=rules.min_rest_minutes))
        if rest_until is not None and t < rest_until:
            blocked.add(i)
        if next_start is not None and end > next_start - rest:
            blocked.add(i)
    return blocked


def _ends_late(t: pd.Timestamp, step: pd.Timedelta, day: dt.date, site: Site) -> bool:
    """Working this interval makes the shift a late one (the checker's definition)."""
    end = (t + step).tz_convert(site.timezone)
    return end.time() > LATE_ENDS_AFTER or end.date() > day


def _merge(labels: list[tuple[pd.Timestamp, str]], step: pd.Timedelta) -> tuple[Segment, ...]:
    """Consecutive intervals of one activity as one segment, in UTC (wall-clock arithmetic breaks on DST days)."""
    segments: list[Segment] = []
    for t, activity in labels:
        t = t.tz_convert("UTC")
        if segments and segments[-1].activity == activity and pd.Timestamp(segments[-1].end) == t:
            last = segments[-1]
            segments[-1] = Segment(last.start, (t + step).to_pydatetime(), activity)
        else:
            segments.append(Segment(t.to_pydatetime(), (t + step).to_pydatetime(), activity))
    return tuple(segments)


def _short_ranges(short: list[tuple[str, pd.Timestamp, int]], step: pd.Timedelta, tz: str) -> list[str]:
    """'Tue 10:15-11:00 billing short by 2' from per-interval shortages."""
    lines, run = [], None
    for queue, start, count in short + [("", pd.Timestamp(0, tz="UTC"), 0)]:
        if run and queue == run[0] and start == run[2] and count == run[3]:
            run = (run[0], run[1], start + step, count)
            continue
        if run:
            a, b = run[1].tz_convert(tz), run[2].tz_convert(tz)
            lines.append(f"{a:%a %d.%m. %H:%M}-{b:%H:%M} {run[0]} short by {run[3]}")
        run = (queue, start, start + step, count) if count else None
    return lines


def greedy_plan(model: RosterModel) -> dict[tuple[str, dt.date], list[str | None]]:
    """A quick legal-minded roster: each agent, specialists first, takes the shifts that cover the most
    remaining demand on their best days, with the break where demand is lowest."""
    p, unit = model.p, model.p.site.interval_minutes
    residual = {key: float(need) for key, need in model.required.need.items()}
    plan: dict[tuple[str, dt.date], list[str | None]] = {}
    for agent in sorted(p.agents, key=lambda a: len(a.skills)):
        queues = [q for q in agent.skills if q in model.required.queues]
        target = model.contract_target(agent)
        days_off_needed = max(0, len([d for d in p.days if model.slots[d]]) - agent.max_days_per_week)
        day_value = {}
        for day in p.days:
            slots = model.slots[day]
            free = [i for i in range(len(slots)) if i not in model.blocked[(agent.agent_id, day)]]
            day_value[day] = sum(max((residual.get((q, slots[i]), 0.0) for q in queues), default=0.0) for i in free)
        usable = [d for d in p.days if len(model.slots[d]) > len(model.blocked[(agent.agent_id, d)])]
        count = max(0, min(len(usable), len(usable) - days_off_needed if days_off_needed else len(usable),
                           agent.max_days_per_week))
        if target <= 0 or count == 0:
            continue
        # Round up: the contract's lower bound must be reached with whole quarter-hours.
        work_units = math.ceil(min(p.rules.max_daily_work_minutes, max(p.rules.min_shift_minutes, target / count))
                               / unit)
        placed = 0
        for day in sorted(usable, key=lambda d: -day_value[d]):
            if placed == count:
                break
            labels = _best_shift(model, agent, day, queues, work_units, residual)
            if labels is None:
                continue  # no room that day (leave, availability): the next best day takes the shift
            placed += 1
            plan[(agent.agent_id, day)] = labels
            for i, label in enumerate(labels):
                if label not in (None, BREAK):
                    key = (label, model.slots[day][i])
                    residual[key] = residual.get(key, 0.0) - 1
    return plan


def _best_shift(model: RosterModel, agent: Agent, day: dt.date, queues: list[str], work_units: int,
                residual: dict) -> list[str | None] | None:
    rules, unit, slots = model.p.rules, model.p.site.interval_minutes, model.slots[day]
    breaks = math.ceil(rules.min_break_minutes(work_units * unit) / unit)
    span = work_units + breaks
    blocked = model.blocked[(agent.agent_id, day)]
    value = [max((residual.get((q, t), 0.0) for q in queues), default=0.0) for t in slots]
    best, best_score = None, -1.0
    for start in range(0, len(slots) - span + 1):
        window = range(start, start + span)
        if any(i in blocked for i in window) or not _on_grid(slots[start], rules.start_granularity_minutes,
                                                                model.p.site):
            continue
        if any(slots[i + 1] - slots[i] != model.step for i in range(start, start + span - 1)):
            continue
        score = sum(value[i] for i in window)
        if score > best_score:
            best, best_score = start, score
    if best is None:
        return None
    labels: list[str | None] = [None] * len(slots)
    before = math.ceil(rules.min_work_before_break_minutes / unit)
    after = math.ceil(rules.min_work_after_break_minutes / unit)
    longest = rules.max_work_without_break_minutes // unit
    break_at = None
    if breaks:
        # The break goes where demand is lowest, with both parts of the shift short enough.
        lo = max(best + before, best + span - breaks - longest)
        hi = min(best + span - after - breaks, best + longest)
        choices = [b for b in range(lo, hi + 1)]
        if choices:
            break_at = min(choices, key=lambda b: sum(value[b:b + breaks]))
    for i in range(best, best + span):
        if break_at is not None and break_at <= i < break_at + breaks:
            labels[i] = BREAK
            continue
        t = slots[i]
        labels[i] = max(queues, key=lambda q: residual.get((q, t), 0.0)) if queues else None
    return labels
