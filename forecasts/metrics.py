"""Forecast accuracy measures on frames with actual, forecast, p10 and p90 columns."""

from __future__ import annotations

import numpy as np
import pandas as pd


def wape(frame: pd.DataFrame) -> float:
    """Weighted absolute percentage error: sum |forecast - actual| / sum actual (NaN when nothing arrived)."""
    total = float(frame["actual"].sum())
    return float(np.abs(frame["forecast"] - frame["actual"]).sum() / total) if total > 0 else float("nan")


def bias(frame: pd.DataFrame) -> float:
    """sum (forecast - actual) / sum actual: positive means over-forecast."""
    total = float(frame["actual"].sum())
    return float((frame["forecast"] - frame["actual"]).sum() / total) if total > 0 else float("nan")


def coverage(frame: pd.DataFrame) -> float:
    """Share of actuals inside [p10, p90]; an 80 % band should hold about 0.8 of them."""
    if frame.empty:
        return float("nan")
    inside = (frame["actual"] >= frame["p10"]) & (frame["actual"] <= frame["p90"])
    return float(inside.mean())
