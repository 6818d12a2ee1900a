"""The independent roster checker: every working-time and contract rule, evaluated on a finished roster.

Rules are data: one small function per rule, all with the signature ``rule(ctx: CheckContext) -> list[Violation]``,
collected in HARD_RULES (legal and contractual limits a published roster must keep) and SOFT_RULES (wishes and
fairness, reported as penalties with ``hard=False``). The function's name is the rule's stable id. The limits
come from the site's RuleSet (ArbZG defaults, tightened by site.toml), never from constants in the rules.

Conventions shared by all rules:
- Times are compared as instants, so every duration is real elapsed time (a DST night shift has 1 h more or
  less than the wall clock suggests). The context turns every time into UTC before any rule sees it: Python
  subtracts and compares two datetimes that share a tzinfo by their wall clocks, which is an hour off across
  a DST change. Messages show site-local wall-clock times as "Mon 07.12. 08:00".
- A shift belongs to its date (the local date on which it starts). "Work" is every segment that is not a
  break; breaks are rest breaks in the sense of ArbZG §4 and are not working time.
- A break "block" is a maximal run of back-to-back break segments; only blocks of at least
  rules.min_break_block_minutes count as rest breaks (§4).
- The horizon is ``week_start`` and ``days``; weekly rules look at ISO weeks (Monday to Sunday). Rules that
  need a whole week (contract hours, days off) check only ISO weeks that lie wholly inside the horizon.
- ``previous`` holds the shifts of the previous roster; they count for rest, days per week and substitute
  days off. Previous shifts dated on or after week_start are ignored (the new roster replaces them), and the
  previous roster is taken to be complete from its first date up to week_start.
- Shifts without segments or with naive times are reported by segments_well_formed and skipped by the
  other rules; rules that need an agent's contract skip agents missing from ``agents`` (known_agents
  reports them).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

from forecasts.calendar import holiday_name, local_instant, opening_ranges
from forecasts.site import Site
from scheduler.domain import Absence, Agent
from scheduler.roster import Roster, Segment, Shift
from scheduler.rules import ARBZG, RuleSet

WEEKDAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SUNDAY = 6
SATURDAY = 5
# Shift kinds for preferences and fairness: an early shift starts before 10:00, a late one ends after 18:00
# (a shift that ends after midnight is late). A shift may be neither (09:00-17:00 is early, not late) or both.
EARLY_STARTS_BEFORE = dt.time(10, 0)
LATE_ENDS_AFTER = dt.time(18, 0)
# §11(3): a worked public holiday on a weekday gets its substitute day off within 8 weeks (Sundays: the RuleSet).
HOLIDAY_SUBSTITUTE_WITHIN_DAYS = 56
# Fairness: an agent with more late shifts (or Saturdays) than their team's average plus this gets a penalty.
FAIRNESS_MARGIN = 1


@dataclass(frozen=True)
class Violation:
    """One broken rule: whose (agent_id, None for site-wide), when (a local date), which rule and why."""

    agent_id: str | None
    date: dt.date | None
    rule: str
    hard: bool
    message: str


@dataclass(frozen=True)
class CheckContext:
    """Everything a rule may look at. `agents` maps agent_id to Agent; `previous` is the previous roster's shifts.

    The horizon runs from `week_start` for `days` days. When `week_start` is None it is the Monday of the
    first shift's week and the horizon covers whole ISO weeks up to the last shift; when only `days` is None,
    it is 7 days.
    """

    roster: Roster
    agents: Mapping[str, Agent]
    site: Site
    rules: RuleSet = ARBZG
    absences: tuple[Absence, ...] = ()
    previous: tuple[Shift, ...] = ()
    week_start: dt.date | None = None
    days: int | None = None

    @classmethod
    def build(cls, roster: Roster, agents: Iterable[Agent], site: Site, *, rules: RuleSet | None = None,
              absences: Iterable[Absence] = (), previous: Roster | Iterable[Shift] = (),
              week_start: dt.date | None = None, days: int | None = None) -> CheckContext:
        """A context from plain lists (agents in any order; previous as a Roster or shifts)."""
        previous_shifts = previous.shifts if isinstance(previous, Roster) else tuple(previous)
        return cls(roster=roster, agents={a.agent_id: a for a in agents}, site=site, rules=rules or ARBZG,
                   absences=tuple(absences), previous=previous_shifts, week_start=week_start, days=days)

    @cached_property
    def horizon(self) -> tuple[dt.date, ...]:
        """The local dates the roster covers."""
        dates = [s.date for s in self.roster.shifts]
        start = self.week_start
        if start is None:
            if not dates:
                return ()
            start = _monday(min(dates))
            days = self.days if self.days is not None else (_monday(max(dates)) - start).days + 7
        else:
            days = self.days if self.days is not None else 7
        return tuple(start + dt.timedelta(days=i) for i in range(days))

    @cached_property
    def shifts(self) -> tuple[Shift, ...]:
        """The roster's usable shifts (with segments, tz-aware) in UTC, by agent and start."""
        return tuple(sorted((_in_utc(s) for s in self.roster.shifts if _usable(s)),
                            key=lambda s: (s.agent_id, s.start)))

    @cached_property
    def previous_shifts(self) -> tuple[Shift, ...]:
        """Usable shifts of the previous roster dated before the horizon, in UTC."""
        first = self.horizon[0] if self.horizon else None
        return tuple(sorted((_in_utc(s) for s in self.previous if _usable(s) and (first is None or s.date < first)),
                            key=lambda s: (s.agent_id, s.start)))

    @cached_property
    def absences_utc(self) -> tuple[Absence, ...]:
        return tuple(dataclasses.replace(a, start=a.start.astimezone(dt.UTC), end=a.end.astimezone(dt.UTC))
                     for a in self.absences)

    def shifts_of(self, agent_id: str) -> list[Shift]:
        """The agent's roster shifts (UTC), by start."""
        return list(self._by_agent.get(agent_id, ()))

    @cached_property
    def _by_agent(self) -> dict[str, list[Shift]]:
        grouped: dict[str, list[Shift]] = {}
        for shift in self.shifts:
            grouped.setdefault(shift.agent_id, []).append(shift)
        return grouped

    def open_ranges(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The site's opening hours on a local date as UTC instants [from, to)."""
        if day not in self._open_cache:
            site = self.site
            self._open_cache[day] = [(_utc_instant(site, day, r.start_min), _utc_instant(site, day, r.end_min))
                                     for r in opening_ranges(site, day)]
        return self._open_cache[day]

    @cached_property
    def _open_cache(self) -> dict[dt.date, list[tuple[dt.datetime, dt.datetime]]]:
        return {}

    @cached_property
    def rostered_agent_ids(self) -> tuple[str, ...]:
        return tuple(sorted({s.agent_id for s in self.shifts}))

    @cached_property
    def known_from(self) -> dt.date | None:
        """First local date whose work is known: the previous roster's first date, else the horizon's."""
        dates = [s.date for s in self.previous_shifts] + list(self.horizon[:1])
        return min(dates) if dates else None

    def name(self, agent_id: str | None) -> str:
        agent = self.agents.get(agent_id) if agent_id is not None else None
        return agent.name if agent is not None else str(agent_id)

    def full_weeks(self) -> list[dt.date]:
        """Mondays of the ISO weeks that lie wholly inside the horizon."""
        days = set(self.horizon)
        return [d for d in self.horizon if d.weekday() == 0 and d + dt.timedelta(days=6) in days]

    def touched_weeks(self) -> list[dt.date]:
        """Mondays of the ISO weeks the horizon touches."""
        return sorted({_monday(d) for d in self.horizon})

    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.site.tz)


Rule = Callable[[CheckContext], list[Violation]]


# ----------------------------------------------------------------------------------------------- hard rules

def known_agents(ctx: CheckContext) -> list[Violation]:
    """Every rostered agent is in agents.csv (contract, skills and availability are checked against it)."""
    out = []
    for agent_id in sorted({s.agent_id for s in ctx.roster.shifts}):
        if agent_id not in ctx.agents:
            first = min(s.date for s in ctx.roster.shifts if s.agent_id == agent_id)
            out.append(_hard(known_agents, agent_id, first, f"{agent_id}: has shifts (the first on {_day(first)}) "
                             "but is not in agents.csv; add the agent or remove the shifts"))
    return out


def segments_well_formed(ctx: CheckContext) -> list[Violation]:
    """A shift has segments with tz-aware times, each ending after it starts, back to back without gap or
    overlap, dated by the local date of its start, with every inner boundary on the planning grid (the greatest
    common divisor of the site's interval and the start granularity; the shift's start is start_granularity's).
    """
    out = []
    grid = math.gcd(ctx.site.interval_minutes, ctx.rules.start_granularity_minutes)
    for shift in sorted(ctx.roster.shifts, key=lambda s: (s.agent_id, s.date)):
        who, day = ctx.name(shift.agent_id), shift.date
        if not shift.segments:
            out.append(_hard(segments_well_formed, shift.agent_id, day, f"{who}: the shift on {_day(day)} has no "
                             "segments"))
            continue
        naive = [s for s in shift.segments if s.start.tzinfo is None or s.end.tzinfo is None]
        if naive:
            out.append(_hard(segments_well_formed, shift.agent_id, day,
                             f"{who}: the shift on {_day(day)} has times without a UTC offset (first: "
                             f"{naive[0].activity} {naive[0].start.isoformat()}); give every time with its offset"))
            continue
        segments = sorted(_in_utc(shift).segments, key=lambda s: s.start)
        start_day = ctx.local(segments[0].start).date()
        if start_day != day:
            out.append(_hard(segments_well_formed, shift.agent_id, day,
                             f"{who}: the shift dated {_day(day)} starts {_when(ctx, segments[0].start)}; a shift "
                             "is dated by the local date on which it starts"))
        for seg in segments:
            if seg.end <= seg.start:
                out.append(_hard(segments_well_formed, shift.agent_id, day,
                                 f"{who}: {seg.activity} {_span(ctx, seg.start, seg.end)} does not end after it "
                                 "starts"))
        for before, after in zip(segments, segments[1:], strict=False):
            if after.start > before.end:
                out.append(_hard(segments_well_formed, shift.agent_id, day,
                                 f"{who}: the shift on {_day(day)} has a gap {_span(ctx, before.end, after.start)}; "
                                 "a shift is one unbroken run of segments (a pause is a break segment)"))
            elif after.start < before.end:
                out.append(_hard(segments_well_formed, shift.agent_id, day,
                                 f"{who}: {before.activity} {_span(ctx, before.start, before.end)} and "
                                 f"{after.activity} {_span(ctx, after.start, after.end)} overlap"))
        boundaries = sorted({s.end for s in segments} | {s.start for s in segments[1:]})
        for moment in boundaries:
            if not _on_grid(ctx.local(moment), grid):
                out.append(_hard(segments_well_formed, shift.agent_id, day,
                                 f"{who}: a segment boundary at {_when(ctx, moment)} is not on the {grid}-minute "
                                 "planning grid"))
    return out


def start_granularity(ctx: CheckContext) -> list[Violation]:
    """Shifts start on the rules.start_granularity_minutes grid of local wall-clock time (e.g. quarter-hours);
    0 means any whole minute."""
    out = []
    step = ctx.rules.start_granularity_minutes or 1
    for shift in ctx.shifts:
        start = ctx.local(shift.start)
        if not _on_grid(start, step):
            minute = start.hour * 60 + start.minute
            below = minute - minute % step
            out.append(_hard(start_granularity, shift.agent_id, shift.date,
                             f"{ctx.name(shift.agent_id)}: the shift on {_day(shift.date)} starts at "
                             f"{_clock(start)}; shifts start on the {step}-minute grid (e.g. "
                             f"{_minute_clock(below)} or {_minute_clock(below + step)})"))
    return out


def inside_opening_hours(ctx: CheckContext) -> list[Violation]:
    """Every working segment lies within the site's opening hours (DST-aware, special days and holidays from
    the calendar); a break lies inside its shift, so a shift neither starts nor ends with a break."""
    out = []
    for shift in ctx.shifts:
        who = ctx.name(shift.agent_id)
        for seg in shift.segments:
            if seg.is_break:
                continue
            if _uncovered(ctx, seg.start, seg.end) is not None:
                days = _local_days(ctx, seg.start, seg.end)
                hours = "; ".join(_opening_text(ctx.site, d) for d in days)
                out.append(_hard(inside_opening_hours, shift.agent_id, shift.date,
                                 f"{who}: {seg.activity} {_span(ctx, seg.start, seg.end)} lies outside the opening "
                                 f"hours ({hours})"))
        for edge, where in ((shift.segments[0], "starts"), (shift.segments[-1], "ends")):
            if edge.is_break:
                out.append(_hard(inside_opening_hours, shift.agent_id, shift.date,
                                 f"{who}: the shift on {_day(shift.date)} {where} with a break "
                                 f"({_span(ctx, edge.start, edge.end)}); a break must lie inside the shift"))
    return out


def one_shift_per_day(ctx: CheckContext) -> list[Violation]:
    """At most one shift per agent and date."""
    out = []
    groups: dict[tuple[str, dt.date], list[Shift]] = {}
    for shift in ctx.shifts:
        groups.setdefault((shift.agent_id, shift.date), []).append(shift)
    for (agent_id, day), shifts in sorted(groups.items()):
        if len(shifts) > 1:
            spans = " and ".join(_clock_span(ctx, s.start, s.end) for s in shifts)
            out.append(_hard(one_shift_per_day, agent_id, day, f"{ctx.name(agent_id)}: {len(shifts)} shifts on "
                             f"{_day(day)} ({spans}); one shift per day"))
    return out


def min_shift_length(ctx: CheckContext) -> list[Violation]:
    """A shift has at least rules.min_shift_minutes of work (site policy)."""
    limit = ctx.rules.min_shift_minutes
    return [_hard(min_shift_length, s.agent_id, s.date,
                  f"{ctx.name(s.agent_id)}: the shift on {_day(s.date)} has only {_duration(_work(s))} of "
                  f"work; the site's minimum is {_duration(limit)}")
            for s in ctx.shifts if _work(s) < limit]


def daily_work_limit(ctx: CheckContext) -> list[Violation]:
    """ArbZG §3: at most rules.max_daily_work_minutes (10 h) of work a day."""
    limit = ctx.rules.max_daily_work_minutes
    return [_hard(daily_work_limit, s.agent_id, s.date,
                  f"{ctx.name(s.agent_id)}: {_duration(_work(s))} of work on {_day(s.date)}; ArbZG §3 "
                  f"allows at most {_duration(limit)} a day")
            for s in ctx.shifts if _work(s) > limit]


def average_daily_work(ctx: CheckContext) -> list[Violation]:
    """ArbZG §3, the in-period check: days of more than 8 h must be balanced, so an agent's work averaged over
    the days worked in this roster stays at rules.average_daily_work_minutes (the law's 24-week average over
    all working days is not visible in one roster; this check is stricter and never looser)."""
    out = []
    limit = ctx.rules.average_daily_work_minutes
    for agent_id in ctx.rostered_agent_ids:
        shifts = ctx.shifts_of(agent_id)
        days = sorted({s.date for s in shifts})
        total = sum(_work(s) for s in shifts)
        if total > limit * len(days):
            average = math.ceil(total / len(days))
            out.append(_hard(average_daily_work, agent_id, days[0],
                             f"{ctx.name(agent_id)}: {len(days)} days of work from {_day(days[0])} to "
                             f"{_day(days[-1])} average {_duration(average)}; ArbZG §3 allows more than "
                             f"{_duration(limit)} a day only if the average stays at {_duration(limit)} (checked "
                             "over the days worked in this roster)"))
    return out


def breaks_required(ctx: CheckContext) -> list[Violation]:
    """ArbZG §4: breaks of at least 30 min for more than 6 h of work, 45 min for more than 9 h; only blocks of at
    least rules.min_break_block_minutes count."""
    out = []
    block = ctx.rules.min_break_block_minutes
    for shift in ctx.shifts:
        work = _work(shift)
        required = ctx.rules.min_break_minutes(work)
        lengths = [_minutes(start, end) for start, end in _break_blocks(shift)]
        counted = sum(m for m in lengths if m >= block)
        if counted < required:
            short = sum(m for m in lengths if m < block)
            note = f" ({_duration(short)} more in blocks under {block} min, which do not count)" if short else ""
            over = "9 h" if work > 9 * 60 else "6 h"
            out.append(_hard(breaks_required, shift.agent_id, shift.date,
                             f"{ctx.name(shift.agent_id)}: {_duration(work)} of work on {_day(shift.date)} with "
                             f"{_duration(counted)} of break{note}; ArbZG §4 requires {_duration(required)} for "
                             f"more than {over} of work"))
    return out


def break_blocks(ctx: CheckContext) -> list[Violation]:
    """ArbZG §4: every break lasts at least rules.min_break_block_minutes (back-to-back break segments are one)."""
    out = []
    block = ctx.rules.min_break_block_minutes
    for shift in ctx.shifts:
        for start, end in _break_blocks(shift):
            if _minutes(start, end) < block:
                out.append(_hard(break_blocks, shift.agent_id, shift.date,
                                 f"{ctx.name(shift.agent_id)}: the break {_span(ctx, start, end)} lasts "
                                 f"{_duration(_minutes(start, end))}; ArbZG §4 breaks last at least {block} min"))
    return out


def work_without_break(ctx: CheckContext) -> list[Violation]:
    """ArbZG §4: never more than rules.max_work_without_break_minutes of work without a break block of at least
    rules.min_break_block_minutes (shorter pauses do not interrupt the run)."""
    out = []
    limit, block = ctx.rules.max_work_without_break_minutes, ctx.rules.min_break_block_minutes
    for shift in ctx.shifts:
        for first, last, work in _work_runs(shift, block):
            if work > limit:
                out.append(_hard(work_without_break, shift.agent_id, shift.date,
                                 f"{ctx.name(shift.agent_id)}: {_duration(work)} of work in a row on "
                                 f"{_day(shift.date)} from {_clock(ctx.local(first))} to {_clock(ctx.local(last))}; "
                                 f"ArbZG §4 allows at most {_duration(limit)} without a break of at least "
                                 f"{block} min"))
    return out


def break_not_at_edges(ctx: CheckContext) -> list[Violation]:
    """ArbZG §4 (breaks are not at the very start or end): at least rules.min_work_before_break_minutes of work
    before the first break and rules.min_work_after_break_minutes after the last. A shift that starts or ends
    with the break itself is reported by inside_opening_hours."""
    out = []
    before_min, after_min = ctx.rules.min_work_before_break_minutes, ctx.rules.min_work_after_break_minutes
    for shift in ctx.shifts:
        blocks = _break_blocks(shift)
        if not blocks:
            continue
        who = ctx.name(shift.agent_id)
        (first_start, first_end), (last_start, last_end) = blocks[0], blocks[-1]
        before = sum(_length(s) for s in shift.segments if not s.is_break and s.end <= first_start)
        after = sum(_length(s) for s in shift.segments if not s.is_break and s.start >= last_end)
        if 0 < before < before_min:
            out.append(_hard(break_not_at_edges, shift.agent_id, shift.date,
                             f"{who}: the break {_span(ctx, first_start, first_end)} comes after only "
                             f"{_duration(before)} of work; at least {_duration(before_min)} of work must come "
                             "before the first break"))
        if 0 < after < after_min:
            out.append(_hard(break_not_at_edges, shift.agent_id, shift.date,
                             f"{who}: the break {_span(ctx, last_start, last_end)} is followed by only "
                             f"{_duration(after)} of work; at least {_duration(after_min)} of work must follow "
                             "the last break"))
    return out


def rest_between_shifts(ctx: CheckContext) -> list[Violation]:
    """ArbZG §5: at least rules.min_rest_minutes (11 h) between the end of one shift and the start of the next,
    also between the previous roster's last shift and this roster's first."""
    out = []
    need = ctx.rules.min_rest_minutes
    in_roster = {id(s) for s in ctx.shifts}
    for agent_id in ctx.rostered_agent_ids:
        shifts = sorted([s for s in ctx.previous_shifts if s.agent_id == agent_id] + ctx.shifts_of(agent_id),
                        key=lambda s: s.start)
        who = ctx.name(agent_id)
        for before, after in zip(shifts, shifts[1:], strict=False):
            if id(after) not in in_roster:
                continue
            rest = _minutes(before.end, after.start)
            if rest < 0:
                out.append(_hard(rest_between_shifts, agent_id, after.date,
                                 f"{who}: the shift starting {_when(ctx, after.start)} begins before the one "
                                 f"ending {_when(ctx, before.end)} is over; shifts must not overlap"))
            elif rest < need:
                out.append(_hard(rest_between_shifts, agent_id, after.date,
                                 f"{who}: only {_duration(rest)} rest between the shift ending "
                                 f"{_when(ctx, before.end)} and the one starting {_when(ctx, after.start)}; "
                                 f"ArbZG §5 requires {_duration(need)}"))
    return out


def weekly_contract_hours(ctx: CheckContext) -> list[Violation]:
    """Work per ISO week (of the weeks wholly inside the horizon) within ± rules.weekly_hours_tolerance of the
    agent's contract, less absence: a whole local day of absence on a day the site opens credits one contract
    day (weekly_hours / max_days_per_week), at most the week's contract."""
    out = []
    share = ctx.rules.weekly_hours_tolerance
    for monday in ctx.full_weeks():
        week = [monday + dt.timedelta(days=i) for i in range(7)]
        for agent_id in sorted(ctx.agents):
            agent = ctx.agents[agent_id]
            contract = round(agent.weekly_hours * 60)
            day_credit = contract / agent.max_days_per_week
            absent_days = sum(1 for d in week if _absent_whole_day(ctx, agent_id, d) and opening_ranges(ctx.site, d))
            credit = round(min(contract, absent_days * day_credit))
            work = sum(_work(s) for s in ctx.shifts_of(agent_id) if s.date in week)
            # The tolerance applies to the contract; absence is credited after it, so a sick day does not turn
            # the hours already worked that week into a violation.
            low = max(0, math.ceil(round(contract * (1 - share), 6)) - credit)
            high = max(0, math.floor(round(contract * (1 + share), 6)) - credit)
            if low <= work <= high:
                continue
            absence = f" less {_duration(credit)} of absence" if credit else ""
            out.append(_hard(weekly_contract_hours, agent_id, monday,
                             f"{ctx.name(agent_id)}: {_duration(work)} of work in {_week(monday)}; the contract "
                             f"asks {_duration(contract)} ± {share * 100:g} %{absence} ({_duration(low)} to "
                             f"{_duration(high)})"))
    return out


def max_days_per_week(ctx: CheckContext) -> list[Violation]:
    """At most agent.max_days_per_week shift dates per ISO week (the previous roster's shifts of that week count)."""
    out = []
    for monday in ctx.touched_weeks():
        sunday = monday + dt.timedelta(days=6)
        for agent_id in ctx.rostered_agent_ids:
            agent = ctx.agents.get(agent_id)
            if agent is None:
                continue
            shifts = [s for s in ctx.previous_shifts + ctx.shifts if s.agent_id == agent_id]
            days = {s.date for s in shifts if monday <= s.date <= sunday}
            if len(days) > agent.max_days_per_week:
                out.append(_hard(max_days_per_week, agent_id, monday,
                                 f"{ctx.name(agent_id)}: works {len(days)} days in {_week(monday)}; the contract "
                                 f"allows at most {agent.max_days_per_week}"))
    return out


def days_off_per_week(ctx: CheckContext) -> list[Violation]:
    """At least rules.min_days_off_per_week days without any work in each ISO week wholly inside the horizon
    (a day is worked when any working segment touches it, so a night shift takes two days); with
    rules.consecutive_days_off two of them in a row (a pair may reach into the neighbouring week when that day
    is inside the horizon, e.g. Sunday and Monday)."""
    out = []
    need = ctx.rules.min_days_off_per_week
    horizon = set(ctx.horizon)
    for monday in ctx.full_weeks():
        week = [monday + dt.timedelta(days=i) for i in range(7)]
        for agent_id in sorted(set(ctx.agents) | set(ctx.rostered_agent_ids)):
            worked = _worked_days(ctx.shifts_of(agent_id), ctx)
            off = [d for d in week if d not in worked]
            who = ctx.name(agent_id)
            if len(off) < need:
                out.append(_hard(days_off_per_week, agent_id, monday,
                                 f"{who}: {_count(len(off), 'day')} off in {_week(monday)}; at least {need} "
                                 "required"))
            elif ctx.rules.consecutive_days_off:
                known_off = {d for d in horizon if d not in worked}
                pairs = [d for d in [monday - dt.timedelta(days=1), *week]
                         if d in known_off and d + dt.timedelta(days=1) in known_off]
                if not pairs:
                    listed = ", ".join(_day(d) for d in off) or "none"
                    out.append(_hard(days_off_per_week, agent_id, monday,
                                     f"{who}: no two consecutive days off in {_week(monday)} (days off: {listed}); "
                                     "the site requires two in a row"))
    return out


def skills(ctx: CheckContext) -> list[Violation]:
    """Work on a site queue needs that queue among the agent's skills; other activities (training, meeting, …)
    need no skill."""
    out = []
    queues = set(ctx.site.queue_names)
    for shift in ctx.shifts:
        agent = ctx.agents.get(shift.agent_id)
        if agent is None:
            continue
        minutes: dict[str, int] = {}
        for seg in shift.segments:
            if seg.activity in queues and seg.activity not in agent.skills:
                minutes[seg.activity] = minutes.get(seg.activity, 0) + _length(seg)
        for activity, total in minutes.items():
            out.append(_hard(skills, shift.agent_id, shift.date,
                             f"{agent.name}: {_duration(total)} of {activity} on {_day(shift.date)} without the "
                             f"{activity} skill (skills: {', '.join(agent.skills)})"))
    return out


def leave_and_availability(ctx: CheckContext) -> list[Violation]:
    """No shift overlaps an absence of its agent; shifts start no earlier than agent.earliest_start and end no
    later than agent.latest_end (local wall-clock times; a shift past midnight ends after any latest_end)."""
    out = []
    for shift in ctx.shifts:
        agent = ctx.agents.get(shift.agent_id)
        if agent is None:
            continue
        span = _clock_span(ctx, shift.start, shift.end)
        for absence in ctx.absences_utc:
            if absence.agent_id == shift.agent_id and absence.start < shift.end and shift.start < absence.end:
                out.append(_hard(leave_and_availability, shift.agent_id, shift.date,
                                 f"{agent.name}: the shift on {_day(shift.date)} ({span}) overlaps "
                                 f"{_absence_text(ctx, absence)}"))
        start, end = ctx.local(shift.start), ctx.local(shift.end)
        if agent.earliest_start is not None and start.time() < agent.earliest_start:
            out.append(_hard(leave_and_availability, shift.agent_id, shift.date,
                             f"{agent.name}: the shift on {_day(shift.date)} starts at {_clock(start)}, before the "
                             f"agent's earliest start {agent.earliest_start:%H:%M}"))
        if agent.latest_end is not None and (end.date() > shift.date or end.time() > agent.latest_end):
            out.append(_hard(leave_and_availability, shift.agent_id, shift.date,
                             f"{agent.name}: the shift on {_day(shift.date)} ends at {_clock(end)}, after the "
                             f"agent's latest end {agent.latest_end:%H:%M}"))
    return out


def sundays_and_holidays(ctx: CheckContext) -> list[Violation]:
    """ArbZG §9-§11. Work on a Sunday or public holiday only where the site opens that day; every worked Sunday
    gets a substitute day off (a Monday-to-Saturday day that is no holiday, without work) within
    rules.substitute_rest_within_days after it, a worked weekday holiday within 8 weeks, one substitute day per
    worked day. Only what the roster shows is checked: a window that reaches past the horizon with no day off
    found inside it cannot be judged and is not reported. At least rules.min_sundays_off_per_year Sundays off a
    year: reported once the known Sundays worked already leave fewer off.
    """
    out = []
    site, rules = ctx.site, ctx.rules
    last_known = ctx.horizon[-1] if ctx.horizon else None
    for agent_id in ctx.rostered_agent_ids:
        who = ctx.name(agent_id)
        roster_days = _worked_days(ctx.shifts_of(agent_id), ctx)
        all_days = roster_days | _worked_days([s for s in ctx.previous_shifts if s.agent_id == agent_id], ctx)
        special = sorted(d for d in all_days if d.weekday() == SUNDAY or holiday_name(site, d))
        for day in special:
            if day in roster_days and not opening_ranges(site, day):
                kind = "a Sunday" if day.weekday() == SUNDAY else f"a public holiday ({holiday_name(site, day)})"
                out.append(_hard(sundays_and_holidays, agent_id, day,
                                 f"{who}: works on {_day(day)}, {kind}, although the site is closed that day; "
                                 "ArbZG §9 allows such work only where the site opens"))
        used: set[dt.date] = set()
        for day in special:
            within = rules.substitute_rest_within_days if day.weekday() == SUNDAY else HOLIDAY_SUBSTITUTE_WITHIN_DAYS
            window = [day + dt.timedelta(days=i) for i in range(1, within + 1)]
            if last_known is None or window[-1] < ctx.horizon[0]:
                continue
            free = next((d for d in window if d not in used and _substitute_day(ctx, d, all_days)), None)
            if free is not None:
                used.add(free)
            elif window[-1] <= last_known:
                out.append(_hard(sundays_and_holidays, agent_id, day,
                                 f"{who}: worked {_day(day)} but has no substitute day off (a working day without "
                                 f"work) from {_day(window[0])} to {_day(window[-1])}; ArbZG §11 requires one "
                                 f"within {within} days"))
        for year in sorted({d.year for d in special}):
            sundays = [d for d in special if d.year == year and d.weekday() == SUNDAY]
            total = _sundays_in_year(year)
            if sundays and total - len(sundays) < rules.min_sundays_off_per_year:
                worked = len(sundays)
                out.append(_hard(sundays_and_holidays, agent_id, sundays[-1],
                                 f"{who}: works {worked} of the {total} Sundays of {year}; ArbZG §11 requires at "
                                 f"least {rules.min_sundays_off_per_year} Sundays off a year"))
    return out


# ----------------------------------------------------------------------------------------------- soft rules

def preferences(ctx: CheckContext) -> list[Violation]:
    """Wishes of agents.csv: preferred_shift (early = starts before 10:00, late = ends after 18:00) and
    days_off_wish (a worked wished day off)."""
    out = []
    for shift in ctx.shifts:
        agent = ctx.agents.get(shift.agent_id)
        if agent is None:
            continue
        day = _day(shift.date)
        if agent.preferred_shift == "early" and not _is_early(ctx, shift):
            out.append(_soft(preferences, agent.agent_id, shift.date,
                             f"{agent.name} prefers early shifts but starts at {_clock(ctx.local(shift.start))} on "
                             f"{day} (early = starting before {EARLY_STARTS_BEFORE:%H:%M})"))
        if agent.preferred_shift == "late" and not _is_late(ctx, shift):
            out.append(_soft(preferences, agent.agent_id, shift.date,
                             f"{agent.name} prefers late shifts but ends at {_clock(ctx.local(shift.end))} on {day} "
                             f"(late = ending after {LATE_ENDS_AFTER:%H:%M})"))
        if shift.date.weekday() in agent.days_off_wish:
            out.append(_soft(preferences, agent.agent_id, shift.date,
                             f"{agent.name} wished {WEEKDAY_ABBR[shift.date.weekday()]} off but works {day}"))
    return out


def fairness(ctx: CheckContext) -> list[Violation]:
    """Late shifts and Saturdays are shared within a team: an agent with more than the team's average (over all
    its agents in agents.csv) plus 1 gets a penalty naming both numbers."""
    out = []
    first = ctx.horizon[0] if ctx.horizon else None
    kinds = (("late shifts", lambda s: _is_late(ctx, s)), ("Saturdays worked", lambda s: s.date.weekday() == SATURDAY))
    teams: dict[str, list[Agent]] = {}
    for agent in ctx.agents.values():
        teams.setdefault(agent.team, []).append(agent)
    for team, members in sorted(teams.items()):
        for label, matches in kinds:
            counts = {a.agent_id: sum(1 for s in ctx.shifts_of(a.agent_id) if matches(s)) for a in members}
            average = sum(counts.values()) / len(members)
            for agent in sorted(members, key=lambda a: a.agent_id):
                if counts[agent.agent_id] > average + FAIRNESS_MARGIN:
                    out.append(_soft(fairness, agent.agent_id, first,
                                     f"{agent.name}: {counts[agent.agent_id]} {label} while {team} averages "
                                     f"{average:.1f}; more than {FAIRNESS_MARGIN} above the average is unfair"))
    return out


HARD_RULES: tuple[Rule, ...] = (
    known_agents, segments_well_formed, start_granularity, inside_opening_hours, one_shift_per_day,
    min_shift_length, daily_work_limit, average_daily_work, breaks_required, break_blocks, work_without_break,
    break_not_at_edges, rest_between_shifts, weekly_contract_hours, max_days_per_week, days_off_per_week, skills,
    leave_and_availability, sundays_and_holidays,
)
SOFT_RULES: tuple[Rule, ...] = (preferences, fairness)
RULES: tuple[Rule, ...] = HARD_RULES + SOFT_RULES
RULE_IDS: tuple[str, ...] = tuple(r.__name__ for r in RULES)


def check_roster(ctx: CheckContext, rules: Iterable[Rule] = RULES) -> list[Violation]:
    """All violations of the roster, hard rules first, in the order of the rule lists."""
    return [v for rule in rules for v in rule(ctx)]


def summary(violations: Iterable[Violation]) -> dict[str, int]:
    """Violations per rule id: every known rule (0 when kept), in rule order, then any other ids met."""
    counts = Counter(v.rule for v in violations)
    result = {rule_id: counts.pop(rule_id, 0) for rule_id in RULE_IDS}
    result.update(sorted(counts.items()))
    return result


# ----------------------------------------------------------------------------------------------- helpers

def _hard(rule: Rule, agent_id: str | None, day: dt.date | None, message: str) -> Violation:
    return Violation(agent_id, day, rule.__name__, True, message)


def _soft(rule: Rule, agent_id: str | None, day: dt.date | None, message: str) -> Violation:
    return Violation(agent_id, day, rule.__name__, False, message)


def _usable(shift: Shift) -> bool:
    return bool(shift.segments) and all(s.start.tzinfo is not None and s.end.tzinfo is not None
                                        for s in shift.segments)


def _in_utc(shift: Shift) -> Shift:
    segments = (Segment(s.start.astimezone(dt.UTC), s.end.astimezone(dt.UTC), s.activity) for s in shift.segments)
    return Shift(shift.agent_id, shift.date, tuple(sorted(segments, key=lambda s: s.start)))


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _minutes(start: dt.datetime, end: dt.datetime) -> int:
    """Real elapsed minutes. Both ends go to UTC first: Python subtracts two datetimes that share a tzinfo by
    their wall clocks, which is an hour off across a DST change."""
    return int((end.astimezone(dt.UTC) - start.astimezone(dt.UTC)).total_seconds() // 60)


def _length(segment: Segment) -> int:
    return _minutes(segment.start, segment.end)


def _work(shift: Shift) -> int:
    """Working time (ArbZG §2): the shift's real minutes without its breaks."""
    return sum(_length(s) for s in shift.segments if not s.is_break)


def _on_grid(local: dt.datetime, step: int) -> bool:
    return local.second == 0 and local.microsecond == 0 and (local.hour * 60 + local.minute) % step == 0


def _break_blocks(shift: Shift) -> list[tuple[dt.datetime, dt.datetime]]:
    """Maximal runs of back-to-back break segments as (start, end)."""
    blocks: list[tuple[dt.datetime, dt.datetime]] = []
    for seg in shift.segments:
        if not seg.is_break:
            continue
        if blocks and blocks[-1][1] == seg.start:
            blocks[-1] = (blocks[-1][0], seg.end)
        else:
            blocks.append((seg.start, seg.end))
    return blocks


def _work_runs(shift: Shift, block: int) -> list[tuple[dt.datetime, dt.datetime, int]]:
    """Runs of work between break blocks of at least `block` minutes: (first start, last end, work minutes)."""
    qualifying = [(s, e) for s, e in _break_blocks(shift) if _minutes(s, e) >= block]
    runs: list[tuple[dt.datetime, dt.datetime, int]] = []
    current: list[Segment] = []
    for seg in [*shift.segments, None]:
        ends_run = seg is None or (seg.is_break and any(s <= seg.start < e for s, e in qualifying))
        if ends_run:
            if current:
                runs.append((current[0].start, current[-1].end, sum(_length(s) for s in current)))
            current = []
        elif not seg.is_break:
            current.append(seg)
    return runs


def _uncovered(ctx: CheckContext, start: dt.datetime, end: dt.datetime) -> dt.datetime | None:
    """The first instant of [start, end) outside the site's opening hours, or None."""
    first = ctx.local(start).date() - dt.timedelta(days=1)
    last = ctx.local(end).date()
    ranges = sorted(r for i in range((last - first).days + 1) for r in ctx.open_ranges(first + dt.timedelta(days=i)))
    cursor = start
    for open_from, open_to in ranges:
        if open_from > cursor:
            break
        cursor = max(cursor, open_to)
        if cursor >= end:
            return None
    return cursor if cursor < end else None


def _utc_instant(site: Site, day: dt.date, minutes: int) -> dt.datetime:
    return local_instant(site, day, minutes).to_pydatetime().astimezone(dt.UTC)


def _local_days(ctx: CheckContext, start: dt.datetime, end: dt.datetime) -> list[dt.date]:
    first = ctx.local(start).date()
    last = ctx.local(end - dt.timedelta(microseconds=1)).date()
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _worked_days(shifts: Iterable[Shift], ctx: CheckContext) -> set[dt.date]:
    """Local dates touched by any working segment."""
    return {d for s in shifts for seg in s.segments if not seg.is_break and seg.end > seg.start
            for d in _local_days(ctx, seg.start, seg.end)}


def _substitute_day(ctx: CheckContext, day: dt.date, worked: set[dt.date]) -> bool:
    """A known working day (Monday to Saturday, no holiday) without any work."""
    known = ctx.known_from is not None and ctx.known_from <= day <= ctx.horizon[-1]
    return known and day.weekday() != SUNDAY and holiday_name(ctx.site, day) is None and day not in worked


def _sundays_in_year(year: int) -> int:
    first = dt.date(year, 1, 1)
    first_sunday = first + dt.timedelta(days=(SUNDAY - first.weekday()) % 7)
    return (dt.date(year, 12, 31) - first_sunday).days // 7 + 1


def _absent_whole_day(ctx: CheckContext, agent_id: str, day: dt.date) -> bool:
    start, end = _utc_instant(ctx.site, day, 0), _utc_instant(ctx.site, day, 24 * 60)
    return any(a.agent_id == agent_id and a.start <= start and end <= a.end for a in ctx.absences_utc)


def _is_early(ctx: CheckContext, shift: Shift) -> bool:
    return ctx.local(shift.start).time() < EARLY_STARTS_BEFORE


def _is_late(ctx: CheckContext, shift: Shift) -> bool:
    end = ctx.local(shift.end)
    return end.date() > shift.date or end.time() > LATE_ENDS_AFTER


def _day(day: dt.date) -> str:
    return f"{WEEKDAY_ABBR[day.weekday()]} {day:%d.%m.}"


def _clock(local: dt.datetime) -> str:
    return f"{local:%H:%M}"


def _minute_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _when(ctx: CheckContext, moment: dt.datetime) -> str:
    local = ctx.local(moment)
    return f"{_day(local.date())} {_clock(local)}"


def _span(ctx: CheckContext, start: dt.datetime, end: dt.datetime) -> str:
    """'Mon 07.12. 08:00–16:30', or with both days when the span crosses midnight."""
    a, b = ctx.local(start), ctx.local(end)
    if a.date() == b.date():
        return f"{_day(a.date())} {_clock(a)}–{_clock(b)}"
    return f"{_day(a.date())} {_clock(a)}–{_day(b.date())} {_clock(b)}"


def _clock_span(ctx: CheckContext, start: dt.datetime, end: dt.datetime) -> str:
    return f"{_clock(ctx.local(start))}–{_clock(ctx.local(end))}"


def _week(monday: dt.date) -> str:
    sunday = monday + dt.timedelta(days=6)
    return f"week {monday.isocalendar().week} ({monday:%d.%m.}–{sunday:%d.%m.})"


def _duration(minutes: int) -> str:
    """'9 h 30 min', '10 h', '45 min', '0 min'."""
    sign, minutes = ("-", -minutes) if minutes < 0 else ("", minutes)
    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return f"{sign}{hours} h {rest} min"
    return f"{sign}{hours} h" if hours else f"{sign}{rest} min"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _opening_text(site: Site, day: dt.date) -> str:
    ranges = opening_ranges(site, day)
    if ranges:
        return f"{_day(day)}: open {', '.join(str(r).replace('-', '–') for r in ranges)}"
    holiday = holiday_name(site, day)
    return f"{_day(day)}: closed" + (f" ({holiday})" if holiday else "")


def _absence_text(ctx: CheckContext, absence: Absence) -> str:
    start, end = ctx.local(absence.start), ctx.local(absence.end)
    midnight = start.time() == dt.time(0) and end.time() == dt.time(0)
    if midnight:
        last = end.date() - dt.timedelta(days=1)
        if last == start.date():
            return f"{absence.reason} on {_day(start.date())}"
        return f"{absence.reason} {_day(start.date())}–{_day(last)}"
    return f"{absence.reason} {_span(ctx, absence.start, absence.end)}"
