"""Accuracy measures: exact values on three rows, and the bounds that hold for any frame."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasts.metrics import bias, coverage, wape

# actual 10, 20, 30; forecast off by +2, -2, +3; bands [9, 11] (hit), [21, 25] (miss), [30, 30] (hit on the edge)
FRAME = pd.DataFrame({"actual": [10.0, 20.0, 30.0], "forecast": [12.0, 18.0, 33.0],
                      "p10": [9.0, 21.0, 30.0], "p90": [11.0, 25.0, 30.0]})


def test_wape_is_the_sum_of_absolute_errors_over_the_sum_of_actuals():
    assert wape(FRAME) == pytest.approx(7 / 60)


def test_bias_keeps_the_sign_so_errors_cancel():
    assert bias(FRAME) == pytest.approx(3 / 60)


def test_coverage_counts_actuals_inside_the_band_edges_included():
    assert coverage(FRAME) == pytest.approx(2 / 3)


def test_wape_and_bias_are_nan_when_nothing_arrived():
    zero = FRAME.assign(actual=0.0)
    assert math.isnan(wape(zero)) and math.isnan(bias(zero))


def test_coverage_of_an_empty_frame_is_nan():
    assert math.isnan(coverage(FRAME.iloc[:0]))


counts = st.integers(min_value=0, max_value=10_000).map(float)  # contacts are whole numbers


@st.composite
def frames(draw):
    n = draw(st.integers(min_value=1, max_value=20))
    rows = [draw(st.tuples(counts, counts, counts, counts)) for _ in range(n)]
    actual, forecast, low, high = (list(column) for column in zip(*rows, strict=True))
    return pd.DataFrame({"actual": actual, "forecast": forecast, "p10": low, "p90": high})


@settings(max_examples=60, deadline=None)
@given(frames())
def test_wape_bounds_the_absolute_bias(frame):
    if frame["actual"].sum() > 0:
        assert wape(frame) >= abs(bias(frame)) * (1 - 1e-12)


@settings(max_examples=60, deadline=None)
@given(frames())
def test_coverage_is_a_share(frame):
    assert 0.0 <= coverage(frame) <= 1.0
