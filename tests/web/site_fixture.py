"""A tiny hand-checkable site for web tests: Europe/Berlin, two queues, open round the clock on Sundays."""

SITE_TOML = """
[site]
name = "Test Center"
timezone = "Europe/Berlin"
holidays = "DE-BB"
interval_minutes = 15

[site.opening_hours]
mon = "08:00-20:00"
tue = "08:00-20:00"
wed = "08:00-20:00"
thu = "08:00-20:00"
fri = "08:00-20:00"
sat = "09:00-14:00"
sun = "00:00-24:00"

[queues.billing]
channel = "phone"
service_level = 0.8
answer_within_s = 20

[queues.email]
channel = "email"
service_level = 0.9
answer_within_hours = 24
"""

GOOD_HISTORY = """queue,interval_start,offered,handled,abandoned,aht_s
billing,2026-12-07T08:00:00+01:00,10,9,1,300.5
billing,2026-12-07T08:15:00+01:00,12,12,0,280
email,2026-12-07T08:00:00+01:00,4,,,
"""
