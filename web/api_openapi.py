"""The OpenAPI 3.1 description of the JSON API (/api/v1/openapi.json): every route, its parameters, bodies,
answers and the shared error format."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

_STR, _INT, _NUM, _BOOL = {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"}
_DATE, _TIME = {"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}
_HHMM = {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$", "examples": ["08:00"]}


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _null(schema: Schema) -> Schema:
    return {"oneOf": [schema, {"type": "null"}]}


def _obj(required: tuple[str, ...] = (), /, **properties: Schema) -> Schema:
    return {"type": "object", "required": list(required), "properties": properties}


def _list(item: Schema) -> Schema:
    return {"type": "array", "items": item}


def _path(name: str, schema: Schema, description: str) -> Schema:
    return {"name": name, "in": "path", "required": True, "schema": schema, "description": description}


def _query(name: str, schema: Schema, description: str, required: bool = False) -> Schema:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def _json(schema: Schema) -> Schema:
    return {"content": {"application/json": {"schema": schema}}}


ERRORS = {
    400: ("bad input: the message names the field and what to give", "Error"),
    401: ("not logged in", "Error"),
    403: ("your role (or team) may not do this", "Error"),
    404: ("unknown, or not visible to you", "Error"),
    409: ("the roster changed since you loaded it (stale lock_version) or is not in a state for this",
          "Conflict"),
    422: ("the change breaks rules of the roster checker", "RuleViolations"),
}
UNSAFE = ("post", "put", "patch", "delete")


def _op(summary: str, ok: Schema | None, *, errors: tuple[int, ...] = (), params: tuple[Schema, ...] = (),
        body: Schema | None = None, status: str = "200", ok_text: str = "done", public: bool = False,
        tag: str = "misc", special: dict[str, Schema] | None = None) -> Schema:
    responses: dict[str, Any] = {status: {"description": ok_text, **(_json(ok) if ok is not None else {})}}
    for code in sorted(set(errors) | (set() if public else {401})):
        description, schema = ERRORS[code]
        responses[str(code)] = {"description": description, **_json(_ref(schema))}
    responses.update(special or {})
    op: Schema = {"summary": summary, "tags": [tag], "responses": responses}
    if params:
        op["parameters"] = list(params)
    if body is not None:
        op["requestBody"] = {"required": True, **body}
    if public:
        op["security"] = []
    return op


_VERSION_ID = _path("version_id", _INT, "id of a roster version")
_SITE = _query("site", _STR, "site slug (users assigned to a site, and agents, always get their own)")
_LOCK_BODY = {"required": False, **_json(_obj(lock_version={**_INT, "description": "refused with 409 if stale"}))}

SCHEMAS: dict[str, Schema] = {
    "Error": _obj(("error", "message"), error={**_STR, "description": "HTTP status name"},
                  message={**_STR, "description": "what went wrong and what to do"}),
    "ImportRefused": {"allOf": [_ref("Error"), _obj(("problems",), problems={
        **_list(_STR), "description": "one per problem: 'file line N, column C: ...'"})]},
    "Violation": _obj(("agent_id", "date", "rule", "hard", "message", "template", "params"), agent_id=_null(_STR),
                      date=_null(_DATE), rule=_STR, hard=_BOOL,
                      overridable={**_BOOL, "description": "a reason lets it pass"},
                      message={**_STR, "description": "in English: the template filled with the params"},
                      template={**_STR, "description": "the English message with %(name)s placeholders, to translate "
                                                       "(empty when there is none)"},
                      params={"type": "object", "description": (
                          "the placeholders' values: days as ISO dates, moments as ISO date-times, spans as ISO "
                          "intervals (start/end), clocks as HH:MM, durations in minutes, weekdays as 0 (Monday) "
                          "to 6, lists as arrays, nested phrases as {template, params}")}),
    "RuleViolations": {"allOf": [_ref("Error"), _obj(("violations",), violations=_list(_ref("Violation")),
                                                     needs_reason=_BOOL)]},
    "Conflict": {"allOf": [_ref("Error"), _obj(
        ("lock_version",), lock_version={**_INT, "description": "the roster's lock_version now"}, status=_STR,
        current_shift={**_null(_ref("Shift")), "description": "the agent's shift on that day as it is now"},
        changes_since={**_list({"type": "object"}), "description": "what changed since the lock_version sent, "
                       "oldest first: at, user, action, agent_id, date, before, after, reason"})]},
    "Site": _obj(("slug", "name", "timezone", "queues"), slug=_STR, name=_STR, timezone=_STR,
                 queues=_list(_obj(("name", "channel"), name=_STR, channel=_STR))),
    "Job": _obj(("id", "kind", "status"), id=_STR, kind=_STR, status=_STR, progress=_NUM, message=_STR,
                message_local={**_STR, "description": "the message in the requester's language"},
                params={"type": "object"}, result=_null({"type": "object"}), error=_null(_STR), created_by=_STR,
                created_at=_null(_TIME), started_at=_null(_TIME), finished_at=_null(_TIME)),
    "ForecastRun": _obj(("id", "start", "days", "method"), id=_INT, start=_DATE, days=_INT, method=_STR,
                        details={"type": "object"}, created_by=_STR, created_at=_TIME),
    "Override": _obj(("id", "queue", "start", "end", "percent"), id=_INT, queue=_STR, start=_DATE, end=_DATE,
                     percent=_NUM, reason=_STR, created_by=_STR, created_at=_TIME),
    "Agent": _obj(("agent_id", "name", "team", "skills"), agent_id=_STR, name=_STR, team=_STR, skills=_list(_STR),
                  weekly_hours=_NUM, max_days_per_week=_INT, active=_BOOL, details={"type": "object"}),
    "Segment": _obj(("start", "end", "activity"), start=_TIME, end=_TIME,
                    activity={**_STR, "description": "a queue name or 'break'"}),
    "Shift": _obj(("agent_id", "date", "start", "end"), agent_id=_STR, name=_null(_STR), date=_DATE, start=_TIME,
                  end=_TIME, work_minutes={**_INT, "description": "absent on a team mate's shift seen by an agent"},
                  segments=_list(_ref("Segment"))),
    "RosterVersion": _obj(
        ("id", "site", "week_start", "days", "number", "status", "lock_version"), id=_INT, site=_STR,
        week_start=_DATE, days=_INT, number=_INT,
        status={"enum": ["draft", "awaiting_approval", "approved", "published", "superseded"]},
        lock_version=_INT, based_on=_null(_INT), forecast_run=_null(_INT), created_by=_STR, created_at=_TIME,
        approved_by=_null(_STR), approved_at=_null(_TIME), published_by=_null(_STR), published_at=_null(_TIME),
        summary={"type": "object", "description": "managers only: objective, under-staffing, explanation"}),
    "ShiftEdit": _obj(("start", "end", "activity", "lock_version"), start=_HHMM,
                      end={**_HHMM, "description": "at or before start: the next day"}, activity=_STR,
                      breaks=_list({**_list(_HHMM), "minItems": 2, "maxItems": 2}),
                      reason={**_STR, "description": "needed to override contract and soft rules"},
                      lock_version=_INT),
    "AuditEntry": _obj(
        ("id", "at", "user", "action", "before", "after", "reason"), id=_INT,
        at={**_TIME, "description": "when, in the site's local time with its UTC offset"},
        user={**_STR, "description": "login of who made the change"},
        action={"enum": ["create", "edit", "override", "submit", "approve", "reject", "publish", "supersede",
                         "swap", "forecast_override_add", "forecast_override_delete", "time_off_approve",
                         "time_off_reject"]},
        version=_null(_obj(("id",), id=_INT, number=_INT, week_start=_DATE)), agent_id=_null(_STR),
        agent_name=_null(_STR), date=_null({**_DATE, "description": "the shift's date (edits and overrides)"}),
        before={**_null({"type": "object"}), "description": (
            "as recorded: a shift {start, end, segments: [[start, end, activity]]}, a status {status}, a forecast "
            "override {id, queue, start, end, percent}; null: none (no shift, nothing before)")},
        after={**_null({"type": "object"}), "description": "as before, after the change"},
        reason={**_STR, "description": "the reason given; an override lists the rules it overrides"}),
    "HoursDay": _obj(
        ("agent_id", "date", "work_minutes", "beyond_8h_minutes", "sunday_minutes", "holiday_minutes"),
        agent_id=_STR, name=_STR, team=_STR, date={**_DATE, "description": "the date the shift starts"},
        work_minutes={**_INT, "description": "without breaks"},
        beyond_8h_minutes={**_INT, "description": "work_minutes over 480"},
        sunday_minutes={**_INT, "description": "work minutes falling on a Sunday (local time)"},
        holiday_minutes={**_INT, "description": "work minutes falling on a public holiday of the site's calendar"},
        holiday=_null(_STR)),
    "HoursAgent": _obj(("agent_id", "days", "beyond_8h_minutes", "sunday_minutes", "holiday_minutes"),
                       agent_id=_STR, name=_STR, team=_STR, days={**_INT, "description": "days listed"},
                       beyond_8h_minutes=_INT, sunday_minutes=_INT, holiday_minutes=_INT),
    "Requirement": _obj(("queue", "interval_start", "agents_required"), queue=_STR, interval_start=_TIME,
                        offered=_NUM, aht_s=_null(_NUM), agents_required=_NUM, agents_scheduled=_NUM,
                        service_level=_null(_NUM), asa_s=_null(_NUM), abandon_rate=_null(_NUM),
                        occupancy=_null(_NUM)),
    "TimeOffRequest": _obj(
        ("id", "agent_id", "first", "last", "kind", "status", "checks"), id=_INT, agent_id=_STR, name=_STR,
        team=_STR, first=_DATE, last=_DATE,
        **{"from": {**_null(_HHMM), "description": "hours off: from this local time (else whole days)"}},
        until=_null(_HHMM), kind={"enum": ["vacation", "other"]}, note=_STR,
        status={"enum": ["requested", "approved", "rejected", "cancelled"]},
        checks={"type": "object", "description": (
            "as checked when asked: days (taken from the allowance), allowance, used, left, reasons it was not "
            "approved automatically, staffing {safe, reason, min_service_level, days: [{date, with, without, "
            "short}]}: per day the worst interval's projected service level with and without the agent")},
        decided_by=_null(_STR), decided_at=_null(_TIME), decision_note=_STR, created_at=_TIME),
}
_TIME_OFF_ID = _path("request_id", _INT, "the time-off request's id")
_RUN_ID = _query("forecast_run", _INT, "id of a stored forecast run")
_SHIFT_PARAMS = (_VERSION_ID, _path("agent_id", _STR, "the agent's id"), _path("day", _DATE, "the shift's date"))
_TRANSITION = _obj(("roster",), roster=_ref("RosterVersion"), violations=_list(_ref("Violation")))
_EDITED = _obj(("lock_version", "saved"), roster_id=_INT, lock_version=_INT, saved=_BOOL, shift=_null(_ref("Shift")),
               overridden=_list(_ref("Violation")))
_DRY_RUN = _obj(("dry_run", "allowed"), dry_run=_BOOL, saved=_BOOL, lock_version=_INT, allowed=_BOOL,
                needs_reason=_BOOL, blocking=_list(_ref("Violation")), overridable=_list(_ref("Violation")),
                shift=_null(_ref("Shift")))
_FILE = {"content": {"multipart/form-data": {"schema": _obj(("file",), file={"type": "string",
                                                                              "contentMediaType": "text/csv"})},
                     "text/csv": {"schema": _STR}, "application/toml": {"schema": _STR},
                     "text/plain": {"schema": _STR}}}

PATHS: dict[str, dict[str, Schema]] = {
    "/healthz": {"get": _op("Is the service and its database up", _obj(("status",), status=_STR), public=True,
                            tag="meta")},
    "/api/v1/openapi.json": {"get": _op("This description", {"type": "object"}, public=True, tag="meta")},
    "/api/v1/sites": {"get": _op("Sites with their queues", _obj(("sites",), sites=_list(_ref("Site"))),
                                 tag="sites")},
    "/api/v1/sites/{slug}": {"get": _op(
        "One site: queues, stored history per queue, number of agents",
        _obj(("site",), site=_ref("Site"), history=_list({"type": "object"}), agents=_INT), errors=(404,),
        params=(_path("slug", _STR, "the site's slug"),), tag="sites")},
    "/api/v1/jobs": {"post": _op(
        "Start a background job (forecast or roster)", _ref("Job"), status="202", ok_text="queued", errors=(400, 403),
        body=_json(_obj(("kind",), kind={"enum": ["forecast", "roster"]}, params={"type": "object"})), tag="jobs")},
    "/api/v1/jobs/{job_id}": {
        "get": _op("A job's status, progress and result", _ref("Job"), errors=(404,),
                   params=(_path("job_id", _STR, "the job's id"),), tag="jobs"),
        "delete": _op("Cancel a job", _ref("Job"), status="202", errors=(403, 404),
                      params=(_path("job_id", _STR, "the job's id"),), tag="jobs")},
    "/api/v1/forecasts": {"get": _op("The newest 50 stored forecast runs",
                                     _obj(("forecasts",), forecasts=_list(_ref("ForecastRun"))), errors=(403,),
                                     tag="forecasts")},
    "/api/v1/forecasts/{run_id}": {"get": _op(
        "A forecast run with its interval values (or ?format=csv)",
        _obj(("forecast", "values"), forecast=_ref("ForecastRun"), values=_list({"type": "object"})),
        errors=(403, 404), tag="forecasts",
        special={"200": {"description": "the run (JSON), or its values as CSV with ?format=csv", "content": {
            "application/json": {"schema": _obj(("forecast", "values"), forecast=_ref("ForecastRun"),
                                                values=_list({"type": "object"}))},
            "text/csv": {"schema": _STR}}}},
        params=(_path("run_id", _INT, "the run's id"), _query("queue", _STR, "one queue only"),
                _query("format", {"enum": ["json", "csv"]}, "csv: the values as a forecast.csv download")))},
    "/api/v1/overrides": {
        "get": _op("Planner overrides of the forecast", _obj(("overrides",), overrides=_list(_ref("Override"))),
                   errors=(403,), tag="forecasts"),
        "post": _op("Add an override", _ref("Override"), status="201", errors=(400, 403), tag="forecasts",
                    body=_json(_obj(("queue", "start", "end", "percent"), queue=_STR, start=_DATE,
                                    end=_DATE, percent=_NUM, reason=_STR, site=_STR)))},
    "/api/v1/overrides/{override_id}": {"delete": _op(
        "Delete an override", None, status="204", ok_text="deleted", errors=(403, 404), tag="forecasts",
        params=(_path("override_id", _INT, "the override's id"),))},
    "/api/v1/agents": {"get": _op(
        "Agents you may see (managers: the site; a team lead: their teams; an agent: themselves)",
        _obj(("site", "agents"), site=_STR, agents=_list(_ref("Agent"))), errors=(404,), params=(_SITE,),
        tag="agents")},
    "/api/v1/agents/{agent_id}": {"get": _op(
        "One agent you may see", _obj(("site", "agent"), site=_STR, agent=_ref("Agent")), errors=(404,),
        params=(_path("agent_id", _STR, "the agent's id"), _SITE), tag="agents")},
    "/api/v1/imports/{kind}": {"post": _op(
        "Import a file (team leads and admins); nothing is stored when any row is refused",
        _obj(("kind", "file", "message"), kind=_STR, file=_STR, rows=_INT, detail=_STR, site=_STR,
             queues=_list(_STR), message=_STR),
        errors=(403, 404), body=_FILE, tag="imports", ok_text="stored",
        params=(_path("kind", {"enum": ["site", "history", "events", "agents", "absences"]}, "what the file holds"),
                _query("name", _STR, "file name for messages when the body is raw"), _SITE),
        special={"400": {"description": "the file was refused; problems name line and column",
                         **_json(_ref("ImportRefused"))}})},
    "/api/v1/staffing": {"get": _op(
        "Agents required per queue and interval for a stored forecast",
        _obj(("forecast_run", "requirements"), forecast_run=_INT, site=_STR, start=_DATE, days=_INT,
             requirements=_list(_ref("Requirement"))),
        errors=(400, 403, 404), tag="staffing",
        params=({**_RUN_ID, "required": True}, _query("queue", _STR, "one queue only"),
                _query("start", _DATE, "first day (default: the run's first)"),
                _query("days", _INT, "number of days (default: to the run's end)")))},
    "/api/v1/rosters": {"get": _op(
        "Roster versions of the site (agents: published ones only, without summary)",
        _obj(("site", "rosters"), site=_STR, rosters=_list(_ref("RosterVersion"))), errors=(400, 404),
        params=(_query("week", _DATE, "a date the versions' days include (none: the newest 100)"), _SITE),
        tag="rosters")},
    "/api/v1/rosters/{version_id}": {"get": _op(
        "A roster version with the shifts you may see (team lead: their teams; agent: own shifts in full, team "
        "mates' start and end, published versions only)",
        _obj(("roster", "shifts"), roster=_ref("RosterVersion"), shifts=_list(_ref("Shift"))), errors=(404,),
        params=(_VERSION_ID,), tag="rosters")},
    "/api/v1/rosters/{version_id}/check": {"get": _op(
        "The roster checker's findings", _obj(("violations",), roster_id=_INT, lock_version=_INT, hard=_INT,
                                              violations=_list(_ref("Violation"))),
        errors=(403, 404), params=(_VERSION_ID,), tag="rosters")},
    "/api/v1/rosters/{version_id}/coverage": {"get": _op(
        "Required against scheduled agents per queue and interval, with the projected service level",
        _obj(("intervals", "days"), roster_id=_INT, forecast_run=_INT, paid_hours=_NUM, cost_eur=_null(_NUM),
             short_agent_intervals=_NUM,
             intervals=_list(_obj((), queue=_STR, interval_start=_TIME, offered=_NUM, required=_NUM, scheduled=_NUM,
                                  short=_NUM, projected_service_level=_null(_NUM), projected_asa_s=_null(_NUM),
                                  projected_abandon_rate=_null(_NUM))),
             days=_list(_obj((), queue=_STR, date=_DATE, offered=_NUM, service_level=_null(_NUM),
                             short_agent_intervals=_NUM))),
        errors=(400, 403, 404), tag="rosters",
        params=(_VERSION_ID, _query("forecast_run", _INT, "compare with this forecast (default: the roster's)")))},
    "/api/v1/rosters/{version_id}/shifts/{agent_id}/{day}": {
        "put": _op("Set an agent's shift on a day of a draft (?dry_run=1: only check it)",
                   {"oneOf": [_EDITED, _DRY_RUN]}, errors=(400, 403, 404, 409, 422), body=_json(_ref("ShiftEdit")),
                   params=(*_SHIFT_PARAMS, _query("dry_run", {"enum": ["0", "1"]}, "1: check, do not save")),
                   tag="rosters"),
        "delete": _op("Give the agent the day off (lock_version and reason in the body or the query)",
                      {"oneOf": [_EDITED, _DRY_RUN]},
                      errors=(400, 403, 404, 409, 422), tag="rosters",
                      params=(*_SHIFT_PARAMS, _query("lock_version", _INT, "the lock_version you loaded"),
                              _query("reason", _STR, "why (needed to override contract and soft rules)"),
                              _query("dry_run", {"enum": ["0", "1"]}, "1: check, do not save"))) | {
            "requestBody": {"required": False, **_json(_obj((), lock_version=_INT, reason=_STR))}}},
    "/api/v1/rosters/{version_id}/submit": {"post": _op(
        "Send a draft to the works council", _TRANSITION, errors=(400, 403, 404, 409), params=(_VERSION_ID,),
        tag="approval") | {"requestBody": _LOCK_BODY}},
    "/api/v1/rosters/{version_id}/approve": {"post": _op(
        "Approve a roster (works council)", _TRANSITION, errors=(400, 403, 404, 409), params=(_VERSION_ID,),
        tag="approval") | {"requestBody": _LOCK_BODY}},
    "/api/v1/rosters/{version_id}/reject": {"post": _op(
        "Send a roster back to draft with a reason (works council)", _TRANSITION, errors=(400, 403, 404, 409),
        params=(_VERSION_ID,), tag="approval",
        body=_json(_obj(("reason",), reason=_STR, lock_version=_INT)))},
    "/api/v1/rosters/{version_id}/publish": {"post": _op(
        "Publish: agents see this version; refused (422) while hard rules are broken", _TRANSITION,
        errors=(400, 403, 404, 409, 422), params=(_VERSION_ID,), tag="approval") | {"requestBody": _LOCK_BODY}},
    "/api/v1/rosters/{version_id}/copy": {"post": _op(
        "A new draft with the same shifts", _obj(("roster",), roster=_ref("RosterVersion")), status="201",
        errors=(403, 404), params=(_VERSION_ID,), tag="approval")},
    "/api/v1/audit": {"get": _op(
        "The site's audit trail, newest first (team leads, works council, admins; a lead with teams sees their "
        "agents' changes and those of whole versions): roster edits, overrides, submissions, approvals, "
        "publications and forecast overrides with who, when, before and after",
        _obj(("site", "total", "page", "per_page", "entries"), site=_STR, timezone=_STR, total=_INT, page=_INT,
             per_page=_INT, entries=_list(_ref("AuditEntry"))),
        errors=(400, 403, 404), tag="audit",
        params=(_query("from", _DATE, "changes made on or after this local day"),
                _query("to", _DATE, "changes made on or before this local day"),
                _query("agent", _STR, "one agent's changes (agent_id)"),
                _query("user", _STR, "changes made by this login"),
                _query("action", _STR, "one kind of change (see AuditEntry.action)"),
                _query("version", _INT, "changes of one roster version (id)"),
                _query("page", _INT, "page number from 1 (default 1)"),
                _query("per_page", _INT, "entries per page, 1 to 1000 (default 100)"), _SITE))},
    "/api/v1/audit/hours": {"get": _op(
        "ArbZG §16(2): per agent and day of the published rosters the work beyond 8 hours and the work on Sundays "
        "and public holidays, with totals per agent",
        _obj(("site", "from", "to", "limit_minutes", "days", "agents"), site=_STR, **{"from": _DATE}, to=_DATE,
             limit_minutes={**_INT, "description": "480"}, days=_list(_ref("HoursDay")),
             agents=_list(_ref("HoursAgent"))),
        errors=(400, 403, 404), tag="audit",
        params=(_query("from", _DATE, "first shift date (default: the first of this month)"),
                _query("to", _DATE, "last shift date, inclusive (default: the end of from's month); at most "
                                    "731 days"), _SITE))},
    "/api/v1/me": {"get": _op(
        "The logged-in user and their agent", _obj(
            ("user",), user=_obj(("username", "role"), username=_STR, display_name=_STR, role=_STR,
                                 locale=_null(_STR), teams=_list(_STR)),
            site=_null(_STR), agent=_null(_obj(("agent_id",), agent_id=_STR, name=_STR, team=_STR,
                                               skills=_list(_STR), weekly_hours=_NUM))), tag="me")},
    "/api/v1/me/shifts": {"get": _op(
        "Your published shifts", _obj(("agent_id", "from", "to", "shifts"), agent_id=_STR, **{"from": _DATE},
                                      to=_DATE, shifts=_list(_ref("Shift"))),
        errors=(400, 404), tag="me",
        params=(_query("from", _DATE, "first day (default: today)"),
                _query("to", _DATE, "last day, inclusive (default: 27 days after from)")))},
    "/api/v1/me/time-off": {
        "get": _op("Your time-off requests, newest first",
                   _obj(("agent_id", "requests"), agent_id=_STR, requests=_list(_ref("TimeOffRequest"))),
                   errors=(404,), tag="time off"),
        "post": _op(
            "Ask for days or hours off: checked against your allowance and the staffing, approved at once when the "
            "site's rules allow, else queued for your team lead", _obj(("request",), request=_ref("TimeOffRequest")),
            status="201", ok_text="stored (see its status)", errors=(400, 404), tag="time off",
            body=_json(_obj(("first",), first=_DATE, last={**_DATE, "description": "default: first"},
                            **{"from": {**_HHMM, "description": "hours off (with until): local time"}},
                            until=_HHMM, kind={"enum": ["vacation", "other"]}, note=_STR)))},
    "/api/v1/me/time-off/{request_id}/cancel": {"post": _op(
        "Cancel your pending request", _obj(("request",), request=_ref("TimeOffRequest")), errors=(404, 409),
        params=(_TIME_OFF_ID,), tag="time off")},
    "/api/v1/time-off": {"get": _op(
        "Pending requests of the teams you lead, with their check figures",
        _obj(("site", "requests"), site=_STR, requests=_list(_ref("TimeOffRequest"))), errors=(403,),
        tag="time off")},
    "/api/v1/notifications": {"get": _op(
        "Your notifications, newest first (the last 100), with the number unread",
        _obj(("unread", "notifications"), unread=_INT, notifications=_list(_obj(
            ("id", "kind", "message", "created_at", "read"), id=_INT, kind=_STR, message=_STR, link=_null(_STR),
            created_at=_STR, read=_BOOL))), tag="me")},
    "/api/v1/notifications/read": {"post": _op("Mark all your notifications as read", _obj(("unread",), unread=_INT),
                                               tag="me")},
    "/api/v1/time-off/{request_id}/decision": {"post": _op(
        "Approve (the absence is entered for the next roster run) or reject a pending request",
        _obj(("request",), request=_ref("TimeOffRequest")), errors=(400, 403, 404, 409), params=(_TIME_OFF_ID,),
        body=_json(_obj(("approve",), approve=_BOOL, note=_STR)), tag="time off")},
}


def document() -> Schema:
    """The whole description: a personal token (Bearer) or the session cookie, which on unsafe methods also
    needs the CSRF header."""
    paths: dict[str, dict[str, Schema]] = {}
    for path, item in PATHS.items():
        paths[path] = {}
        for method, op in item.items():
            op = dict(op)
            if method in UNSAFE and "security" not in op:
                op["security"] = [{"bearer": []}, {"session": [], "csrf": []}]
            paths[path][method] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "WFM API", "version": "1",
                 "description": "Programs send a personal token (`wfm token create --user NAME`) as "
                                "'Authorization: Bearer TOKEN' and act with that user's role. Browsers use the "
                                "session of /login and send the CSRF token as X-CSRFToken on POST, PUT and DELETE. "
                                "Errors are JSON {error, message} with details where useful."},
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"}},
        },
    }
