"""site.toml validation: each kind of mistake gets a message naming the key and the fix."""

from __future__ import annotations

import pytest

from forecasts.site import OpeningRange, SiteConfigError, parse_site

GOOD = """
[site]
name = "Kundenservice Potsdam"
timezone = "Europe/Berlin"
holidays = "DE-BB"
interval_minutes = 15

[site.opening_hours]
mon = "08:00-20:00"
sat = "09:00-12:00, 13:00-14:00"

[site.special_days]
"12-24" = "08:00-14:00"
"2026-12-31" = "closed"

[queues.billing]
channel = "phone"
service_level = 0.80
answer_within_s = 20
patience_s = 180
shrinkage = 0.3

[queues.chat]
channel = "chat"
service_level = 0.8
answer_within_s = 60
concurrency = 2

[queues.email]
channel = "email"
service_level = 0.9
answer_within_hours = 24

[costs]
employer_cost_factor = 1.21
"""


def _problems(text: str) -> list[str]:
    with pytest.raises(SiteConfigError) as caught:
        parse_site(text)
    return caught.value.problems


def test_good_site_parses_into_values():
    site = parse_site(GOOD)
    assert site.name == "Kundenservice Potsdam" and site.interval_minutes == 15
    assert site.opening_hours[0] == (OpeningRange(480, 1200),)
    assert site.opening_hours[5] == (OpeningRange(540, 720), OpeningRange(780, 840))
    assert 1 not in site.opening_hours  # Tuesday absent: closed
    assert site.special_days == {"12-24": (OpeningRange(480, 840),), "2026-12-31": ()}
    assert site.queue("chat").concurrency == 2 and site.queue("billing").patience_s == 180
    assert site.queue("email").answer_within_hours == 24
    assert site.extra["costs"] == {"employer_cost_factor": 1.21}


def test_unknown_channel():
    assert _problems(GOOD.replace('channel = "chat"', 'channel = "fax"')) == [
        "[queues.chat] channel = 'fax': not a channel; use one of phone, chat, email",
        "[queues.chat] concurrency: only chat queues handle several contacts at once"]


@pytest.mark.parametrize("value", ["0", "1", "1.5", "-0.2"])
def test_service_level_outside_open_unit_interval(value):
    assert _problems(GOOD.replace("service_level = 0.80", f"service_level = {value}")) == [
        f"[queues.billing] service_level = {float(value) if '.' in value else int(value)!r}: must lie in (0, 1)"]


def test_opening_hours_that_end_before_they_start():
    assert _problems(GOOD.replace('mon = "08:00-20:00"', 'mon = "20:00-08:00"')) == [
        "[site.opening_hours] mon = '20:00-08:00': 20:00-08:00 ends before it starts; an overnight opening is "
        "written as two days (\"22:00-24:00\" and \"00:00-06:00\")"]


def test_unknown_holiday_subdivision_lists_the_known_ones():
    (problem,) = _problems(GOOD.replace('"DE-BB"', '"DE-XY"'))
    assert problem.startswith("[site] holidays = 'DE-XY': unknown subdivision 'XY' of DE; use one of ")
    assert "BB" in problem and "BE" in problem


def test_unknown_country():
    assert _problems(GOOD.replace('"DE-BB"', '"QQ"')) == [
        "[site] holidays = 'QQ': unknown country 'QQ'; use an ISO code such as \"DE\""]


def test_unknown_timezone():
    assert _problems(GOOD.replace("Europe/Berlin", "Europe/Potsdam")) == [
        "[site] timezone = 'Europe/Potsdam': not a known time zone; use an IANA name such as \"Europe/Berlin\""]


def test_misspelt_key_gets_a_suggestion():
    assert _problems(GOOD.replace("answer_within_s = 20", "answer_within_sec = 20")) == [
        "[queues.billing] answer_within_sec: unknown key; did you mean 'answer_within_s'?",
        "[queues.billing] answer_within_s: missing; this channel needs it"]


def test_interval_must_be_15_30_or_60():
    assert _problems(GOOD.replace("interval_minutes = 15", "interval_minutes = 20")) == [
        "[site] interval_minutes = 20: use 15, 30 or 60"]


def test_email_needs_a_deadline():
    assert _problems(GOOD.replace("answer_within_hours = 24", "")) == [
        "[queues.email] answer_within_hours: missing; this channel needs it"]


def test_opening_off_the_interval_grid():
    assert _problems(GOOD.replace('mon = "08:00-20:00"', 'mon = "08:10-20:00"')) == [
        "[site.opening_hours] mon = '08:10-20:00': times must fall on the 15-minute interval grid"]


def test_invalid_toml_names_the_position():
    (problem,) = _problems("[site\nname = 1")
    assert problem.startswith("not valid TOML:") and "line 1" in problem


def test_all_problems_are_reported_at_once_with_the_file_name():
    text = GOOD.replace('"DE-BB"', '"DE-XY"').replace('channel = "phone"', 'channel = "fax"')
    with pytest.raises(SiteConfigError) as caught:
        parse_site(text, source="site.toml")
    lines = str(caught.value).splitlines()
    assert len(lines) == 2 and all(line.startswith("site.toml: ") for line in lines)
