"""forecast.csv: written with offsets and read back exactly; a bad file refused with the line."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from forecasts.errors import DataFileError
from forecasts.forecast_csv import forecast_csv_text, read_forecast
from forecasts.site import parse_site

SITE = parse_site("""
[site]
name = "T"
timezone = "Europe/Berlin"
holidays = "DE-BB"
[site.opening_hours]
mon = "08:00-20:00"
[queues.billing]
channel = "phone"
service_level = 0.8
answer_within_s = 20
""")

TEXT = """queue,interval_start,offered,aht_s,offered_p10,offered_p90
billing,2026-12-07T08:00:00+01:00,10.5,300.0,7.0,14.0
billing,2026-12-07T08:15:00+01:00,12.0,,9.0,15.0
"""


def _read(text: str) -> pd.DataFrame:
    return read_forecast(io.BytesIO(text.encode()), SITE, name="forecast.csv")


def test_round_trip():
    frame = _read(TEXT)
    assert frame["offered"].tolist() == [10.5, 12.0] and pd.isna(frame["aht_s"].iloc[1])
    assert forecast_csv_text(frame) == TEXT


def test_band_columns_are_optional():
    frame = _read("queue,interval_start,offered\nbilling,2026-12-07T08:00:00+01:00,3\n")
    assert frame["offered_p10"].isna().all() and frame["aht_s"].isna().all()


@pytest.mark.parametrize(("row", "message"), [
    ("billing,2026-12-07T08:30:00+01:00,-1,300,,", "forecast.csv line 4, column offered: -1 is negative"),
    ("billing,2026-12-07T08:30:00+01:00,x,300,,", "forecast.csv line 4, column offered: 'x' is not a number"),
    ("billing,2026-12-07T08:30:00+01:00,1,0,,", "forecast.csv line 4, column aht_s: 0 is not positive"),
    ("fax,2026-12-07T08:30:00+01:00,1,300,,", "forecast.csv line 4, column queue: "),
    ("billing,2026-12-07T08:30:00,1,300,,", "forecast.csv line 4, column interval_start: "),
])
def test_bad_rows_are_refused_with_line_and_column(row, message):
    with pytest.raises(DataFileError) as refused:
        _read(TEXT + row + "\n")
    assert str(refused.value).startswith(message)
