"""SVG line-chart layout: round axis steps, points placed on a shared date axis from zero."""

from __future__ import annotations

import datetime as dt

import pytest

from web.charts import line_chart, nice_step


@pytest.mark.parametrize(("span", "step"), [(0, 1.0), (9, 2), (10, 2), (47, 10), (1100, 500), (3, 1)])
def test_nice_step(span, step):
    assert nice_step(span) == step


def test_points_are_placed_on_the_plot_area():
    chart = line_chart({"a": [(dt.date(2026, 1, 1), 0.0), (dt.date(2026, 1, 11), 10.0)]},
                       width=116, height=132, left=8, bottom=24)
    # Plot area: x 8..108 (width - left - 8 = 100), y 8..108 (height - bottom - 8 = 100); axis top is 10.
    assert chart.lines[0].points == "8.0,108.0 108.0,8.0"
    assert [t.value for t in chart.y_ticks] == [0, 2, 4, 6, 8, 10]
    assert chart.y_ticks[-1].position == 8.0


def test_no_data_gives_no_chart():
    assert line_chart({}) is None and line_chart({"a": []}) is None
