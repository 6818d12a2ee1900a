"""The Curtois–Qu search: parts re-solved against the held roster, built one employee at a time, merged only when
the savings add up; whatever it returns keeps every hard rule and is scored as the scorer scores it."""

from __future__ import annotations

import itertools
import math
import random
import threading
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.curtois import parse_instance
from scheduler.curtois_branch import Branched, branch_and_price
from scheduler.curtois_columns import ColumnGeneration
from scheduler.curtois_model import PartResult, solve_part
from scheduler.curtois_score import check, objective
from scheduler.curtois_search import (
    KINDS,
    NodeNeighbourhoods,
    SearchSettings,
    _fresh_dive,
    _merge,
    _plunge,
    _search_alone,
    _unmet_requests,
    _whole_tree,
    column_search,
    construct,
    dive,
    improve,
    neighbourhood,
    search_apart,
    solve,
    wants_whole_tree,
)
from tests.scheduler.test_curtois import random_cover, staff_line, tiny

ONE_PROCESS = SearchSettings(processes=1, whole_model_max_size=0, part_seconds=2)


def _two_employees(cover: str, on: str = "", days_off: str = "", horizon: int = 7):
    staff = "\n".join(staff_line(e, max_cons=5, weekends=1) for e in "AB")
    return parse_instance(tiny(horizon=horizon, staff=staff, cover=cover, on=on, days_off=days_off))


def test_a_part_changes_only_its_employees_and_days_and_reports_the_saving():
    # Day 3 needs one D (100 a missing person); A is held off all week, B works day 3 but is not free.
    instance = _two_employees(cover="3,D,1,100,1\n4,D,1,100,1")
    held = {("B", 0): "D"}
    part = solve_part(instance, held, ["A"], range(3, 5), time_limit_s=5, workers=1)
    assert part.roster == {("B", 0): "D", ("A", 3): "D", ("A", 4): "D"}
    assert part.improvement == objective(instance, held) - objective(instance, part.roster) == 200
    assert part.optimal


def test_a_part_counts_held_employees_towards_cover():
    # B already covers day 2; A working it too would be a surplus person (weight 5), so A stays off.
    instance = _two_employees(cover="2,D,1,100,5")
    part = solve_part(instance, {("B", 2): "D"}, ["A"], None, time_limit_s=5, workers=1)
    assert part.roster == {("B", 2): "D"} and part.improvement == 0


def test_a_part_keeps_the_rules_that_reach_over_its_edge():
    # A works days 0-4 (held); at most 5 in a row, so re-solving day 5 alone must leave it off despite the cover.
    instance = _two_employees(cover="5,D,1,100,1")
    held = {("A", d): "D" for d in range(5)}
    part = solve_part(instance, held, ["A"], range(5, 6), time_limit_s=5, workers=1)
    assert ("A", 5) not in part.roster and check(instance, part.roster) == []


def test_construct_builds_a_legal_roster_against_what_is_covered_so_far():
    # Each day needs one D; two employees with at most 5 days in a row cover all 7 between them.
    instance = _two_employees(cover="\n".join(f"{d},D,1,100,1" for d in range(7)))
    roster = construct(instance, random.Random(0), ONE_PROCESS)
    assert check(instance, roster) == []
    assert objective(instance, roster) == 0


def test_merge_adds_a_second_part_only_when_it_is_disjoint():
    base = {("A", 0): "D", ("B", 5): "D"}
    first = PartResult({("A", 1): "D", ("B", 5): "D"}, 3, True, 0)
    second = PartResult({("A", 0): "D", ("B", 6): "D"}, 2, True, 0)
    merged, saved = _merge(base, [(["A"], range(0, 2)), (["B"], range(5, 7))], [first, second])
    assert (merged, saved) == ({("A", 1): "D", ("B", 6): "D"}, 5)
    overlapping, saved = _merge(base, [(["A"], range(0, 2)), (["A", "B"], range(5, 7))], [first, second])
    assert (overlapping, saved) == (first.roster, 3)


def test_merge_keeps_the_roster_when_no_part_found_anything():
    base = {("A", 0): "D"}
    failed = PartResult(base, None, False, 0)
    assert _merge(base, [(["A"], range(0, 1))], [failed]) == (base, 0)


def test_neighbourhood_stays_inside_the_instance():
    instance = _two_employees(cover="1,D,1,100,1")
    rng = random.Random(1)
    for size, kind in itertools.product((1, 10, 1000), KINDS):
        staff, days = neighbourhood(instance, {}, size, rng, kind)
        assert set(staff) <= {"A", "B"} and len(staff) == len(set(staff)) >= 1
        assert 0 <= days.start < days.stop <= instance.horizon


def test_unmet_requests_weigh_on_and_off_requests_per_employee_and_day():
    # A wants N on day 0 (3) and works D; A wants no D on day 1 (2) and works it; B wants D on day 2 and gets it.
    instance = parse_instance(tiny(horizon=3, staff="\n".join(staff_line(e) for e in "AB"),
                                   on="A,0,N,3\nB,2,D,1", off="A,1,D,2\nB,1,N,4"))
    roster = {("A", 0): "D", ("A", 1): "D", ("B", 2): "D"}
    assert _unmet_requests(instance, roster) == {("A", 0): 3, ("A", 1): 2}


def test_a_part_around_an_unmet_request_holds_its_employee_and_day_and_who_works_that_day_first():
    staff = "\n".join(staff_line(e) for e in "ABCDE")
    instance = parse_instance(tiny(horizon=14, staff=staff, off="C,9,D,3"))
    roster = {("C", 9): "D", ("E", 9): "N", ("A", 3): "D"}
    for seed in range(20):
        employees, days = neighbourhood(instance, roster, 2 * 3 * 2, random.Random(seed), "requests")
        assert employees[:2] == ["C", "E"] and 9 in days and len(days) in (3, 7, 14)
        assert 0 <= days.start < days.stop <= instance.horizon


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_search_never_returns_a_roster_that_breaks_a_rule(data):
    horizon = 7
    staff = "\n".join(staff_line(e, max_cons=data.draw(st.integers(3, 6)), min_cons=data.draw(st.integers(1, 2)),
                                 min_off=data.draw(st.integers(1, 2)), weekends=data.draw(st.integers(0, 1)),
                                 min_minutes=data.draw(st.sampled_from([0, 960])))
                      for e in "ABC")
    cover = random_cover(data, horizon)
    instance = parse_instance(tiny(horizon=horizon, staff=staff, cover=cover))
    roster = construct(instance, random.Random(0), ONE_PROCESS)
    before = objective(instance, roster)
    better = improve(instance, roster, deadline=_soon(1.0), rng=random.Random(0), settings=ONE_PROCESS)
    assert check(instance, better) == []
    assert objective(instance, better) <= before


def test_solve_stops_at_the_proven_optimum_and_agrees_with_the_scorer():
    # B must be off on day 0, so A covers it and misses the wish for N there.
    instance = _two_employees(cover="\n".join(f"{d},D,1,100,1" for d in range(7)), on="A,0,N,3", days_off="B,0")
    result = solve(instance, time_limit_s=20, workers=1)
    assert result.status == "OPTIMAL"
    assert check(instance, result.solution) == []
    assert objective(instance, result.solution) == result.objective == 3


def test_solve_without_the_whole_model_still_agrees_with_the_scorer():
    instance = _two_employees(cover="\n".join(f"{d},D,1,100,1" for d in range(7)))
    result = solve(instance, time_limit_s=3, settings=ONE_PROCESS)
    assert check(instance, result.solution) == []
    assert objective(instance, result.solution) == result.objective == 0


def _soon(seconds: float) -> float:
    import time
    return time.perf_counter() + seconds


def test_a_part_around_bad_cover_takes_its_day_and_who_may_work_its_shift_first():
    # Only C may work N; day 4 misses one N. A part of two employees over a few days takes C and day 4.
    staff = "\n".join([staff_line("A", max_shifts="D=14|N=0"), staff_line("B", max_shifts="D=14|N=0"),
                       staff_line("C")])
    instance = parse_instance(tiny(horizon=14, staff=staff, cover="4,N,1,100,1"))
    for seed in range(10):
        chosen, days = neighbourhood(instance, {}, 1, random.Random(seed), "days")
        assert "C" in chosen and 4 in days and len(days) <= 3


def test_construct_names_an_employee_no_schedule_can_satisfy():
    # A must work at least 40 h but may work D (8 h) on at most 2 days and never N.
    staff = staff_line("A", max_shifts="D=2|N=0", min_minutes=2400)
    instance = parse_instance(tiny(horizon=7, staff=staff))
    with pytest.raises(ValueError, match="employee A has no schedule that keeps every hard rule"):
        construct(instance, random.Random(0), ONE_PROCESS)


def test_the_search_by_columns_reaches_the_bound_from_an_empty_roster():
    # Nobody works: seven missing people. Re-solving both employees' weeks by columns covers every day.
    instance = _two_employees(cover="\n".join(f"{d},D,1,100,1" for d in range(7)))
    columns = ColumnGeneration(instance, {})
    try:
        roster = column_search(instance, columns, {}, _soon(60), 60, 0.0, random.Random(0), ONE_PROCESS)
    finally:
        columns.close()
    assert check(instance, roster) == [] and objective(instance, roster) == 0


def test_the_search_by_columns_changes_to_trees_when_the_dives_find_nothing(monkeypatch):
    # With no calm allowed, every set changes the way it is solved: the trees get their turns and the roster
    # still reaches the bound (seven missing people, all covered).
    trees = []

    def counted(*args, **kwargs):
        trees.append(args[2])
        return branch_and_price(*args, **kwargs)

    monkeypatch.setattr("scheduler.curtois_search.branch_and_price", counted)
    instance = _two_employees(cover="\n".join(f"{d},D,1,100,1" for d in range(7)))
    columns = ColumnGeneration(instance, {})
    try:
        roster = column_search(instance, columns, {}, _soon(60), 60, 0.0, random.Random(0), ONE_PROCESS, 0.0)
    finally:
        columns.close()
    assert check(instance, roster) == [] and objective(instance, roster) == 0 and trees


def test_the_search_by_columns_runs_without_a_bound_when_the_generation_gave_none():
    instance = _two_employees(cover="\n".join(f"{d},D,1,100,1" for d in range(7)))
    columns = ColumnGeneration(instance, {})
    try:
        roster = column_search(instance, columns, {}, _soon(60), 2, -float("inf"), random.Random(0), ONE_PROCESS)
    finally:
        columns.close()
    assert check(instance, roster) == [] and objective(instance, roster) == 0


def _one_day_short():
    """B may not work; A may work 5 days in a row, so 6 of the 7 at most: one day stays uncovered, whatever moves."""
    staff = "\n".join([staff_line("A", max_cons=5, weekends=1), staff_line("B", max_shifts="D=0|N=0")])
    instance = parse_instance(tiny(horizon=7, staff=staff, cover="\n".join(f"{d},D,1,100,1" for d in range(7))))
    roster = {("A", d): "D" for d in (0, 1, 2, 3, 4, 6)}
    return instance, roster


def _search_from(instance, roster, deadline: float, stall_s: float, **options):
    columns = ColumnGeneration(instance, roster)
    try:
        return column_search(instance, columns, roster, deadline, stall_s, 0.0, random.Random(0), ONE_PROCESS,
                             **options)
    finally:
        columns.close()


def test_the_search_by_columns_holds_a_roster_nobody_can_improve():
    instance, roster = _one_day_short()
    found = _search_from(instance, roster, _soon(60), 1)
    assert check(instance, found) == [] and objective(instance, found) == objective(instance, roster) == 100


def test_the_search_by_columns_starts_again_from_a_new_dive_once_it_has_settled(monkeypatch):
    # Nothing can improve the held roster (one day stays uncovered whatever moves), so with no calm allowed every
    # step is a new dive, the shares in turn; each is a legal roster of the same cost.
    dives = []

    def counted(*args, **kwargs):
        dives.append(args[3])
        return _fresh_dive(*args, **kwargs)

    monkeypatch.setattr("scheduler.curtois_search._fresh_dive", counted)
    instance, roster = _one_day_short()
    found = _search_from(instance, roster, _soon(1), 60, restart_after_s=0.0)
    assert dives[:3] == [0, 1, 2]
    assert check(instance, found) == [] and objective(instance, found) == 100


def test_the_search_by_columns_returns_the_best_of_its_descents_not_the_last(monkeypatch):
    # Every new dive is worse than the start (nobody works: seven days uncovered); the start is what comes back.
    monkeypatch.setattr("scheduler.curtois_search._fresh_dive", lambda *args: {})
    instance, roster = _one_day_short()
    found = _search_from(instance, roster, _soon(1), 60, restart_after_s=0.0)
    assert found == roster


@pytest.mark.parametrize(("dive_share", "restarts"), [(0.0, False), (1e9, True)])
def test_the_search_by_columns_starts_again_only_where_a_dive_is_cheap_next_to_the_wait(monkeypatch, dive_share,
                                                                                      restarts):
    asked = []

    def recorded(*args):
        asked.append(args[-1])
        return args[2]

    monkeypatch.setattr("scheduler.curtois_search.column_search", recorded)
    instance = _two_employees(cover="\n".join(f"{d},D,1,100,1" for d in range(7)))
    chosen = replace(ONE_PROCESS, restart_dive_share=dive_share)
    dive(instance, None, _soon(60), _soon(60), 1.0, chosen, restart_after_s=30.0)
    assert asked == [30.0 if restarts else float("inf")]


@pytest.mark.parametrize("whole_tree", [True, False])
@pytest.mark.parametrize("lp", ["glop", "highs"])
def test_searches_apart_start_from_the_roster_and_return_the_best_of_theirs(lp, whole_tree):
    # Nobody works at the start: seven missing people. Each search, in its own process, covers every day.
    instance = _two_employees(cover="\n".join(f"{d},D,1,100,1" for d in range(7)))
    known = {"A": [("D",) * 5 + (None, None)], "B": []}
    found = search_apart(instance, known, {}, _soon(60), 60, 0.0, [1, 2],
                         replace(ONE_PROCESS, descent_lp=lp, whole_tree=whole_tree))
    assert check(instance, found) == [] and objective(instance, found) == 0


def test_searches_apart_never_return_worse_than_their_start():
    instance, roster = _one_day_short()
    found = search_apart(instance, {}, roster, _soon(60), 1, 0.0, [1, 2], ONE_PROCESS)
    assert check(instance, found) == [] and objective(instance, found) == objective(instance, roster) == 100


@pytest.mark.parametrize(("processes", "apart", "dive_share", "searches_apart"),
                         [(2, True, 1e9, True), (2, False, 1e9, False), (1, True, 1e9, False), (2, True, 0.0, False)])
def test_the_dive_hands_its_descents_to_processes_of_their_own_only_where_they_pay(monkeypatch, processes, apart,
                                                                                  dive_share, searches_apart):
    asked = []
    monkeypatch.setattr("scheduler.curtois_search.search_apart", lambda *args: asked.append("apart") or args[2])
    monkeypatch.setattr("scheduler.curtois_search.column_search", lambda *args: asked.append("here") or args[2])
    instance = _two_employees(cover="\n".join(f"{d},D,1,100,1" for d in range(7)))
    chosen = replace(ONE_PROCESS, processes=processes, parallel_descents=apart, restart_dive_share=dive_share)
    found, _ = dive(instance, None, _soon(60), _soon(60), 1.0, chosen, restart_after_s=30.0)
    assert asked == ["apart" if searches_apart else "here"] and check(instance, found) == []


@pytest.mark.parametrize(("processes", "integer_first", "integer_asked"),
                         [(2, False, False), (2, True, True), (1, False, True)])
def test_the_integer_programme_over_the_columns_comes_before_searches_apart_only_if_asked(
        monkeypatch, processes, integer_first, integer_asked):
    asked, deadlines = [], []
    real = ColumnGeneration.integer
    monkeypatch.setattr(ColumnGeneration, "integer", lambda self, *a, **k: asked.append(1) or real(self, *a, **k))
    monkeypatch.setattr("scheduler.curtois_search.search_apart", lambda *args: deadlines.append(args[3]) or args[2])
    monkeypatch.setattr("scheduler.curtois_search.column_search", lambda *args: deadlines.append(args[3]) or args[2])
    instance = _two_employees(cover="\n".join(f"{d},D,1,100,1" for d in range(7)))
    chosen = replace(ONE_PROCESS, processes=processes, restart_dive_share=1e9, integer_before_descents=integer_first)
    dive(instance, None, _soon(60), _soon(60), 1.0, chosen, search_deadline=10.0, restart_after_s=30.0,
         apart_deadline=20.0)
    assert bool(asked) is integer_asked
    assert deadlines == [20.0 if processes > 1 else 10.0]  # searches apart run until their own deadline


def test_a_dives_roster_comes_back_polished_with_the_known_schedules(monkeypatch):
    # A dive that ended with nobody working (700 short) comes back with the pool's schedules that cover the week.
    instance = _two_employees(cover="\n".join(f"{d},D,1,100,1" for d in range(7)))
    columns = ColumnGeneration(instance, {})
    columns.add_columns({"A": [("D",) * 5 + (None, None)], "B": [(None,) * 5 + ("D", "D")]})
    monkeypatch.setattr(columns, "dive", lambda *args: {})
    found = _plunge(columns, _soon(60), ONE_PROCESS, 0)
    assert objective(instance, found) == 0 and check(instance, found) == []


def test_a_search_apart_solves_its_programme_with_the_solver_the_settings_name(monkeypatch):
    built = []

    class Recorded(ColumnGeneration):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            built.append(type(self.master).__name__)

    monkeypatch.setattr("scheduler.curtois_search.ColumnGeneration", Recorded)
    instance, roster = _one_day_short()
    for lp in ("highs", "glop"):
        _search_alone(instance, {}, roster, _soon(1), 1, 0.0, 1, replace(ONE_PROCESS, descent_lp=lp), 1.0, 1.0)
    assert built == ["HighsMaster", "GlopMaster"]


def test_the_search_by_columns_stops_when_it_is_told_to(monkeypatch):
    # From nothing covered (700) the search would cover every day; told to stop, it tries no set at all.
    tried = []
    monkeypatch.setattr(ColumnGeneration, "improve_part", lambda *args, **kwargs: tried.append(1))
    instance = _two_employees(cover="\n".join(f"{d},D,1,100,1" for d in range(7)))
    columns = ColumnGeneration(instance, {})
    found = column_search(instance, columns, {}, _soon(60), 60, 0.0, random.Random(1), ONE_PROCESS,
                          stopped=lambda: True)
    assert found == {} and tried == []


def test_a_search_apart_at_the_bound_tells_the_others_and_one_told_stops():
    instance = _two_employees(cover="\n".join(f"{d},D,1,100,1" for d in range(7)))
    reached = threading.Event()
    found = _search_alone(instance, {}, {}, _soon(60), 60, 0.0, 1, ONE_PROCESS, 1.0, 1.0, reached)
    assert objective(instance, found) == 0 and reached.is_set()
    # Another search, told already, returns its start as it is.
    assert _search_alone(instance, {}, {}, _soon(60), 60, 0.0, 2, ONE_PROCESS, 1.0, 1.0, reached) == {}


def test_a_search_apart_short_of_the_bound_tells_nobody():
    instance, roster = _one_day_short()
    reached = threading.Event()
    found = _search_alone(instance, {}, roster, _soon(1), 1, 0.0, 1, ONE_PROCESS, 1.0, 1.0, reached)
    assert objective(instance, found) == 100 and not reached.is_set()


def _shared(instance, roster):
    return {"cost": objective(instance, roster), "roster": roster}


def test_the_tree_over_everybody_reaches_the_bound_and_tells_the_others():
    # From nothing covered (700) the tree covers every day (0), closes, and shares what it found.
    instance = _two_employees(cover="\n".join(f"{d},D,1,100,1" for d in range(7)))
    reached, best = threading.Event(), _shared(instance, {})
    found = _whole_tree(instance, {}, _soon(60), 0.0, ONE_PROCESS, reached, best)
    assert check(instance, found) == [] and objective(instance, found) == 0 and reached.is_set()
    assert best == {"cost": 0, "roster": found}
    # Told already, another returns its start as it is.
    assert _whole_tree(instance, {}, _soon(60), 0.0, ONE_PROCESS, reached, _shared(instance, {})) == {}


def test_the_tree_over_everybody_that_runs_out_of_time_tells_nobody():
    instance = _two_employees(cover="\n".join(f"{d},D,1,100,1" for d in range(7)))
    reached = threading.Event()
    assert _whole_tree(instance, {}, _soon(-1), 0.0, ONE_PROCESS, reached, _shared(instance, {})) == {}
    assert not reached.is_set()


def test_the_tree_over_everybody_starts_again_from_a_better_roster_another_search_shares(monkeypatch):
    # Another search has shared a roster of 0 while the first tree ran: the tree goes on from it, at the bound.
    instance = _two_employees(cover="\n".join(f"{d},D,1,100,1" for d in range(7)))
    covered = {("A", d): "D" for d in range(5)} | {("B", 5): "D", ("B", 6): "D"}
    reached, best = threading.Event(), _shared(instance, {})
    starts = []
    real = branch_and_price

    def tree(columns, roster, free, deadline, **kwargs):
        starts.append(objective(instance, roster))
        if len(starts) == 1:  # stopped as the other search gets there meanwhile
            best.update(cost=0, roster=covered)
            assert kwargs["stopped"]()
            return Branched(dict(roster), 700, 1, False)
        return real(columns, roster, free, deadline, **kwargs)

    monkeypatch.setattr("scheduler.curtois_search.branch_and_price", tree)
    # Without a bound given, only the second tree's own proof says that 0 is the best.
    _whole_tree(instance, {}, _soon(60), -math.inf, replace(ONE_PROCESS, neighbourhood_seconds=0), reached, best)
    assert starts == [700, 0] and reached.is_set()


def _trees_seen(monkeypatch, instance):
    """Every tree _whole_tree starts, as (the days it holds, the cost of its roster, what it found)."""
    seen = []
    real = branch_and_price

    def tree(columns, roster, free, deadline, **kwargs):
        found = real(columns, roster, free, deadline, **kwargs)
        seen.append((kwargs.get("held"), objective(instance, roster), found.objective))
        return found

    monkeypatch.setattr("scheduler.curtois_search.branch_and_price", tree)
    return seen


def test_the_tree_over_everybody_first_settles_what_the_programme_disputes_with_the_best_roster(monkeypatch):
    # A wants D on days 0-4 and B on days 5 and 6 (5 each), one person a day is needed. From A on days 0-4 alone
    # (200 of cover, 10 of B's wishes) the programme agrees on A's week and B's days 0-4 and disputes B's days 5
    # and 6: the first tree holds the agreed days to the roster and finds 0, which the whole tree then proves.
    on = "\n".join([f"A,{d},D,5" for d in range(5)] + [f"B,{d},D,5" for d in (5, 6)])
    instance = _two_employees(cover="\n".join(f"{d},D,1,100,1" for d in range(7)), on=on)
    start = {("A", d): "D" for d in range(5)}
    reached, best = threading.Event(), _shared(instance, start)
    seen = _trees_seen(monkeypatch, instance)
    found = _whole_tree(instance, {}, _soon(60), -math.inf, ONE_PROCESS, reached, best)
    assert objective(instance, found) == 0 and best["cost"] == 0 and reached.is_set()
    assert seen[0] == ({(e, d): frozenset({start.get((e, d))}) for e, days in (("A", range(7)), ("B", range(5)))
                        for d in days}, 210, 0)
    assert seen[-1][0] is None and seen[-1][1] == 0  # then the whole tree, from the better roster


def test_without_time_for_neighbourhoods_the_tree_over_everybody_holds_nothing(monkeypatch):
    instance = _two_employees(cover="\n".join(f"{d},D,1,100,1" for d in range(7)))
    reached, best = threading.Event(), _shared(instance, {("A", 0): "D"})
    seen = _trees_seen(monkeypatch, instance)
    _whole_tree(instance, {}, _soon(60), 0.0,
                replace(ONE_PROCESS, neighbourhood_seconds=0, node_neighbourhood_seconds=0), reached, best)
    assert seen and all(held is None for held, _, _ in seen) and best["cost"] == 0


def _disputing():
    """The instance of the disputed days above (A wants D on days 0-4, B on 5 and 6, one person a day), the roster
    of A's days alone (210), and its programme over everybody, solved: it disputes B's days 5 and 6."""
    on = "\n".join([f"A,{d},D,5" for d in range(5)] + [f"B,{d},D,5" for d in (5, 6)])
    instance = _two_employees(cover="\n".join(f"{d},D,1,100,1" for d in range(7)), on=on)
    start = {("A", d): "D" for d in range(5)}
    node = ColumnGeneration(instance, start)
    node.hold_part(start, ["A", "B"])
    assert node.generate(_soon(60))
    return instance, start, node


def _neighbourhoods(instance, start, best, tried=None):
    shared = {"stopped": lambda: False, "ceiling": lambda: int(best["cost"]),
              "better": lambda cost, roster: best.update(cost=cost, roster=roster)}
    return NodeNeighbourhoods(ColumnGeneration(instance, start), start, ["A", "B"], _soon(60), 60, 1.0, shared,
                              tried if tried is not None else set())


def test_a_node_neighbourhood_settles_the_days_the_node_disputes_and_shares_what_it_finds(monkeypatch):
    instance, start, node = _disputing()
    best = _shared(instance, start)
    seen = _trees_seen(monkeypatch, instance)
    neighbourhoods = _neighbourhoods(instance, start, best)
    neighbourhoods(node)
    agreed = {(e, d): frozenset({start.get((e, d))}) for e, days in (("A", range(7)), ("B", range(5))) for d in days}
    assert seen == [(agreed, 210, 0)]
    assert neighbourhoods.found.objective == 0 and best["cost"] == 0 and check(instance, best["roster"]) == []


def test_a_node_neighbourhood_waits_as_long_as_the_last_took_and_is_never_tried_twice(monkeypatch):
    instance, start, node = _disputing()
    seen = _trees_seen(monkeypatch, instance)
    neighbourhoods = _neighbourhoods(instance, start, _shared(instance, start))
    neighbourhoods(node)
    neighbourhoods(node)  # too soon: the tree's own nodes have their turn first
    assert len(seen) == 1 and neighbourhoods.resume_at > -math.inf
    neighbourhoods.resume_at = -math.inf
    neighbourhoods(node)  # the same days held as before: nothing new to try
    assert len(seen) == 1


def test_a_node_neighbourhood_tried_at_the_root_is_not_tried_again(monkeypatch):
    instance, start, node = _disputing()
    seen = _trees_seen(monkeypatch, instance)
    tried = set()
    _neighbourhoods(instance, start, _shared(instance, start), tried)(node)
    _neighbourhoods(instance, start, _shared(instance, start), tried)(node)
    assert len(seen) == 1 and len(tried) == 1


def test_the_tree_over_everything_runs_node_neighbourhoods_only_with_time_for_them(monkeypatch):
    instance = _two_employees(cover="\n".join(f"{d},D,1,100,1" for d in range(7)))
    hooks = []
    real = branch_and_price

    def tree(columns, roster, free, deadline, **kwargs):
        if kwargs.get("held") is None:
            hooks.append(type(kwargs.get("each_node")).__name__)
        return real(columns, roster, free, deadline, **kwargs)

    monkeypatch.setattr("scheduler.curtois_search.branch_and_price", tree)
    for seconds in (8, 0):
        _whole_tree(instance, {}, _soon(60), 0.0, replace(ONE_PROCESS, node_neighbourhood_seconds=seconds),
                    threading.Event(), _shared(instance, {}))
    assert hooks == ["NodeNeighbourhoods", "function"]


def test_a_search_by_columns_tells_each_better_roster_and_a_search_apart_shares_it():
    instance = _two_employees(cover="\n".join(f"{d},D,1,100,1" for d in range(7)))
    told = []
    found = column_search(instance, ColumnGeneration(instance, {}), {}, _soon(60), 60, 0.0, random.Random(1),
                          ONE_PROCESS, better=lambda cost, roster: told.append((cost, objective(instance, roster))))
    assert objective(instance, found) == 0 and told and told[-1] == (0, 0)
    assert all(cost == scored for cost, scored in told) and told == sorted(told, reverse=True)
    best = _shared(instance, {})
    found = _search_alone(instance, {}, {}, _soon(60), 60, 0.0, 1, ONE_PROCESS, 1.0, 1.0, threading.Event(), best)
    assert best == {"cost": 0, "roster": found}


@pytest.mark.parametrize(("processes", "whole_tree", "max_days", "wanted"), [
    (2, True, 14, True),    # 2 employees x 7 days = 14 employee-days: small enough
    (2, True, 13, False),   # one employee-day too many
    (1, True, 14, False),   # no process left for a descent
    (2, False, 14, False),  # turned off
])
def test_a_tree_over_everybody_takes_a_process_only_where_it_is_small_and_one_is_left(processes, whole_tree,
                                                                                      max_days, wanted):
    instance = _two_employees(cover="0,D,1,100,1")
    chosen = replace(ONE_PROCESS, whole_tree=whole_tree, whole_tree_max_days=max_days)
    assert wants_whole_tree(instance, chosen, processes) is wanted
