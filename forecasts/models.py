"""Daily-total models behind one interface (fit on a queue's history, predict dates): baselines and a calendar GLM."""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import PoissonRegressor, Ridge
from threadpoolctl import threadpool_limits

from forecasts.daily import open_minutes
from forecasts.features import MIN_DAYS_FOR_YEARLY, FeatureSpec, feature_table
from forecasts.site import Site

RECENCY_HALF_LIFE_DAYS = 365.0
# Under a year of history, trend and season cannot be told apart: no trend term, and a short memory instead
# (a local level that follows the recent weeks).
SHORT_HISTORY_HALF_LIFE_DAYS = 56.0
OUTLIER_MAD_LIMIT = 6.0
MAX_OUTLIER_SHARE = 0.05


class NotEnoughHistory(ValueError):
    """A model that cannot be fitted on this little history (the orchestrator then leaves it out)."""


@dataclass(frozen=True)
class QueueHistory:
    """What a model sees of one queue: daily totals up to and including `origin`, and the event intensities."""

    queue: str
    site: Site
    daily: pd.DataFrame  # date, offered (NaN = missing), open_minutes, aht_s, handled; only open days
    origin: dt.date
    intensity: dict[str, dict[dt.date, float]] = field(default_factory=dict)
    features: pd.DataFrame | None = None  # feature_table over history and horizon, indexed by date

    def until(self, origin: dt.date) -> QueueHistory:
        """The same queue seen from an earlier origin (for rolling-origin backtests)."""
        return QueueHistory(self.queue, self.site, self.daily[self.daily["date"] <= origin], origin,
                            self.intensity, self.features)

    def feature_rows(self, days: list[dt.date], spec: FeatureSpec) -> pd.DataFrame:
        table = self.features
        if table is None or not set(days) <= set(table.index):
            table = feature_table(self.site, days, self.intensity, reference=self.origin)
        return table.loc[days, spec.columns(table)]

    def observed(self) -> pd.DataFrame:
        """Days with data, excluding those flagged as outliers."""
        d = self.daily
        keep = d["offered"].notna() & (d["date"] <= self.origin)
        if "outlier" in d:
            keep &= ~d["outlier"].astype(bool)
        return d[keep]


class DailyModel(Protocol):
    alias: str

    def fit(self, data: QueueHistory) -> DailyModel: ...

    def predict(self, days: list[dt.date]) -> np.ndarray: ...


class _CopyBaseline:
    """Shared machinery of the spreadsheet baselines: per weekday, earlier observed days, scaled by opening."""

    alias = "copy"

    def fit(self, data: QueueHistory) -> _CopyBaseline:
        observed = data.observed()
        if observed.empty:
            raise NotEnoughHistory(f"queue {data.queue}: no days with data")
        self.data = data
        self.by_date = dict(zip(observed["date"], observed["offered"].astype(float), strict=True))
        self.minutes = dict(zip(observed["date"], observed["open_minutes"], strict=True))
        return self

    def _same_weekday_before(self, day: dt.date, count: int) -> list[dt.date]:
        """The last `count` observed days before the origin with the weekday of `day`."""
        found = []
        weeks_back = max(1, -(-((day - self.data.origin).days) // 7))
        probe = day - dt.timedelta(days=7 * weeks_back)
        oldest = min(self.by_date) if self.by_date else day
        while len(found) < count and probe >= oldest:
            if probe in self.by_date:
                found.append(probe)
            probe -= dt.timedelta(days=7)
        return found

    def _scaled(self, source: dt.date, day: dt.date) -> float:
        minutes = open_minutes(self.data.site, day)
        return self.by_date[source] * minutes / self.minutes[source] if self.minutes[source] else 0.0


class LastWeek(_CopyBaseline):
    """The same weekday in the most recent week with data (seasonal naive), scaled by opening minutes."""

    alias = "last_week"

    def predict(self, days: list[dt.date]) -> np.ndarray:
        out = []
        for day in days:
            sources = self._same_weekday_before(day, 1)
            out.append(self._scaled(sources[0], day) if sources else np.nan)
        return np.array(out, dtype=float)


class MeanOfWeeks(_CopyBaseline):
    """The mean of the same weekday over the last `weeks` weeks with data, scaled by opening minutes."""

    def __init__(self, weeks: int = 6):
        self.weeks = weeks
        self.alias = f"mean_{weeks}_weeks"

    def predict(self, days: list[dt.date]) -> np.ndarray:
        out = []
        for day in days:
            sources = self._same_weekday_before(day, self.weeks)
            out.append(np.mean([self._scaled(s, day) for s in sources]) if sources else np.nan)
        return np.array(out, dtype=float)


class YearAgoScaled(_CopyBaseline):
    """The same weekday 52 weeks earlier, times the ratio of the last 8 weeks to the same 8 weeks a year before."""

    alias = "year_ago"
    RATIO_WEEKS = 8

    def fit(self, data: QueueHistory) -> YearAgoScaled:
        super().fit(data)
        observed_span = (data.origin - min(self.by_date)).days
        if observed_span < 364 + 7 * self.RATIO_WEEKS:
            raise NotEnoughHistory(f"queue {data.queue}: year_ago needs more than 60 weeks of history")
        recent = [d for d in self.by_date if (data.origin - d).days < 7 * self.RATIO_WEEKS]
        pairs = [(d, d - dt.timedelta(days=364)) for d in recent if d - dt.timedelta(days=364) in self.by_date]
        before = sum(self.by_date[b] for _, b in pairs)
        self.ratio = sum(self.by_date[a] for a, _ in pairs) / before if before > 0 else 1.0
        self.fallback = MeanOfWeeks(6).fit(data)
        return self

    def predict(self, days: list[dt.date]) -> np.ndarray:
        fallback = self.fallback.predict(days)
        out = []
        for i, day in enumerate(days):
            source = day - dt.timedelta(days=364)
            if source in self.by_date and source <= self.data.origin:
                out.append(self._scaled(source, day) * self.ratio)
            else:
                out.append(fallback[i])
        return np.array(out, dtype=float)


class CalendarGLM:
    """Poisson regression (log link) of daily totals on weekday, season, trend, holidays and event waves.

    Recent days weigh more (half-life one year); days the model cannot explain at all (more than 6 robust
    deviations off) are flagged as outliers and left out of a second fit, so an unannounced spike is not
    learned as normal.
    """

    alias = "calendar"

    def __init__(self, alpha: float = 1e-3):
        self.alpha = alpha
        self.outliers: list[dt.date] = []

    def fit(self, data: QueueHistory) -> CalendarGLM:
        observed = data.observed()
        if len(observed) < 14:
            raise NotEnoughHistory(f"queue {data.queue}: the calendar model needs at least 14 days with data")
        self.data = data
        span = (data.origin - observed["date"].min()).days
        kinds = tuple(sorted(k for k, days in data.intensity.items()
                             if any(observed["date"].min() <= d <= data.origin for d in days)))
        long_history = span >= MIN_DAYS_FOR_YEARLY
        self.spec = FeatureSpec(yearly=long_history, event_kinds=kinds, trend=long_history)
        days = list(observed["date"])
        x = data.feature_rows(days, self.spec)
        y = observed["offered"].to_numpy(dtype=float)
        age = np.array([(data.origin - d).days for d in days], dtype=float)
        half_life = RECENCY_HALF_LIFE_DAYS if long_history else SHORT_HISTORY_HALF_LIFE_DAYS
        weight = 0.5 ** (age / half_life)
        self._scale(x)
        keep = np.ones(len(y), dtype=bool)
        self.model = self._fit(x, y, weight)
        # Trim one day at a time: a single spike first pulls its whole weekday towards it, so judging every
        # residual of that first fit at once would flag the innocent days of that weekday too.
        for _ in range(max(1, int(MAX_OUTLIER_SHARE * len(y)))):
            residual = np.log((y + 1) / (self.model.predict(self._standard(x)) + 1))
            centre = np.median(residual[keep])
            spread = max(np.median(np.abs(residual[keep] - centre)) * 1.4826, 1e-3)
            distance = np.where(keep, np.abs(residual - centre), 0.0)
            worst = int(np.argmax(distance))
            if distance[worst] <= OUTLIER_MAD_LIMIT * spread or keep.sum() <= 14:
                break
            keep[worst] = False
            self.model = self._fit(x[keep], y[keep], weight[keep])
        self.outliers = sorted(d for d, k in zip(days, keep, strict=True) if not k)
        return self

    def predict(self, days: list[dt.date]) -> np.ndarray:
        return self.model.predict(self._standard(self.data.feature_rows(days, self.spec)))

    def _scale(self, x: pd.DataFrame) -> None:
        self.mean = x.mean()
        std = x.std(ddof=0)
        self.std = std.where(std > 1e-12, 1.0)

    def _standard(self, x: pd.DataFrame) -> np.ndarray:
        return ((x - self.mean) / self.std).to_numpy(dtype=float)

    def _fit(self, x: pd.DataFrame, y: np.ndarray, weight: np.ndarray) -> PoissonRegressor:
        model = PoissonRegressor(alpha=self.alpha, solver="newton-cholesky", max_iter=200, tol=1e-8)
        # One thread: on a few hundred rows OpenMP start-up costs more than the work (measured: 4x slower).
        with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="openmp"):
            # Nearly collinear calendar columns can leave the solver a hair short of its tolerance; still sound.
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(self._standard(x), y, sample_weight=weight / weight.mean())
        return model


class HandleTimeModel:
    """Daily handle time: ridge regression of log AHT on the calendar features, weighted by handled contacts."""

    def __init__(self, alpha: float = 1.0):
        self.alpha = alpha
        self.model: Ridge | None = None

    def fit(self, data: QueueHistory) -> HandleTimeModel:
        observed = data.observed()
        observed = observed[observed["aht_s"].notna() & (observed["handled"] > 0)]
        if len(observed) < 14:
            self.model = None
            self.constant = float(np.average(observed["aht_s"], weights=observed["handled"])) \
                if len(observed) else np.nan
            return self
        self.data = data
        kinds = tuple(sorted(k for k, days in data.intensity.items()
                             if any(observed["date"].min() <= d <= data.origin for d in days)))
        self.spec = FeatureSpec(yearly=(data.origin - observed["date"].min()).days >= MIN_DAYS_FOR_YEARLY,
                                event_kinds=kinds)
        days = list(observed["date"])
        x = data.feature_rows(days, self.spec)
        self.mean, std = x.mean(), x.std(ddof=0)
        self.std = std.where(std > 1e-12, 1.0)
        age = np.array([(data.origin - d).days for d in days], dtype=float)
        weight = observed["handled"].to_numpy(dtype=float) * 0.5 ** (age / RECENCY_HALF_LIFE_DAYS)
        self.model = Ridge(alpha=self.alpha).fit(((x - self.mean) / self.std).to_numpy(),
                                                 np.log(observed["aht_s"].to_numpy(dtype=float)),
                                                 sample_weight=weight / weight.mean())
        return self

    def predict(self, days: list[dt.date]) -> np.ndarray:
        if self.model is None:
            return np.full(len(days), self.constant)
        x = self.data.feature_rows(days, self.spec)
        return np.exp(self.model.predict(((x - self.mean) / self.std).to_numpy()))


def candidate_models() -> list[DailyModel]:
    """Every model the orchestrator may choose from, baselines first."""
    return [LastWeek(), MeanOfWeeks(6), YearAgoScaled(), CalendarGLM()]


BASELINES = ("last_week", "mean_6_weeks", "year_ago")
