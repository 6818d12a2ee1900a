"""The working-time rule set as data: German ArbZG defaults, tightened (never loosened) by a site's [rules]."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from forecasts.site import Site, SiteConfigError


@dataclass(frozen=True)
class RuleSet:
    """Limits a roster must keep. Minutes unless named otherwise; defaults are the ArbZG minimum."""

    max_daily_work_minutes: int = 600          # §3: up to 10 h a day ...
    average_daily_work_minutes: int = 480      # ... if the average stays at 8 h per working day
    break_over_6h_minutes: int = 30            # §4: >= 30 min for more than 6 h of work
    break_over_9h_minutes: int = 45            # §4: >= 45 min for more than 9 h
    min_break_block_minutes: int = 15          # §4: in blocks of at least 15 min
    max_work_without_break_minutes: int = 360  # §4: never more than 6 h of work in a row
    min_work_before_break_minutes: int = 60    # breaks not at the very start ...
    min_work_after_break_minutes: int = 60     # ... or end of a shift
    min_rest_minutes: int = 660                # §5: 11 h between the end of one day's work and the next
    min_shift_minutes: int = 240               # site policy: no shift shorter than 4 h of work
    start_granularity_minutes: int = 15        # shifts start on the quarter-hour
    min_days_off_per_week: int = 1             # at least one day off per week ...
    consecutive_days_off: bool = False         # ... optionally two in a row
    weekly_hours_tolerance: float = 0.10       # contract hours per week may be missed by this share
    substitute_rest_within_days: int = 14      # §11: a worked Sunday gets a day off within 2 weeks
    min_sundays_off_per_year: int = 15         # §11
    # 12 is what one day off per ISO week already allows (off on Monday, then Tuesday to the next Saturday).
    max_consecutive_work_days: int = 12        # calendar days in a row with a shift dated on them
    min_free_weekends_per_4_weeks: int = 0     # weekends (Saturday and Sunday) without a shift, per 4 ISO weeks

    def min_break_minutes(self, work_minutes: int) -> int:
        """Minimum total break for a shift with this much work (§4)."""
        if work_minutes > 9 * 60:
            return self.break_over_9h_minutes
        if work_minutes > 6 * 60:
            return self.break_over_6h_minutes
        return 0


ARBZG = RuleSet()
# Which direction is stricter, per field: a site may only move a limit this way.
_STRICTER_IS_LOWER = {"max_daily_work_minutes", "average_daily_work_minutes", "max_work_without_break_minutes",
                      "weekly_hours_tolerance", "substitute_rest_within_days", "max_consecutive_work_days"}
_POLICY_FIELDS = {"min_shift_minutes", "start_granularity_minutes"}  # not law: the site may set them either way


def rules_for_site(site: Site, source: str = "site.toml") -> RuleSet:
    """ArbZG defaults, overridden by [rules] in site.toml; a looser value than the law allows is refused."""
    table: dict[str, Any] = site.extra.get("rules", {}) or {}
    if not isinstance(table, dict):
        raise SiteConfigError(source, ["[rules] must be a table of limits, e.g. min_rest_minutes = 720"])
    fields = {f.name: f for f in dataclasses.fields(RuleSet)}
    problems, values = [], {}
    for key, value in table.items():
        if key not in fields:
            problems.append(f"[rules] {key}: unknown rule; known rules: {', '.join(sorted(fields))}")
            continue
        default = getattr(ARBZG, key)
        if isinstance(default, bool):
            if not isinstance(value, bool):
                problems.append(f"[rules] {key} = {value!r}: use true or false")
            elif default and not value:
                problems.append(f"[rules] {key} = false would loosen the default; a site may only tighten rules")
            else:
                values[key] = value
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            problems.append(f"[rules] {key} = {value!r}: give a number >= 0")
            continue
        if key not in _POLICY_FIELDS:
            looser = value > default if key in _STRICTER_IS_LOWER else value < default
            if looser:
                problems.append(f"[rules] {key} = {value!r} is looser than German working-time law allows "
                                f"({default!r}); a site (works agreement) may only make rules stricter")
                continue
        values[key] = type(default)(value)
    rules = dataclasses.replace(ARBZG, **values)
    problems += _impossible(rules)
    if problems:
        raise SiteConfigError(source, problems)
    return rules


def _impossible(rules: RuleSet) -> list[str]:
    """Limits that together leave no legal shift at all (fail fast instead of an empty roster)."""
    problems = []
    if rules.min_shift_minutes > rules.max_daily_work_minutes:
        problems.append(f"[rules] min_shift_minutes = {rules.min_shift_minutes} is longer than "
                        f"max_daily_work_minutes = {rules.max_daily_work_minutes}: no shift could be legal; "
                        "lower the minimum shift length")
    if rules.min_days_off_per_week >= 7:
        problems.append(f"[rules] min_days_off_per_week = {rules.min_days_off_per_week} leaves no working day; "
                        "give at most 6")
    if rules.max_consecutive_work_days < 1:
        problems.append(f"[rules] max_consecutive_work_days = {rules.max_consecutive_work_days} leaves no working "
                        "day; give at least 1")
    if rules.min_free_weekends_per_4_weeks > 4:
        problems.append(f"[rules] min_free_weekends_per_4_weeks = {rules.min_free_weekends_per_4_weeks}: 4 weeks "
                        "have only 4 weekends; give at most 4")
    if rules.start_granularity_minutes <= 0 or 24 * 60 % rules.start_granularity_minutes:
        problems.append(f"[rules] start_granularity_minutes = {rules.start_granularity_minutes}: give a divisor "
                        "of a day, e.g. 15, 30 or 60")
    return problems
