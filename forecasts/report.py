"""Plain-text backtest report: accuracy per queue, method and horizon, and the chosen method against baselines."""

from __future__ import annotations

import pandas as pd

from forecasts.backtest import REPORT_HORIZONS, Backtest, covers_event, summary
from forecasts.metrics import wape
from forecasts.models import BASELINES


def common_rows(frame: pd.DataFrame, keys: tuple[str, ...]) -> pd.DataFrame:
    """Only the rows that every method forecast, so methods are compared on the same days."""
    methods = frame["method"].nunique()
    counts = frame.groupby(list(keys))["method"].transform("nunique")
    return frame[counts == methods]


def comparison(frame: pd.DataFrame, keys: tuple[str, ...]) -> dict[str, float | str]:
    """WAPE of the automatic choice, of the best baseline (named) and their ratio, on common rows."""
    common = common_rows(frame, keys)
    scores = {m: wape(g) for m, g in common.groupby("method")}
    baselines = {m: s for m, s in scores.items() if m in BASELINES}
    if "auto" not in scores or not baselines:
        return {}
    best = min(baselines, key=baselines.get)
    return {"auto": scores["auto"], "best_baseline": best, "baseline": baselines[best],
            "ratio": scores["auto"] / baselines[best] if baselines[best] > 0 else float("nan"),
            "rows": len(common) // max(common["method"].nunique(), 1)}


def accuracy_table(frame: pd.DataFrame) -> str:
    """One line per queue and method (and ALL queues): WAPE per horizon, then bias and coverage overall."""
    everything = pd.concat([frame, frame.assign(queue="ALL")], ignore_index=True)
    table = summary(everything, by=("queue", "method"))
    horizons = [label for label, _, _ in REPORT_HORIZONS]
    wide = table.pivot_table(index=["queue", "method"], columns="horizon", values="wape").reindex(columns=horizons)
    overall = table[table["horizon"] == "all"].set_index(["queue", "method"])
    lines = [f"{'queue':<12}{'method':<14}" + "".join(f"{h:>11}" for h in horizons) + f"{'bias':>9}{'cover80':>9}"]
    for (queue, method), row in wide.iterrows():
        cells = "".join(f"{v:>11.3f}" if pd.notna(v) else f"{'-':>11}" for v in row)
        info = overall.loc[(queue, method)]
        lines.append(f"{queue:<12}{method:<14}{cells}{info['bias']:>+9.3f}{info['coverage']:>9.2f}")
    return "\n".join(lines)


def backtest_report(result: Backtest, title: str = "Backtest") -> str:
    """The full text report printed by `wfm backtest` and the benchmark."""
    daily, intervals = result.daily, result.intervals
    origins = ", ".join(d.isoformat() for d in result.origins)
    parts = [f"{title}: {len(result.origins)} origins ({origins}); horizon up to {int(daily['h'].max())} days",
             "WAPE by horizon (days ahead), bias and share of actuals inside the 80 % band", "",
             "Daily totals", accuracy_table(daily), "", "15-minute intervals", accuracy_table(intervals), ""]
    parts.append(_comparison_line("daily, all origins", comparison(daily, ("queue", "origin", "date"))))
    kinds = sorted({k for value in daily["events"] for k in value.split(";") if k})
    for kind in kinds:
        part = daily[covers_event(daily, kind)]
        parts.append(_comparison_line(f"daily, origins whose horizon covers {kind}",
                                      comparison(part, ("queue", "origin", "date"))))
    for label, low, high in (("1 day ahead", 1, 1), ("up to 1 week ahead", 1, 7)):
        part = daily[(daily["h"] >= low) & (daily["h"] <= high)]
        parts.append(_comparison_line(f"daily, {label}", comparison(part, ("queue", "origin", "date"))))
    parts.append(_comparison_line("intervals, all origins",
                                  comparison(intervals, ("queue", "origin", "interval_start"))))
    coverage_daily = _coverage_of(daily, "auto")
    coverage_interval = _coverage_of(intervals, "auto")
    parts.append(f"80 % band coverage of the chosen method: {coverage_daily:.1%} of days, "
                 f"{coverage_interval:.1%} of intervals")
    if not result.choices.empty:
        chosen = result.choices.groupby(["bucket", "method"]).size().rename("origins x queues").reset_index()
        parts += ["", "Methods the automatic choice picked (per horizon bucket):", chosen.to_string(index=False)]
    return "\n".join(parts)


def _coverage_of(frame: pd.DataFrame, method: str) -> float:
    part = frame[frame["method"] == method]
    return float(((part["actual"] >= part["p10"]) & (part["actual"] <= part["p90"])).mean()) if len(part) else 0.0


def _comparison_line(label: str, result: dict) -> str:
    if not result:
        return f"{label}: no comparison (no baseline or no rows)"
    return (f"{label}: chosen WAPE {result['auto']:.3f} vs best baseline {result['best_baseline']} "
            f"{result['baseline']:.3f} -> ratio {result['ratio']:.2f} ({result['rows']} rows per method)")
