"""A lower bound on under-staffing: the linear relaxation that keeps skills, leave and hour limits but lets
agents' time split freely (no shift shapes), solved with OR-Tools' GLOP; every legal roster is short at least
this much."""

from __future__ import annotations

from ortools.linear_solver import pywraplp

from scheduler.roster_model import RosterModel, _weeks


def under_staffing_lower_bound(model: RosterModel) -> float:
    """Minimum total missing agent-intervals over all relaxed rosters of the model's problem."""
    p, unit = model.p, model.p.site.interval_minutes
    solver = pywraplp.Solver.CreateSolver("GLOP")
    cover: dict[tuple, list] = {}
    for agent in p.agents:
        per_agent = []
        for week in _weeks(p.days):
            per_week = []
            for day in week:
                slots, blocked = model.slots[day], model.blocked[(agent.agent_id, day)]
                queues = [q for q in agent.skills if q in model.required.queues]
                per_day = []
                for i, t in enumerate(slots):
                    if i in blocked or not queues:
                        continue
                    xs = [solver.NumVar(0, 1, "") for _ in queues]
                    solver.Add(sum(xs) <= 1)  # one activity at a time
                    for q, x in zip(queues, xs, strict=True):
                        cover.setdefault((q, t), []).append(x)
                    per_day += xs
                if per_day:
                    solver.Add(sum(per_day) <= p.rules.max_daily_work_minutes // unit)
                per_week += per_day
            if per_week:
                _low, high = model._contract_bounds(agent, week)
                solver.Add(sum(per_week) <= high // unit)
            per_agent += per_week
    under = []
    for key, need in model.required.need.items():
        u = solver.NumVar(0, need, "")
        solver.Add(sum(cover.get(key, [])) + u >= need)
        under.append(u)
    solver.Minimize(sum(under))
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return 0.0
    return solver.Objective().Value()

