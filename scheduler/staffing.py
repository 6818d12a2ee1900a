"""Staffing requirements per queue and interval from a forecast: Erlang C/A for phone, chat concurrency,
e-mail backlog planning, and shrinkage (requirements.csv in DATA.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasts.site import QueueConfig, Site
from scheduler.chat import chat_metrics, required_chat_agents
from scheduler.email_backlog import answer_within_intervals, plan_email
from scheduler.erlang import erlang_c_metrics, required_agents_c
from scheduler.erlang_a import erlang_a_metrics, required_agents_a

REQUIREMENT_COLUMNS = ("queue", "interval_start", "offered", "aht_s", "agents_required", "agents_scheduled",
                       "service_level", "asa_s", "abandon_rate", "occupancy")
# Backlog work does not wait for arrivals, so an agent on it is busy all the time it is on the queue; breaks
# and other off-queue time are shrinkage. A site can lower this with [queues.email] max_occupancy.
DEFAULT_EMAIL_OCCUPANCY = 1.0


def staff(forecast: pd.DataFrame, site: Site) -> pd.DataFrame:
    """Requirements for every queue and interval of the forecast (queues must be queues of the site)."""
    unknown = sorted(set(forecast["queue"]) - set(site.queue_names))
    if unknown:
        raise ValueError(f"forecast queue(s) {', '.join(unknown)} are not in the site; add them to site.toml")
    interval_s = site.interval_minutes * 60
    frame = forecast.sort_values(["queue", "interval_start"]).reset_index(drop=True)
    parts = {}
    # Phone and chat first: the e-mail plan prefers the intervals where they need the fewest agents.
    order = sorted(frame["queue"].unique(), key=lambda q: site.queue(q).channel == "email")
    for name in order:
        queue = site.queue(name)
        rows = frame[frame["queue"] == name].reset_index(drop=True)
        offered = _check_offered(rows, name)
        aht = _handle_times(rows, queue)
        if queue.channel == "email":
            phone_load = _phone_load(parts, rows) if queue.prefer_quiet_intervals else None
            result = _email(offered, aht, interval_s, queue, site, phone_load)
        elif queue.channel == "chat":
            result = _chat(offered, aht, interval_s, queue)
        else:
            result = _phone(offered, aht, interval_s, queue)
        required = result["agents_required"]
        result["agents_scheduled"] = np.round(required / (1 - queue.shrinkage), 3)
        parts[name] = pd.DataFrame({"queue": name, "interval_start": rows["interval_start"], "offered": offered,
                                    "aht_s": aht, **result})
    if not parts:
        return pd.DataFrame(columns=list(REQUIREMENT_COLUMNS))
    out = pd.concat(parts.values(), ignore_index=True)[list(REQUIREMENT_COLUMNS)]
    return out.sort_values(["queue", "interval_start"]).reset_index(drop=True)


def _check_offered(rows: pd.DataFrame, queue: str) -> np.ndarray:
    offered = rows["offered"].to_numpy(dtype=float)
    if np.isnan(offered).any() or (offered < 0).any():
        bad = rows.loc[np.isnan(offered) | (offered < 0), "interval_start"].iloc[0]
        raise ValueError(f"queue {queue}: offered must be a number >= 0 in every interval (first bad interval: "
                         f"{bad.isoformat()}); fix the forecast")
    return offered


def _handle_times(rows: pd.DataFrame, queue: QueueConfig) -> np.ndarray:
    aht = rows["aht_s"].astype(float).to_numpy() if "aht_s" in rows else np.full(len(rows), np.nan)
    if np.isnan(aht).any():
        if queue.default_aht_s is None:
            raise ValueError(f"queue {queue.name}: the forecast has no handle time (aht_s) for some intervals; "
                             f"import a history with aht_s, or set default_aht_s in [queues.{queue.name}]")
        aht = np.where(np.isnan(aht), queue.default_aht_s, aht)
    if (aht <= 0).any():
        raise ValueError(f"queue {queue.name}: handle times must be positive seconds; the forecast has "
                         f"{aht.min():g} s")
    return aht


def _phone(offered: np.ndarray, aht: np.ndarray, interval_s: int, queue: QueueConfig) -> dict[str, np.ndarray]:
    if queue.patience_s:
        agents = required_agents_a(offered, interval_s, aht, queue.service_level, queue.answer_within_s,
                                   queue.patience_s, queue.max_occupancy)
        metrics = erlang_a_metrics(agents, offered, interval_s, aht, queue.answer_within_s, queue.patience_s)
    else:
        agents = required_agents_c(offered, interval_s, aht, queue.service_level, queue.answer_within_s,
                                   queue.max_occupancy)
        metrics = erlang_c_metrics(agents, offered, interval_s, aht, queue.answer_within_s)
    return _metrics_columns(agents, metrics)


def _chat(offered: np.ndarray, aht: np.ndarray, interval_s: int, queue: QueueConfig) -> dict[str, np.ndarray]:
    agents = required_chat_agents(offered, interval_s, aht, queue.service_level, queue.answer_within_s,
                                  queue.concurrency, queue.concurrency_slowdown, queue.max_occupancy)
    metrics = chat_metrics(agents, offered, interval_s, aht, queue.answer_within_s, queue.concurrency,
                           queue.concurrency_slowdown)
    return _metrics_columns(agents, metrics)


def _email(offered: np.ndarray, aht: np.ndarray, interval_s: int, queue: QueueConfig, site: Site,
           phone_load: np.ndarray | None) -> dict[str, np.ndarray]:
    deadline = answer_within_intervals(queue.answer_within_hours, interval_s)
    occupancy = queue.max_occupancy or DEFAULT_EMAIL_OCCUPANCY
    plan = plan_email(offered, aht, interval_s, deadline, weights=phone_load, occupancy=occupancy)
    agents = np.asarray(plan.agents, dtype=int)
    worked = np.asarray(plan.worked, dtype=float)
    capacity = agents * interval_s
    busy = np.divide(worked * aht, capacity, out=np.zeros(len(agents)), where=capacity > 0)
    return {"agents_required": agents, "service_level": np.where(offered > 0, 1.0, np.nan),
            "asa_s": fifo_mean_wait(offered, worked, interval_s), "abandon_rate": np.zeros(len(agents)),
            "occupancy": np.round(np.minimum(busy, 1.0), 4)}


def fifo_mean_wait(arrivals: np.ndarray, worked: np.ndarray, interval_s: int) -> np.ndarray:
    """Mean wait (s) of the e-mails answered in each interval, first in first out; arrivals count as arriving
    mid-interval and answers as given mid-interval, so an e-mail answered in its own interval waited 0."""
    queue: list[list[float]] = []  # [arrival interval, count] in arrival order
    waits = np.full(len(arrivals), np.nan)
    for t, (arrived, done) in enumerate(zip(arrivals, worked, strict=True)):
        if arrived > 0:
            queue.append([t, float(arrived)])
        remaining, total_wait, answered = float(done), 0.0, 0.0
        while remaining > 1e-9 and queue:
            take = min(remaining, queue[0][1])
            total_wait += take * (t - queue[0][0]) * interval_s
            answered += take
            remaining -= take
            queue[0][1] -= take
            if queue[0][1] <= 1e-9:
                queue.pop(0)
        if answered > 0:
            waits[t] = total_wait / answered
    return waits


def _phone_load(parts: dict[str, pd.DataFrame], rows: pd.DataFrame) -> np.ndarray | None:
    """Agents the phone and chat queues need in each of the e-mail queue's intervals (0 where none)."""
    if not parts:
        return None
    load = pd.concat([p[["interval_start", "agents_required"]] for p in parts.values()])
    per_interval = load.groupby("interval_start")["agents_required"].sum()
    return per_interval.reindex(rows["interval_start"]).fillna(0.0).to_numpy(dtype=float)


def _metrics_columns(agents: np.ndarray, metrics) -> dict[str, np.ndarray]:
    return {"agents_required": np.asarray(agents, dtype=int),
            "service_level": np.round(np.asarray(metrics.service_level, dtype=float), 4),
            "asa_s": np.round(np.asarray(metrics.asa_s, dtype=float), 2),
            "abandon_rate": np.round(np.asarray(metrics.abandon_rate, dtype=float), 4),
            "occupancy": np.round(np.asarray(metrics.occupancy, dtype=float), 4)}
