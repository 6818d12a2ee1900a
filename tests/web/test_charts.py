"""SVG line-chart layout: round axis steps, points placed on a shared date axis from zero."""

from __future__ import annotations

import datetime as dt

import pytest

from web.charts import band_chart, heat_map, line_chart, nice_step, round_range, scatter_chart


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


def test_the_band_is_a_polygon_along_the_upper_edge_and_back_along_the_lower():
    chart = band_chart({"forecast": [(0, 3.0), (1, 6.0), (2, 8.0)]}, [(0, 2.0, 4.0), (1, 4.0, 8.0), (2, 6.0, 10.0)],
                       width=116, height=132, left=8, bottom=24)
    # Plot area 100 x 100 from (8, 8); x 0..2 spans it, the y axis tops out at 10 (the highest p90).
    assert chart.band == "8.0,68.0 58.0,28.0 108.0,8.0 108.0,48.0 58.0,68.0 8.0,88.0"
    assert chart.lines[0].points == "8.0,78.0 58.0,48.0 108.0,28.0"


def test_markers_and_ticks_outside_the_data_are_left_out():
    chart = band_chart({"a": [(10, 1.0), (20, 1.0)]}, [], x_ticks=[(5, "05"), (15, "15")],
                       markers=[(15, "start"), (25, "later")], marks=[(10, "mailing")], width=116, left=8)
    assert [(t.position, t.value) for t in chart.x_ticks] == [(58.0, "15")]
    assert [(m.position, m.label) for m in chart.markers] == [(58.0, "start")]
    assert [(m.position, m.label) for m in chart.marks] == [(8.0, "mailing")]
    assert chart.band == ""


def test_a_band_chart_without_data_is_none():
    assert band_chart({}, []) is None


def test_heat_map_cells_shades_and_totals():
    grid = heat_map({("mon", "08:00"): 3.0, ("mon", "08:15"): 5.0, ("tue", "08:00"): 0.0},
                    ["mon", "tue"], ["08:00", "08:15"], levels=8, total_weight=0.25)
    assert [[(c.value, c.level) for c in row.cells] for row in grid.rows] == [
        [(3.0, 5), (5.0, 7)],  # 3/5 of the way up seven shades is 4.2, rounded up
        [(0.0, 0), (None, -1)],
    ]
    assert [row.total for row in grid.rows] == [2.0, 0.0] and grid.maximum == 5.0


def test_one_agent_never_looks_like_none():
    grid = heat_map({("d", "t"): 1.0, ("d", "u"): 100.0}, ["d"], ["t", "u"])
    assert [c.level for c in grid.rows[0].cells] == [1, 7]


def test_a_scatter_places_points_joins_the_frontier_and_draws_the_target():
    chart = scatter_chart([(100.0, 50.0, "a"), (300.0, 90.0, "c"), (200.0, 70.0, "b"), (250.0, 60.0, "d")],
                          frontier=[0, 2, 1], highlight=2, target=80.0, width=116, height=136, left=8, bottom=28)
    # Plot area 100 x 100 from (8, 8); x 100..300 in steps of 50, y 50..90 in steps of 10.
    assert [(d.x, d.y, d.label) for d in chart.dots] == [(8.0, 108.0, "a"), (108.0, 8.0, "c"), (58.0, 58.0, "b"),
                                                         (83.0, 83.0, "d")]
    assert [(d.frontier, d.highlight) for d in chart.dots] == [(True, False), (True, False), (True, True),
                                                               (False, False)]
    assert chart.frontier == "8.0,108.0 58.0,58.0 108.0,8.0"
    assert chart.target == 33.0
    assert [t.value for t in chart.x_ticks] == [100, 150, 200, 250, 300]
    assert [(t.position, t.value) for t in chart.y_ticks][::2] == [(108.0, 50), (58.0, 70), (8.0, 90)]


def test_a_scatter_axis_spans_the_target_and_a_single_point_sits_inside():
    chart = scatter_chart([(500.0, 95.0, "only")], target=80.0, width=116, height=136, left=8, bottom=28)
    # x: one value, a step (100) either side; y: 80 (the target) to 95 in steps of 5 (nice_step of 15).
    assert [t.value for t in chart.x_ticks] == [400, 500, 600] and chart.dots[0].x == 58.0
    assert [t.value for t in chart.y_ticks] == [80, 85, 90, 95] and chart.target == 108.0
    assert chart.frontier == "" and scatter_chart([]) is None


@pytest.mark.parametrize(("low", "high", "expected"), [
    (0.62, 0.95, (0.6, 1.0, 0.1)), (12_345, 98_765, (0, 100_000, 20_000)), (7, 7, (5, 9, 2))])
def test_round_range(low, high, expected):
    assert round_range(low, high) == pytest.approx(expected)
