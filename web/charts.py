"""Server-rendered SVG line charts (no JavaScript, nothing loaded from elsewhere)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

PALETTE = ("#0b6bcb", "#e07b00", "#2e9e5b", "#a23fb5", "#c0392b", "#5d6d7e")


@dataclass(frozen=True)
class Line:
    name: str
    color: str
    points: str  # SVG polyline "x,y x,y …"
    last_value: float


@dataclass(frozen=True)
class Tick:
    position: float
    value: float | dt.date


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    left: int
    bottom: int
    lines: tuple[Line, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]


def nice_step(span: float, target_ticks: int = 5) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving about `target_ticks` ticks over `span`."""
    if span <= 0:
        return 1.0
    raw = span / target_ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return factor * magnitude
    return 10 * magnitude


def line_chart(series: Mapping[str, Sequence[tuple[dt.date, float]]], width: int = 960, height: int = 260,
               left: int = 56, bottom: int = 24) -> LineChart | None:
    """Lay out one line per series on a shared date axis and a y axis starting at zero; None without data."""
    all_points = [p for points in series.values() for p in points]
    if not all_points:
        return None
    first = min(d for d, _ in all_points)
    last = max(d for d, _ in all_points)
    days = max((last - first).days, 1)
    step = nice_step(max(v for _, v in all_points))
    top_value = step * max(1, math.ceil(max(v for _, v in all_points) / step))
    plot_w, plot_h = width - left - 8, height - bottom - 8

    def x(day: dt.date) -> float:
        return left + plot_w * (day - first).days / days

    def y(value: float) -> float:
        return 8 + plot_h * (1 - value / top_value)

    lines = tuple(
        Line(name, PALETTE[i % len(PALETTE)], " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in points),
             points[-1][1] if points else 0.0)
        for i, (name, points) in enumerate(series.items())
    )
    y_ticks = tuple(Tick(y(k * step), k * step) for k in range(int(round(top_value / step)) + 1))
    x_ticks = tuple(Tick(x(d), d) for d in _month_starts(first, last, every=max(1, days // 240)))
    return LineChart(width, height, left, bottom, lines, x_ticks, y_ticks)


def _month_starts(first: dt.date, last: dt.date, every: int) -> list[dt.date]:
    months = []
    year, month = first.year, first.month
    while dt.date(year, month, 1) <= last:
        if dt.date(year, month, 1) >= first and (year * 12 + month) % every == 0:
            months.append(dt.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
