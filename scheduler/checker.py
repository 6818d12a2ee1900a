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
- Every message is a template marked with N_ and its parameters (scheduler.messages): `message` is the English
  text, and a UI translates the template and formats the parameters for its reader's language.
- A shift belongs to its date (the local date on which it starts). "Work" is every segment that is not a
  break; breaks are rest breaks in the sense of ArbZG §4 and are not working time.
- A break "block" is a maximal run of back-to-back break segments; only blocks of at least
  rules.min_break_block_minutes count as rest breaks (§4).
- The horizon is ``week_start`` and ``days``; weekly rules look at ISO weeks (Monday to Sunday). Rules that
  need a whole week (contract hours, days off) check only ISO weeks that lie wholly inside the horizon.
- ``previous`` holds the shifts of the previous roster; they count for rest, days per week, substitute
  days off, runs of working days and free weekends. Previous shifts dated on or after week_start are ignored
  (the new roster replaces them), and the previous roster is taken to be complete from its first date up to
  week_start.
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
from dataclasses import dataclass, field
from functools import cached_property

from forecasts.calendar import holiday_name, local_instant, opening_ranges
from forecasts.site import Site
from scheduler.domain import Absence, Agent
from scheduler.messages import (
    N_,
    Clock,
    Day,
    Duration,
    Holiday,
    Listing,
    Moment,
    Number,
    Phrase,
    Span,
    Term,
    Weekday,
    render,
)
from scheduler.roster import Roster, Segment, Shift
from scheduler.rules import ARBZG, RuleSet

SUNDAY = 6
SATURDAY = 5
# Shift kinds for preferences and fairness: an early shift starts before 10:00, a late one ends after 18:00
# (a shift that ends after midnight is late). A shift may be neither (09:00-17:00 is early, not late) or both.
EARLY_STARTS_BEFORE = dt.time(10, 0)
LATE_ENDS_AFTER = dt.time(18, 0)
# §11(3): a worked public holiday on a weekday gets its substitute day off within 8 weeks (Sundays: the RuleSet).
HOLIDAY_SUBSTITUTE_WITHIN_DAYS = 56
# min_free_weekends_per_4_weeks counts the weekends of this many consecutive ISO weeks.
WEEKS_PER_WEEKEND_WINDOW = 4
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
    # The message's translatable form (message == render(template, params)). Left out of equality and hashing:
    # it says what `message` says, and a dict of params cannot be hashed.
    template: str = field(default="", compare=False)
    params: Mapping[str, object] = field(default_factory=dict, compare=False)


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
            out.append(_hard(known_agents, agent_id, first,
                             N_("%(agent)s: has shifts (the first on %(day)s) but is not in agents.csv; add the "
                                "agent or remove the shifts"), agent=agent_id, day=_day(first)))
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
            out.append(_hard(segments_well_formed, shift.agent_id, day,
                             N_("%(who)s: the shift on %(day)s has no segments"), who=who, day=_day(day)))
            continue
        naive = [s for s in shift.segments if s.start.tzinfo is None or s.end.tzinfo is None]
        if naive:
            out.append(_hard(segments_well_formed, shift.agent_id, day,
                             N_("%(who)s: the shift on %(day)s has times without a UTC offset (first: %(activity)s "
                                "%(time)s); give every time with its offset"),
                             who=who, day=_day(day), activity=Term(naive[0].activity),
                             time=naive[0].start.isoformat()))
            continue
        segments = sorted(_in_utc(shift).segments, key=lambda s: s.start)
        start_day = ctx.local(segments[0].start).date()
        if start_day != day:
            out.append(_hard(segments_well_formed, shift.agent_id, day,
                             N_("%(who)s: the shift dated %(day)s starts %(start)s; a shift is dated by the local "
                                "date on which it starts"),
                             who=who, day=_day(day), start=_when(ctx, segments[0].start)))
        for seg in segments:
            if seg.end <= seg.start:
                out.append(_hard(segments_well_formed, shift.agent_id, day,
                                 N_("%(who)s: %(activity)s %(span)s does not end after it starts"),
                                 who=who, activity=Term(seg.activity), span=_span(ctx, seg.start, seg.end)))
        for before, after in zip(segments, segments[1:], strict=False):
            if after.start > before.end:
                out.append(_hard(segments_well_formed, shift.agent_id, day,
                                 N_("%(who)s: the shift on %(day)s has a gap %(gap)s; a shift is one unbroken run of "
                                    "segments (a pause is a break segment)"),
                                 who=who, day=_day(day), gap=_span(ctx, before.end, after.start)))
            elif after.start < before.end:
                out.append(_hard(segments_well_formed, shift.agent_id, day,
                                 N_("%(who)s: %(first)s %(first_span)s and %(second)s %(second_span)s overlap"),
                                 who=who, first=Term(before.activity), first_span=_span(ctx, before.start, before.end),
                                 second=Term(after.activity), second_span=_span(ctx, after.start, after.end)))
        boundaries = sorted({s.end for s in segments} | {s.start for s in segments[1:]})
        for moment in boundaries:
            if not _on_grid(ctx.local(moment), grid):
                out.append(_hard(segments_well_formed, shift.agent_id, day,
                                 N_("%(who)s: a segment boundary at %(moment)s is not on the %(grid)s-minute "
                                    "planning grid"),
                                 who=who, moment=_when(ctx, moment), grid=grid))
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
                             N_("%(who)s: the shift on %(day)s starts at %(start)s; shifts start on the "
                                "%(step)s-minute grid (e.g. %(earlier)s or %(later)s)"),
                             who=ctx.name(shift.agent_id), day=_day(shift.date), start=_clock(start), step=step,
                             earlier=Clock(below), later=Clock(below + step)))
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
                hours = Listing(tuple(_opening_text(ctx.site, d) for d in days), "; ")
                out.append(_hard(inside_opening_hours, shift.agent_id, shift.date,
                                 N_("%(who)s: %(activity)s %(span)s lies outside the opening hours (%(hours)s)"),
                                 who=who, activity=Term(seg.activity), span=_span(ctx, seg.start, seg.end),
                                 hours=hours))
        edges = ((shift.segments[0], N_("%(who)s: the shift on %(day)s starts with a break (%(span)s); a break must "
                                        "lie inside the shift")),
                 (shift.segments[-1], N_("%(who)s: the shift on %(day)s ends with a break (%(span)s); a break must "
                                         "lie inside the shift")))
        for edge, template in edges:
            if edge.is_break:
                out.append(_hard(inside_opening_hours, shift.agent_id, shift.date, template,
                                 who=who, day=_day(shift.date), span=_span(ctx, edge.start, edge.end)))
    return out


def one_shift_per_day(ctx: CheckContext) -> list[Violation]:
    """At most one shift per agent and date."""
    out = []
    groups: dict[tuple[str, dt.date], list[Shift]] = {}
    for shift in ctx.shifts:
        groups.setdefault((shift.agent_id, shift.date), []).append(shift)
    for (agent_id, day), shifts in sorted(groups.items()):
        if len(shifts) > 1:
            spans = Listing(tuple(_clock_span(ctx, s.start, s.end) for s in shifts), N_(" and "))
            out.append(_hard(one_shift_per_day, agent_id, day,
                             N_("%(who)s: %(count)s shifts on %(day)s (%(spans)s); one shift per day"),
                             who=ctx.name(agent_id), count=len(shifts), day=_day(day), spans=spans))
    return out


def min_shift_length(ctx: CheckContext) -> list[Violation]:
    """A shift has at least rules.min_shift_minutes of work (site policy)."""
    limit = ctx.rules.min_shift_minutes
    return [_hard(min_shift_length, s.agent_id, s.date,
                  N_("%(who)s: the shift on %(day)s has only %(work)s of work; the site's minimum is %(minimum)s"),
                  who=ctx.name(s.agent_id), day=_day(s.date), work=Duration(_work(s)), minimum=Duration(limit))
            for s in ctx.shifts if _work(s) < limit]


def daily_work_limit(ctx: CheckContext) -> list[Violation]:
    """ArbZG §3: at most rules.max_daily_work_minutes (10 h) of work a day."""
    limit = ctx.rules.max_daily_work_minutes
    return [_hard(daily_work_limit, s.agent_id, s.date,
                  N_("%(who)s: %(work)s of work on %(day)s; ArbZG §3 allows at most %(limit)s a day"),
                  who=ctx.name(s.agent_id), work=Duration(_work(s)), day=_day(s.date), limit=Duration(limit))
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
                             N_("%(who)s: %(days)s days of work from %(first)s to %(last)s average %(average)s; "
                                "ArbZG §3 allows more than %(limit)s a day only if the average stays at %(limit)s "
                                "(checked over the days worked in this roster)"),
                             who=ctx.name(agent_id), days=len(days), first=_day(days[0]), last=_day(days[-1]),
                             average=Duration(average), limit=Duration(limit)))
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
            template = (N_("%(who)s: %(work)s of work on %(day)s with %(counted)s of break (%(short)s more in blocks "
                           "under %(block)s min, which do not count); ArbZG §4 requires %(required)s for more than "
                           "%(over)s of work") if short else
                        N_("%(who)s: %(work)s of work on %(day)s with %(counted)s of break; ArbZG §4 requires "
                           "%(required)s for more than %(over)s of work"))
            notes = {"short": Duration(short), "block": block} if short else {}
            out.append(_hard(breaks_required, shift.agent_id, shift.date, template,
                             who=ctx.name(shift.agent_id), work=Duration(work), day=_day(shift.date),
                             counted=Duration(counted), **notes, required=Duration(required),
                             over=Duration(9 * 60 if work > 9 * 60 else 6 * 60)))
    return out


def break_blocks(ctx: CheckContext) -> list[Violation]:
    """ArbZG §4: every break lasts at least rules.min_break_block_minutes (back-to-back break segments are one)."""
    out = []
    block = ctx.rules.min_break_block_minutes
    for shift in ctx.shifts:
        for start, end in _break_blocks(shift):
            if _minutes(start, end) < block:
                out.append(_hard(break_blocks, shift.agent_id, shift.date,
                                 N_("%(who)s: the break %(span)s lasts %(length)s; ArbZG §4 breaks last at least "
                                    "%(block)s min"),
                                 who=ctx.name(shift.agent_id), span=_span(ctx, start, end),
                                 length=Duration(_minutes(start, end)), block=block))
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
                                 N_("%(who)s: %(work)s of work in a row on %(day)s from %(first)s to %(last)s; "
                                    "ArbZG §4 allows at most %(limit)s without a break of at least %(block)s min"),
                                 who=ctx.name(shift.agent_id), work=Duration(work), day=_day(shift.date),
                                 first=_clock(ctx.local(first)), last=_clock(ctx.local(last)), limit=Duration(limit),
                                 block=block))
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
                             N_("%(who)s: the break %(span)s comes after only %(work)s of work; at least "
                                "%(minimum)s of work must come before the first break"),
                             who=who, span=_span(ctx, first_start, first_end), work=Duration(before),
                             minimum=Duration(before_min)))
        if 0 < after < after_min:
            out.append(_hard(break_not_at_edges, shift.agent_id, shift.date,
                             N_("%(who)s: the break %(span)s is followed by only %(work)s of work; at least "
                                "%(minimum)s of work must follow the last break"),
                             who=who, span=_span(ctx, last_start, last_end), work=Duration(after),
                             minimum=Duration(after_min)))
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
                                 N_("%(who)s: the shift starting %(start)s begins before the one ending %(end)s is "
                                    "over; shifts must not overlap"),
                                 who=who, start=_when(ctx, after.start), end=_when(ctx, before.end)))
            elif rest < need:
                out.append(_hard(rest_between_shifts, agent_id, after.date,
                                 N_("%(who)s: only %(rest)s rest between the shift ending %(end)s and the one "
                                    "starting %(start)s; ArbZG §5 requires %(need)s"),
                                 who=who, rest=Duration(rest), end=_when(ctx, before.end),
                                 start=_when(ctx, after.start), need=Duration(need)))
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
            template = (N_("%(who)s: %(work)s of work in %(week)s; the contract asks %(contract)s ± %(tolerance)s %% "
                           "less %(absence)s of absence (%(low)s to %(high)s)") if credit else
                        N_("%(who)s: %(work)s of work in %(week)s; the contract asks %(contract)s ± %(tolerance)s %% "
                           "(%(low)s to %(high)s)"))
            absence = {"absence": Duration(credit)} if credit else {}
            out.append(_hard(weekly_contract_hours, agent_id, monday, template,
                             who=ctx.name(agent_id), work=Duration(work), week=_week(monday),
                             contract=Duration(contract), tolerance=Number(share * 100), **absence,
                             low=Duration(low), high=Duration(high)))
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
                                 N_("%(who)s: works %(days)s days in %(week)s; the contract allows at most %(limit)s"),
                                 who=ctx.name(agent_id), days=len(days), week=_week(monday),
                                 limit=agent.max_days_per_week))
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
                # Singular or plural by hand: English and German both use the singular for exactly one.
                template = (N_("%(who)s: %(off)s day off in %(week)s; at least %(need)s required") if len(off) == 1
                            else N_("%(who)s: %(off)s days off in %(week)s; at least %(need)s required"))
                out.append(_hard(days_off_per_week, agent_id, monday, template,
                                 who=who, off=len(off), week=_week(monday), need=need))
            elif ctx.rules.consecutive_days_off:
                known_off = {d for d in horizon if d not in worked}
                pairs = [d for d in [monday - dt.timedelta(days=1), *week]
                         if d in known_off and d + dt.timedelta(days=1) in known_off]
                if not pairs:
                    out.append(_hard(days_off_per_week, agent_id, monday,
                                     N_("%(who)s: no two consecutive days off in %(week)s (days off: %(off)s); the "
                                        "site requires two in a row"),
                                     who=who, week=_week(monday),
                                     off=Listing(tuple(_day(d) for d in off), empty=N_("none"))))
    return out


def consecutive_work_days(ctx: CheckContext) -> list[Violation]:
    """At most rules.max_consecutive_work_days calendar days in a row with a shift dated on them; a run may start
    in the previous roster. A too-long run is reported once, at its first day inside the horizon."""
    out = []
    limit = ctx.rules.max_consecutive_work_days
    first_day = ctx.horizon[0] if ctx.horizon else None
    for agent_id in ctx.rostered_agent_ids:
        roster_days = {s.date for s in ctx.shifts_of(agent_id)}
        dates = roster_days | {s.date for s in ctx.previous_shifts if s.agent_id == agent_id}
        for run in _runs(sorted(dates)):
            if len(run) <= limit or not roster_days & set(run):
                continue
            day = next((d for d in run if first_day is None or d >= first_day), run[0])
            out.append(_hard(consecutive_work_days, agent_id, day,
                             N_("%(who)s: works %(days)s days in a row from %(first)s to %(last)s; at most "
                                "%(limit)s allowed"),
                             who=ctx.name(agent_id), days=len(run), first=_day(run[0]), last=_day(run[-1]),
                             limit=limit))
    return out


def free_weekends(ctx: CheckContext) -> list[Violation]:
    """In any 4 consecutive ISO weeks at least rules.min_free_weekends_per_4_weeks weekends without a shift dated
    on the Saturday or the Sunday; the previous roster's weekends count. A window is reported once, at the Monday
    of its last week, for the windows whose last week the horizon touches and whose worked weekends include one
    of this roster's (what the previous roster alone did, this roster cannot change)."""
    out = []
    need = ctx.rules.min_free_weekends_per_4_weeks
    if need <= 0:
        return out
    for agent_id in ctx.rostered_agent_ids:
        roster = _worked_weekends({s.date for s in ctx.shifts_of(agent_id)})
        worked = roster | _worked_weekends({s.date for s in ctx.previous_shifts if s.agent_id == agent_id})
        for last in ctx.touched_weeks():
            window = [last - dt.timedelta(weeks=k) for k in range(WEEKS_PER_WEEKEND_WINDOW - 1, -1, -1)]
            free = sum(1 for monday in window if monday not in worked)
            if free < need and roster & set(window):
                out.append(_hard(free_weekends, agent_id, last,
                                 N_("%(who)s: %(free)s of the %(weekends)s weekends from %(first)s to %(last)s without "
                                    "work; at least %(need)s required"),
                                 who=ctx.name(agent_id), free=free, weekends=WEEKS_PER_WEEKEND_WINDOW,
                                 first=Day(window[0], weekday=False),
                                 last=Day(last + dt.timedelta(days=6), weekday=False), need=need))
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
                             N_("%(who)s: %(length)s of %(activity)s on %(day)s without the %(activity)s skill "
                                "(skills: %(skills)s)"),
                             who=agent.name, length=Duration(total), activity=Term(activity), day=_day(shift.date),
                             skills=Listing(tuple(agent.skills))))
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
                                 N_("%(who)s: the shift on %(day)s (%(span)s) overlaps %(absence)s"),
                                 who=agent.name, day=_day(shift.date), span=span,
                                 absence=_absence_text(ctx, absence)))
        start, end = ctx.local(shift.start), ctx.local(shift.end)
        if agent.earliest_start is not None and start.time() < agent.earliest_start:
            out.append(_hard(leave_and_availability, shift.agent_id, shift.date,
                             N_("%(who)s: the shift on %(day)s starts at %(start)s, before the agent's earliest "
                                "start %(earliest)s"),
                             who=agent.name, day=_day(shift.date), start=_clock(start),
                             earliest=Clock(agent.earliest_start)))
        if agent.latest_end is not None and (end.date() > shift.date or end.time() > agent.latest_end):
            out.append(_hard(leave_and_availability, shift.agent_id, shift.date,
                             N_("%(who)s: the shift on %(day)s ends at %(end)s, after the agent's latest end "
                                "%(latest)s"),
                             who=agent.name, day=_day(shift.date), end=_clock(end), latest=Clock(agent.latest_end)))
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
                if day.weekday() == SUNDAY:
                    out.append(_hard(sundays_and_holidays, agent_id, day,
                                     N_("%(who)s: works on %(day)s, a Sunday, although the site is closed that day; "
                                        "ArbZG §9 allows such work only where the site opens"),
                                     who=who, day=_day(day)))
                else:
                    out.append(_hard(sundays_and_holidays, agent_id, day,
                                     N_("%(who)s: works on %(day)s, a public holiday (%(holiday)s), although the site "
                                        "is closed that day; ArbZG §9 allows such work only where the site opens"),
                                     who=who, day=_day(day),
                                     holiday=Holiday(str(holiday_name(site, day)), day, site.holidays)))
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
                                 N_("%(who)s: worked %(day)s but has no substitute day off (a working day without "
                                    "work) from %(first)s to %(last)s; ArbZG §11 requires one within %(within)s days"),
                                 who=who, day=_day(day), first=_day(window[0]), last=_day(window[-1]),
                                 within=within))
        for year in sorted({d.year for d in special}):
            sundays = [d for d in special if d.year == year and d.weekday() == SUNDAY]
            total = _sundays_in_year(year)
            if sundays and total - len(sundays) < rules.min_sundays_off_per_year:
                out.append(_hard(sundays_and_holidays, agent_id, sundays[-1],
                                 N_("%(who)s: works %(worked)s of the %(total)s Sundays of %(year)s; ArbZG §11 "
                                    "requires at least %(minimum)s Sundays off a year"),
                                 who=who, worked=len(sundays), total=total, year=year,
                                 minimum=rules.min_sundays_off_per_year))
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
                             N_("%(who)s prefers early shifts but starts at %(start)s on %(day)s (early = starting "
                                "before %(limit)s)"),
                             who=agent.name, start=_clock(ctx.local(shift.start)), day=day,
                             limit=Clock(EARLY_STARTS_BEFORE)))
        if agent.preferred_shift == "late" and not _is_late(ctx, shift):
            out.append(_soft(preferences, agent.agent_id, shift.date,
                             N_("%(who)s prefers late shifts but ends at %(end)s on %(day)s (late = ending after "
                                "%(limit)s)"),
                             who=agent.name, end=_clock(ctx.local(shift.end)), day=day, limit=Clock(LATE_ENDS_AFTER)))
        if shift.date.weekday() in agent.days_off_wish:
            out.append(_soft(preferences, agent.agent_id, shift.date,
                             N_("%(who)s wished %(weekday)s off but works %(day)s"),
                             who=agent.name, weekday=Weekday(shift.date.weekday()), day=day))
    return out


def fairness(ctx: CheckContext) -> list[Violation]:
    """Late shifts and Saturdays are shared within a team: an agent with more than the team's average (over all
    its agents in agents.csv) plus 1 gets a penalty naming both numbers."""
    out = []
    first = ctx.horizon[0] if ctx.horizon else None
    kinds = ((N_("%(who)s: %(count)s late shifts while %(team)s averages %(average)s; more than %(margin)s above the "
                 "average is unfair"), lambda s: _is_late(ctx, s)),
             (N_("%(who)s: %(count)s Saturdays worked while %(team)s averages %(average)s; more than %(margin)s "
                 "above the average is unfair"), lambda s: s.date.weekday() == SATURDAY))
    teams: dict[str, list[Agent]] = {}
    for agent in ctx.agents.values():
        teams.setdefault(agent.team, []).append(agent)
    for team, members in sorted(teams.items()):
        for template, matches in kinds:
            counts = {a.agent_id: sum(1 for s in ctx.shifts_of(a.agent_id) if matches(s)) for a in members}
            average = sum(counts.values()) / len(members)
            for agent in sorted(members, key=lambda a: a.agent_id):
                if counts[agent.agent_id] > average + FAIRNESS_MARGIN:
                    out.append(_soft(fairness, agent.agent_id, first, template,
                                     who=agent.name, count=counts[agent.agent_id], team=team,
                                     average=Number(average, 1), margin=FAIRNESS_MARGIN))
    return out


HARD_RULES: tuple[Rule, ...] = (
    known_agents, segments_well_formed, start_granularity, inside_opening_hours, one_shift_per_day,
    min_shift_length, daily_work_limit, average_daily_work, breaks_required, break_blocks, work_without_break,
    break_not_at_edges, rest_between_shifts, weekly_contract_hours, max_days_per_week, days_off_per_week,
    consecutive_work_days, free_weekends, skills, leave_and_availability, sundays_and_holidays,
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

def _hard(rule: Rule, agent_id: str | None, day: dt.date | None, template: str, /, **params: object) -> Violation:
    return Violation(agent_id, day, rule.__name__, True, render(template, params), template, params)


def _soft(rule: Rule, agent_id: str | None, day: dt.date | None, template: str, /, **params: object) -> Violation:
    return Violation(agent_id, day, rule.__name__, False, render(template, params), template, params)


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


def _runs(dates: list[dt.date]) -> list[list[dt.date]]:
    """Sorted distinct dates as maximal runs of consecutive calendar days."""
    runs: list[list[dt.date]] = []
    for day in dates:
        if runs and day - runs[-1][-1] == dt.timedelta(days=1):
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def _worked_weekends(dates: set[dt.date]) -> set[dt.date]:
    """Mondays of the ISO weeks whose Saturday or Sunday is among the dates."""
    return {_monday(d) for d in dates if d.weekday() in (SATURDAY, SUNDAY)}


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


def _day(day: dt.date) -> Day:
    return Day(day)


def _clock(local: dt.datetime) -> Clock:
    return Clock(local)


def _when(ctx: CheckContext, moment: dt.datetime) -> Moment:
    return Moment(ctx.local(moment))


def _span(ctx: CheckContext, start: dt.datetime, end: dt.datetime) -> Span:
    """'Mon 07.12. 08:00–16:30', or with both days when the span crosses midnight."""
    return Span(ctx.local(start), ctx.local(end))


def _clock_span(ctx: CheckContext, start: dt.datetime, end: dt.datetime) -> Span:
    return Span(ctx.local(start), ctx.local(end), days=False)


def _week(monday: dt.date) -> Phrase:
    sunday = monday + dt.timedelta(days=6)
    return Phrase(N_("week %(number)s (%(first)s–%(last)s)"),
                  {"number": monday.isocalendar().week, "first": Day(monday, weekday=False),
                   "last": Day(sunday, weekday=False)})


def _duration(minutes: int) -> str:
    """'9 h 30 min', '10 h', '45 min', '0 min'."""
    return str(Duration(minutes))


def _opening_text(site: Site, day: dt.date) -> Phrase:
    ranges = opening_ranges(site, day)
    if ranges:
        return Phrase(N_("%(day)s: open %(hours)s"),
                      {"day": Day(day), "hours": Listing(tuple(str(r).replace("-", "–") for r in ranges))})
    holiday = holiday_name(site, day)
    if holiday:
        return Phrase(N_("%(day)s: closed (%(holiday)s)"),
                      {"day": Day(day), "holiday": Holiday(holiday, day, site.holidays)})
    return Phrase(N_("%(day)s: closed"), {"day": Day(day)})


def _absence_text(ctx: CheckContext, absence: Absence) -> Phrase:
    start, end = ctx.local(absence.start), ctx.local(absence.end)
    reason = Term(absence.reason)
    midnight = start.time() == dt.time(0) and end.time() == dt.time(0)
    if midnight:
        last = end.date() - dt.timedelta(days=1)
        if last == start.date():
            return Phrase(N_("%(reason)s on %(day)s"), {"reason": reason, "day": Day(start.date())})
        return Phrase(N_("%(reason)s %(first)s–%(last)s"),
                      {"reason": reason, "first": Day(start.date()), "last": Day(last)})
    return Phrase(N_("%(reason)s %(span)s"), {"reason": reason, "span": Span(start, end)})
