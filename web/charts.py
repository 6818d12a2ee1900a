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
    value: float | dt.date | str


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


@dataclass(frozen=True)
class Marker:
    position: float
    label: str


@dataclass(frozen=True)
class BandChart:
    """Lines over a shaded band (p10–p90) on a numeric x axis, with vertical markers and event marks."""

    width: int
    height: int
    left: int
    bottom: int
    band: str  # SVG polygon "x,y …": the upper edge left to right, then the lower edge back
    lines: tuple[Line, ...]
    markers: tuple[Marker, ...]
    marks: tuple[Marker, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]


def band_chart(lines: Mapping[str, Sequence[tuple[float, float]]], band: Sequence[tuple[float, float, float]],
               x_ticks: Sequence[tuple[float, dt.date | str]] = (), markers: Sequence[tuple[float, str]] = (),
               marks: Sequence[tuple[float, str]] = (), width: int = 960, height: int = 260, left: int = 56,
               bottom: int = 24) -> BandChart | None:
    """Lay out lines and a band (x, low, high) on shared axes, y from zero; None without any data.

    x is a plain number (a day ordinal, seconds since the first interval) so that dates and DST days need no
    special case here; the caller gives the ticks as (x, label value)."""
    xs = [x for points in lines.values() for x, _ in points] + [x for x, _, _ in band]
    if not xs:
        return None
    first, last = min(xs), max(xs)
    span = max(last - first, 1e-9)
    top = max([v for points in lines.values() for _, v in points] + [hi for _, _, hi in band] + [0.0])
    step = nice_step(top)
    top_value = step * max(1, math.ceil(top / step))
    plot_w, plot_h = width - left - 8, height - bottom - 8

    def x(value: float) -> float:
        return left + plot_w * (value - first) / span

    def y(value: float) -> float:
        return 8 + plot_h * (1 - value / top_value)

    edge = [f"{x(p):.1f},{y(hi):.1f}" for p, _, hi in band] + [f"{x(p):.1f},{y(lo):.1f}" for p, lo, _ in band[::-1]]
    laid_out = tuple(
        Line(name, PALETTE[i % len(PALETTE)], " ".join(f"{x(p):.1f},{y(v):.1f}" for p, v in points),
             points[-1][1] if points else 0.0)
        for i, (name, points) in enumerate(lines.items())
    )
    inside = [(p, label) for p, label in x_ticks if first <= p <= last]
    return BandChart(width, height, left, bottom, " ".join(edge), laid_out,
                     tuple(Marker(round(x(p), 1), label) for p, label in markers if first <= p <= last),
                     tuple(Marker(round(x(p), 1), label) for p, label in marks if first <= p <= last),
                     tuple(Tick(round(x(p), 1), label) for p, label in inside),
                     tuple(Tick(y(k * step), k * step) for k in range(int(round(top_value / step)) + 1)))


@dataclass(frozen=True)
class HeatCell:
    value: float | None  # None: no interval there (closed, or the hour a DST switch skips)
    level: int  # shade class 0 (zero) … levels - 1 (the map's maximum); -1 without a value


@dataclass(frozen=True)
class HeatRow:
    label: object
    cells: tuple[HeatCell, ...]
    total: float


@dataclass(frozen=True)
class HeatMap:
    columns: tuple[object, ...]
    rows: tuple[HeatRow, ...]
    maximum: float


def heat_map(values: Mapping[tuple[object, object], float], rows: Sequence[object], columns: Sequence[object],
             levels: int = 8, total_weight: float = 1.0) -> HeatMap:
    """A grid of (row, column) values shaded in `levels` steps of the map's maximum; any value above zero gets
    at least the first visible shade, so one required agent never looks like none. Row totals are the sum of
    the row's values times `total_weight` (agents per interval times hours per interval gives agent-hours)."""
    maximum = max(values.values(), default=0.0)

    def level(value: float) -> int:
        if value <= 0 or maximum <= 0:
            return 0
        return max(1, math.ceil(value / maximum * (levels - 1) - 1e-9))

    out = []
    for row in rows:
        cells = []
        for column in columns:
            value = values.get((row, column))
            cells.append(HeatCell(None, -1) if value is None else HeatCell(value, level(value)))
        total = sum(c.value for c in cells if c.value is not None) * total_weight
        out.append(HeatRow(row, tuple(cells), total))
    return HeatMap(tuple(columns), tuple(out), maximum)


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    label: str
    frontier: bool
    highlight: bool


@dataclass(frozen=True)
class ScatterChart:
    """Points on two numeric axes, the frontier points joined by a line, an optional horizontal target line."""

    width: int
    height: int
    left: int
    bottom: int
    dots: tuple[Dot, ...]
    frontier: str             # SVG polyline "x,y …" through the frontier points in the order given
    target: float | None      # y position of the target line
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]


def round_range(low: float, high: float, target_ticks: int = 5) -> tuple[float, float, float]:
    """An axis from a round value at or below `low` to one at or above `high`, and its step; a single value gets
    a step either side, so that it is not drawn on the edge."""
    if high <= low:
        step = nice_step(abs(low), target_ticks)
        return low - step, low + step, step
    step = nice_step(high - low, target_ticks)
    return step * math.floor(low / step + 1e-9), step * math.ceil(high / step - 1e-9), step


def scatter_chart(points: Sequence[tuple[float, float, str]], frontier: Sequence[int] = (),
                  highlight: int | None = None, target: float | None = None, width: int = 960, height: int = 300,
                  left: int = 64, bottom: int = 28) -> ScatterChart | None:
    """Lay out points (x, y, label) on axes of round steps spanning the points (and the target); `frontier` and
    `highlight` are positions in `points`. None without points."""
    if not points:
        return None
    ys = [y for _, y, _ in points] + ([target] if target is not None else [])
    x_low, x_high, x_step = round_range(min(x for x, _, _ in points), max(x for x, _, _ in points))
    y_low, y_high, y_step = round_range(min(ys), max(ys))
    plot_w, plot_h = width - left - 8, height - bottom - 8

    def x(value: float) -> float:
        return round(left + plot_w * (value - x_low) / (x_high - x_low), 1)

    def y(value: float) -> float:
        return round(8 + plot_h * (1 - (value - y_low) / (y_high - y_low)), 1)

    on_frontier = set(frontier)
    dots = tuple(Dot(x(px), y(py), label, i in on_frontier, i == highlight) for i, (px, py, label) in enumerate(points))
    line = " ".join(f"{dots[i].x:.1f},{dots[i].y:.1f}" for i in frontier)
    return ScatterChart(width, height, left, bottom, dots, line, y(target) if target is not None else None,
                        tuple(Tick(x(v), v) for v in _steps(x_low, x_high, x_step)),
                        tuple(Tick(y(v), v) for v in _steps(y_low, y_high, y_step)))


def _steps(low: float, high: float, step: float) -> list[float]:
    # Rounded: 0.1 steps must label 0.3, not 0.30000000000000004.
    return [round(low + k * step, 9) for k in range(int(round((high - low) / step)) + 1)]
