"""Planner overrides: applied to the right queue and dates, compounding, and refused when impossible."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from forecasts.overrides import Override, apply_overrides
from forecasts.site import parse_site

SITE = parse_site("""
[site]
name = "T"
timezone = "Europe/Berlin"
holidays = "DE-BB"
[site.opening_hours]
mon = "08:00-20:00"
tue = "08:00-20:00"
[queues.billing]
channel = "phone"
service_level = 0.8
answer_within_s = 20
[queues.chat]
channel = "chat"
service_level = 0.8
answer_within_s = 60
""")


def _frame() -> pd.DataFrame:
    starts = pd.to_datetime(["2026-12-07T08:00:00+01:00", "2026-12-08T08:00:00+01:00",
                             "2026-12-07T08:00:00+01:00"]).tz_convert("Europe/Berlin")
    return pd.DataFrame({"queue": ["billing", "billing", "chat"], "interval_start": starts,
                         "offered": [10.0, 10.0, 10.0], "aht_s": [300.0] * 3,
                         "offered_p10": [8.0] * 3, "offered_p90": [12.0] * 3})


def test_override_scales_offered_and_band_of_its_queue_and_dates_only():
    result = apply_overrides(_frame(), [Override("billing", dt.date(2026, 12, 7), dt.date(2026, 12, 7), 20)], SITE)
    assert result["offered"].tolist() == [12.0, 10.0, 10.0]
    assert result["offered_p10"].tolist() == pytest.approx([9.6, 8.0, 8.0])
    assert result["aht_s"].tolist() == [300.0] * 3


def test_overlapping_overrides_multiply():
    overrides = [Override("chat", dt.date(2026, 12, 1), dt.date(2026, 12, 31), 10),
                 Override("chat", dt.date(2026, 12, 7), dt.date(2026, 12, 7), -50)]
    assert apply_overrides(_frame(), overrides, SITE)["offered"].tolist() == pytest.approx([10.0, 10.0, 5.5])


@pytest.mark.parametrize(("override", "message"), [
    (Override("fax", dt.date(2026, 12, 7), dt.date(2026, 12, 7), 5), "unknown queue 'fax'"),
    (Override("chat", dt.date(2026, 12, 8), dt.date(2026, 12, 7), 5), "ends (2026-12-07) before it starts"),
    (Override("chat", dt.date(2026, 12, 7), dt.date(2026, 12, 7), -100), "use a change above -100 %"),
])
def test_impossible_overrides_are_refused(override, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        apply_overrides(_frame(), [override], SITE)
