"""The forecasting orchestrator: per queue, pick a model per horizon by rolling-origin backtest, then forecast
volumes, handle times and 80 % prediction intervals for every open interval of the horizon."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecasts.calendar import is_open, open_intervals
from forecasts.daily import daily_totals, date_range
from forecasts.features import MAX_EVENT_LAG, event_intensity, feature_table
from forecasts.intraday import fit_profile, slot_minutes, spread
from forecasts.models import (
    DailyModel,
    HandleTimeModel,
    NotEnoughHistory,
    QueueHistory,
    candidate_models,
)
from forecasts.site import Site

FORECAST_COLUMNS = ("queue", "interval_start", "offered", "aht_s", "offered_p10", "offered_p90")
# Horizon buckets (days ahead, inclusive) within which one model is chosen per queue.
SELECTION_BUCKETS: tuple[tuple[int, int], ...] = ((1, 7), (8, 10_000))
INNER_ORIGINS = 8
INNER_HORIZON_DAYS = 42
MIN_TRAINING_DAYS = 14
QUANTILES = (0.1, 0.9)
SAMPLES = 400
# A baseline replaces the calendar model only when it backtests clearly better: with a handful of origins a
# smaller difference is mostly noise (measured: with a 5 % margin the choice switched to a baseline that then
# did worse out of sample), and the calendar model is the one that knows about coming events.
SWITCH_MARGIN = 0.10
MIN_ORIGINS_TO_SWITCH = 4
MIN_WIN_SHARE = 0.75


@dataclass(frozen=True)
class QueueForecast:
    """One queue's forecast under every candidate model, and which model each horizon bucket uses."""

    queue: str
    origin: dt.date  # the last day of history used; horizons count from here
    intervals: dict[str, pd.DataFrame]  # method -> interval_start, date, offered, aht_s, offered_p10, offered_p90
    daily: dict[str, pd.DataFrame]  # method -> date, offered, offered_p10, offered_p90, aht_s
    choice: dict[tuple[int, int], str]
    outliers: list[dt.date]
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ForecastResult:
    """The forecast frame (DATA.md forecast.csv) plus what a planner needs to trust it."""

    frame: pd.DataFrame
    daily: pd.DataFrame
    choices: dict[str, dict[str, str]]  # queue -> "1-7 days" -> method
    outliers: dict[str, list[dt.date]]
    notes: list[str]
    queues: dict[str, QueueForecast] = field(default_factory=dict)


def forecast(history: pd.DataFrame, site: Site, start: dt.date, days: int, events: pd.DataFrame | None = None,
             method: str = "auto", seed: int = 0, progress: Callable[[int, int], None] | None = None
             ) -> ForecastResult:
    """Forecast every open interval of `days` days from `start`, for every queue in the history.

    Only history before `start` is used. `method` is "auto" (chosen per queue and horizon by backtest) or
    the alias of one model (last_week, mean_6_weeks, year_ago, calendar).
    """
    check_inputs(history, site, events, days, method)
    first = history["interval_start"].min().tz_convert(site.timezone).date()
    if start <= first:
        raise ValueError(f"the forecast starts on {start}, but the history only begins on {first}; start after "
                         "the history (the forecast uses only what happened before its start)")
    origin = min(start - dt.timedelta(days=1), history_last_date(history, site))
    past = history[history["interval_start"].dt.tz_convert(site.timezone).dt.date <= origin]
    targets = [d for d in date_range(start, start + dt.timedelta(days=days - 1)) if is_open(site, d)]
    rng = np.random.default_rng(seed)
    queues = {}
    names = sorted(past["queue"].unique())
    for done, queue in enumerate(names, start=1):
        queues[queue] = forecast_queue(past[past["queue"] == queue], site, queue, origin, targets, events, rng,
                                       method)
        if progress:
            progress(done, len(names))
    return assemble(queues, method)


def check_inputs(history: pd.DataFrame, site: Site, events: pd.DataFrame | None, days: int,
                 method: str = "auto") -> None:
    """Refuse what cannot give a meaningful forecast, naming the thing and the fix."""
    methods = ["auto", *(m.alias for m in candidate_models())]
    if method not in methods:
        raise ValueError(f"unknown method {method!r}; use one of {', '.join(methods)}")
    if days < 1:
        raise ValueError(f"the horizon must be at least one day (got {days})")
    if history.empty:
        raise ValueError("the history is empty; import at least two weeks of contacts per queue")
    unknown = sorted(set(history["queue"]) - set(site.queue_names))
    if unknown:
        raise ValueError(f"history queue(s) {', '.join(unknown)} are not in the site; add them to site.toml")
    if events is not None and not events.empty:
        named = {q for q in events["queue"].dropna()}
        bad = sorted(named - set(site.queue_names))
        if bad:
            raise ValueError(f"events name unknown queue(s) {', '.join(bad)}; use a queue of the site "
                             f"({', '.join(site.queue_names)}) or leave queue empty for all queues")


def history_last_date(history: pd.DataFrame, site: Site) -> dt.date:
    return history["interval_start"].max().tz_convert(site.timezone).date()


def forecast_queue(history: pd.DataFrame, site: Site, queue: str, origin: dt.date, targets: list[dt.date],
                   events: pd.DataFrame | None, rng: np.random.Generator, method: str | None = "auto"
                   ) -> QueueForecast:
    """Fit every candidate on one queue's history up to `origin` and forecast the target days.

    Intervals and bands are worked out for `method` only ("auto": the chosen models; None: every model).
    """
    daily = daily_totals(history, site, end=origin)
    observed = daily[daily["offered"].notna()]
    if len(observed) < MIN_TRAINING_DAYS:
        span = f"{observed['date'].min()} to {observed['date'].max()}" if len(observed) else "none"
        raise ValueError(f"queue {queue} has only {len(observed)} open days with data (days: {span}); the "
                         f"forecast needs at least {MIN_TRAINING_DAYS} days, better a year or more")
    intensity = event_intensity(events, queue) if events is not None else {}
    first = min(daily["date"].min(), origin - dt.timedelta(days=MAX_EVENT_LAG))
    table_days = date_range(first, max(targets[-1] if targets else origin, origin))
    table = feature_table(site, table_days, intensity, reference=origin)
    data = QueueHistory(queue, site, daily, origin, intensity, table)
    notes = []
    if float(observed["offered"].sum()) == 0.0:
        notes.append(f"queue {queue}: every day in the history had zero contacts; forecasting zero")
        return _zero_forecast(queue, site, origin, targets, notes)

    errors = rolling_errors(data, origins=inner_origins(data))
    models = fitted_models(data)
    outliers = list(getattr(models.get("calendar"), "outliers", []))
    choice = choose(errors, models)
    aht = HandleTimeModel().fit(data).predict(targets) if targets else np.array([])
    profile = fit_profile(history, site, origin)
    intervals, daily_out = {}, {}
    wanted = set(models) if method is None else set(choice.values()) if method == "auto" else {method}
    for alias, model in models.items():
        if alias not in wanted:
            continue
        point = np.maximum(model.predict(targets), 0.0) if targets else np.array([])
        residuals = errors[errors["method"] == alias] if not errors.empty else errors
        daily_out[alias], intervals[alias] = _with_uncertainty(point, aht, targets, origin, residuals, profile,
                                                               site, rng)
    return QueueForecast(queue, origin, intervals, daily_out, choice, outliers, notes)


def fitted_models(data: QueueHistory) -> dict[str, DailyModel]:
    """Every candidate that this history can support, fitted."""
    models = {}
    for model in candidate_models():
        try:
            models[model.alias] = model.fit(data)
        except NotEnoughHistory:
            continue
    return models


def inner_origins(data: QueueHistory, count: int = INNER_ORIGINS, horizon: int = INNER_HORIZON_DAYS
                  ) -> list[dt.date]:
    """Origins spread over the last year of the training history, each leaving a full horizon of actuals."""
    observed = data.observed()["date"]
    if observed.empty:
        return []
    latest = data.origin - dt.timedelta(days=horizon)
    earliest = max(observed.min() + dt.timedelta(days=8 * 7), data.origin - dt.timedelta(days=364))
    if latest < earliest:
        return []
    span = (latest - earliest).days
    steps = min(count, span // 7 + 1)
    return sorted({latest - dt.timedelta(days=round(i * span / max(steps - 1, 1))) for i in range(steps)})


def rolling_errors(data: QueueHistory, origins: list[dt.date], horizon: int = INNER_HORIZON_DAYS) -> pd.DataFrame:
    """Daily forecasts of every candidate from each origin against the actuals: method, origin, h, actual, forecast."""
    rows = []
    for origin in origins:
        seen = data.until(origin)
        days = [d for d in date_range(origin + dt.timedelta(days=1), origin + dt.timedelta(days=horizon))
                if d <= data.origin]
        actual = data.daily.set_index("date")["offered"].reindex(days)
        days = [d for d, a in zip(days, actual, strict=True) if not np.isnan(a)]
        if not days:
            continue
        truth = actual.loc[days].to_numpy(dtype=float)
        for alias, model in fitted_models(seen).items():
            predicted = np.maximum(model.predict(days), 0.0)
            rows.append(pd.DataFrame({"method": alias, "origin": origin, "date": days,
                                      "h": [(d - origin).days for d in days], "actual": truth,
                                      "forecast": predicted}))
    if not rows:
        return pd.DataFrame(columns=["method", "origin", "date", "h", "actual", "forecast"])
    return pd.concat(rows, ignore_index=True)


def choose(errors: pd.DataFrame, models: dict[str, DailyModel]) -> dict[tuple[int, int], str]:
    """Per horizon bucket, the model with the lowest daily WAPE over the inner origins.

    The calendar model is the default (also when there is too little history to backtest). Another model
    takes over only on clear evidence: lower WAPE by more than SWITCH_MARGIN overall, and lower on at least
    MIN_WIN_SHARE of at least MIN_ORIGINS_TO_SWITCH origins, so that a few lucky origins do not decide.
    """
    fallback = "calendar" if "calendar" in models else next(iter(models))
    choice = {}
    for low, high in SELECTION_BUCKETS:
        in_bucket = errors[(errors["h"] >= low) & (errors["h"] <= high) & errors["method"].isin(models)] \
            if not errors.empty else errors
        if in_bucket.empty:
            choice[(low, high)] = fallback
            continue
        scores = in_bucket.groupby("method").apply(_wape, include_groups=False)
        # Only methods scored on every origin compete, so none wins by skipping the hardest origins.
        complete = in_bucket.groupby("method")["origin"].nunique()
        scores = scores[complete == complete.max()]
        best = scores.idxmin()
        if fallback in scores and best != fallback and not _clearly_better(in_bucket, best, fallback,
                                                                           scores[best], scores[fallback]):
            best = fallback
        choice[(low, high)] = best
    return choice


def _clearly_better(errors: pd.DataFrame, challenger: str, default: str, challenger_wape: float,
                    default_wape: float) -> bool:
    if challenger_wape >= default_wape * (1 - SWITCH_MARGIN):
        return False
    per_origin = errors[errors["method"].isin([challenger, default])].groupby(["origin", "method"]).apply(
        _wape, include_groups=False).unstack("method").dropna()
    if len(per_origin) < MIN_ORIGINS_TO_SWITCH:
        return False
    return bool((per_origin[challenger] < per_origin[default]).mean() >= MIN_WIN_SHARE)


def _wape(frame: pd.DataFrame) -> float:
    total = frame["actual"].sum()
    return float(np.abs(frame["forecast"] - frame["actual"]).sum() / total) if total > 0 else np.inf


def _with_uncertainty(point: np.ndarray, aht: np.ndarray, targets: list[dt.date], origin: dt.date,
                      residuals: pd.DataFrame, profile, site: Site, rng: np.random.Generator
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Daily and interval p10/p90 from the model's own out-of-sample errors (by horizon) and intraday noise."""
    horizons = np.array([(d - origin).days for d in targets])
    multipliers = _error_multipliers(residuals, horizons, rng)
    daily = pd.DataFrame({"date": targets, "offered": point,
                          "offered_p10": point * np.quantile(multipliers, QUANTILES[0], axis=1),
                          "offered_p90": point * np.quantile(multipliers, QUANTILES[1], axis=1),
                          "aht_s": aht})
    intervals = spread(profile, site, targets, point)
    if intervals.empty:
        return daily, pd.DataFrame(columns=["interval_start", "date", *FORECAST_COLUMNS[2:]])
    day_index = {d: i for i, d in enumerate(targets)}
    rows = np.array([day_index[d] for d in intervals["date"]])
    mu = intervals["offered"].to_numpy(dtype=float)[:, None] * multipliers[rows]
    draws = _negative_binomial(mu, profile.dispersion, rng)
    intervals["offered_p10"] = np.quantile(draws, QUANTILES[0], axis=1)
    intervals["offered_p90"] = np.quantile(draws, QUANTILES[1], axis=1)
    ratio = np.array([profile.aht_ratio.get(int(s), 1.0) for s in slot_minutes(intervals["interval_start"], site)])
    intervals["aht_s"] = aht[rows] * ratio
    return daily, intervals.drop(columns=["share"])


def _error_multipliers(residuals: pd.DataFrame, horizons: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Samples of actual/forecast per target day, drawn from backtest errors at similar horizons.

    Without backtest errors (short history) a wide log-normal stands in (sigma 0.25), which says "unsure".
    """
    out = np.empty((len(horizons), SAMPLES))
    usable = residuals[(residuals["actual"] > 0) & (residuals["forecast"] > 0)] if not residuals.empty else residuals
    log_ratio = np.log(usable["actual"].to_numpy(dtype=float) / usable["forecast"].to_numpy(dtype=float)) \
        if not usable.empty else np.array([])
    usable_h = usable["h"].to_numpy() if not usable.empty else np.array([])
    for i, h in enumerate(horizons):
        near = log_ratio[np.abs(usable_h - h) <= max(3, h // 4)] if len(log_ratio) else log_ratio
        if len(near) < 20:
            near = log_ratio
        if len(near) < 20:
            out[i] = np.exp(rng.normal(0.0, 0.25, SAMPLES))
        else:
            out[i] = np.exp(rng.choice(near, SAMPLES))
    return out


def _negative_binomial(mu: np.ndarray, dispersion: float, rng: np.random.Generator) -> np.ndarray:
    """Gamma-Poisson draws with mean mu and variance mu + dispersion * mu^2."""
    if dispersion <= 1e-9:
        return rng.poisson(mu).astype(float)
    shape = 1.0 / dispersion
    return rng.poisson(rng.gamma(shape, mu / shape)).astype(float)


def _zero_forecast(queue: str, site: Site, origin: dt.date, targets: list[dt.date], notes: list[str]
                   ) -> QueueForecast:
    parts = [pd.DataFrame({"interval_start": open_intervals(site, d), "date": d}) for d in targets]
    intervals = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["interval_start", "date"])
    for column in ("offered", "offered_p10", "offered_p90"):
        intervals[column] = 0.0
    intervals["aht_s"] = np.nan
    daily = pd.DataFrame({"date": targets, "offered": 0.0, "offered_p10": 0.0, "offered_p90": 0.0,
                          "aht_s": np.nan})
    choice = dict.fromkeys(SELECTION_BUCKETS, "zero")
    return QueueForecast(queue, origin, {"zero": intervals}, {"zero": daily}, choice, [], notes)


def bucket_of(h: int) -> tuple[int, int]:
    for bucket in SELECTION_BUCKETS:
        if bucket[0] <= h <= bucket[1]:
            return bucket
    return SELECTION_BUCKETS[-1]


def method_frames(result: QueueForecast, method: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The interval and daily frames of one queue under `method` ("auto" = the chosen model per bucket)."""
    if method != "auto":
        if method not in result.intervals:
            if "zero" in result.intervals:
                method = "zero"
            else:
                raise ValueError(f"queue {result.queue}: method {method!r} cannot be used with this history "
                                 f"(year_ago needs more than 60 weeks); usable: "
                                 f"{', '.join(sorted(result.intervals))} or auto")
        return result.intervals[method], result.daily[method]
    origin = result.origin
    pieces_i, pieces_d = [], []
    for bucket, alias in result.choice.items():
        frame_i, frame_d = result.intervals[alias], result.daily[alias]
        h_i = np.array([(d - origin).days for d in frame_i["date"]], dtype=int)
        h_d = np.array([(d - origin).days for d in frame_d["date"]], dtype=int)
        pieces_i.append(frame_i[(h_i >= bucket[0]) & (h_i <= bucket[1])])
        pieces_d.append(frame_d[(h_d >= bucket[0]) & (h_d <= bucket[1])].assign(method=alias))
    return (pd.concat(pieces_i, ignore_index=True).sort_values("interval_start"),
            pd.concat(pieces_d, ignore_index=True).sort_values("date"))


def assemble(queues: dict[str, QueueForecast], method: str) -> ForecastResult:
    frames, dailies, notes = [], [], []
    for queue, result in queues.items():
        intervals, daily = method_frames(result, method)
        frames.append(intervals.assign(queue=queue))
        dailies.append(daily.assign(queue=queue))
        notes.extend(result.notes)
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(FORECAST_COLUMNS))
    frame = frame[list(FORECAST_COLUMNS)].sort_values(["queue", "interval_start"]).reset_index(drop=True)
    daily = pd.concat(dailies, ignore_index=True) if dailies else pd.DataFrame()
    choices = {q: {f"{lo}-{hi} days" if hi < 10_000 else f"{lo}+ days": m for (lo, hi), m in r.choice.items()}
               for q, r in queues.items()}
    return ForecastResult(frame, daily, choices, {q: r.outliers for q, r in queues.items()}, notes, queues)
