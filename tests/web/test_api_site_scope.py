"""A user of one site sees and changes only that site's forecasts and overrides through the API: another site's
are 404, as if they did not exist."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import select

from tests.web.site_fixture import SITE_TOML
from web import imports, models
from web.api_tokens import create_token
from web.auth import create_user
from web.db import get_db


@pytest.fixture
def two_sites(app):
    """Sites "test-center" and "other-center", each with a forecast run and an override; a planner of the second
    site with a token. Returns (token, ids of the first site's run and override)."""
    with app.app_context(), get_db().session() as session:
        for text in (SITE_TOML, SITE_TOML.replace('"Test Center"', '"Other Center"')):
            imports.import_site(session, io.BytesIO(text.encode()), name="site.toml")
        rows = {}
        for site_id in session.scalars(select(models.Site.id)):
            run = models.ForecastRun(site_id=site_id, start_date=dt.date(2026, 12, 7), days=7, method="auto",
                                     created_by="x")
            override = models.ForecastOverride(site_id=site_id, queue="billing", start_date=dt.date(2026, 12, 7),
                                               end_date=dt.date(2026, 12, 8), percent=10.0, reason="r",
                                               created_by="x")
            session.add_all([run, override])
            session.flush()
            rows[site_id] = (run.id, override.id)
        first_id, second_id = sorted(rows)
        create_user(session, "other-planner", "planner", "pw-other-planner", site_id=second_id)
        _row, token = create_token(session, "other-planner")
    return token, rows[first_id], rows[second_id]


def _get(app, token, method, path, **kwargs):
    return app.test_client(use_cookies=False).open(path, method=method,
                                                   headers={"Authorization": f"Bearer {token}"}, **kwargs)


def test_another_sites_forecasts_and_overrides_are_not_listed(app, two_sites):
    token, (theirs_run, theirs_override), (my_run, my_override) = two_sites
    assert [f["id"] for f in _get(app, token, "GET", "/api/v1/forecasts").get_json()["forecasts"]] == [my_run]
    assert [o["id"] for o in _get(app, token, "GET", "/api/v1/overrides").get_json()["overrides"]] == [my_override]


def test_another_sites_forecast_cannot_be_read_nor_its_override_deleted(app, two_sites):
    token, (theirs_run, theirs_override), (my_run, _my_override) = two_sites
    assert _get(app, token, "GET", f"/api/v1/forecasts/{theirs_run}").status_code == 404
    assert _get(app, token, "GET", f"/api/v1/forecasts/{my_run}").status_code == 200
    assert _get(app, token, "DELETE", f"/api/v1/overrides/{theirs_override}").status_code == 404
    with app.app_context(), get_db().session() as session:
        assert session.get(models.ForecastOverride, theirs_override) is not None


def test_an_override_for_a_site_that_is_not_text_is_refused_and_nothing_is_saved(app, two_sites):
    # Found by the API fuzz test: a JSON object as the site reached the database query and answered 500.
    body = {"queue": "billing", "start": "2026-12-09", "end": "2026-12-09", "percent": 5, "reason": "mailing",
            "site": {"slug": "other-center"}}
    with app.app_context(), get_db().session() as session:
        before = len(session.scalars(select(models.ForecastOverride)).all())
    refused = _get(app, two_sites[0], "POST", "/api/v1/overrides", json=body)
    assert refused.status_code == 400 and "site: give the site's slug as text" in refused.get_json()["message"]
    with app.app_context(), get_db().session() as session:
        assert len(session.scalars(select(models.ForecastOverride)).all()) == before


def test_an_override_goes_to_the_users_own_site_and_never_to_another(app, two_sites):
    token = two_sites[0]
    body = {"queue": "billing", "start": "2026-12-09", "end": "2026-12-09", "percent": 5, "reason": "mailing"}
    refused = _get(app, token, "POST", "/api/v1/overrides", json={**body, "site": "test-center"})
    assert refused.status_code == 404 and refused.get_json()["error"] == "Not Found"
    created = _get(app, token, "POST", "/api/v1/overrides", json=body)
    assert created.status_code == 201
    with app.app_context(), get_db().session() as session:
        row = session.get(models.ForecastOverride, created.get_json()["id"])
        assert session.get(models.Site, row.site_id).slug == "other-center"
