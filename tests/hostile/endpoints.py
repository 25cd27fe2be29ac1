"""The strategy table: one entry per form or query endpoint, saying who posts, what each field's
valid values look like, and what an accepted request may change.

Adding a POST route? Add an `Endpoint` here (test_every_post_route_has_a_hostile_entry fails
until you do). Each field maps to a strategy of *valid* values; the harness mixes in hostile
ones (wrong types, control characters, huge text, missing, duplicated and extra fields, fields
nobody may set) on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st
from sqlalchemy import select

from app.answers.bank import AnswerDetails, add_answer
from app.demo import DEMO_PASSWORD, DEMO_USERS, DemoTeam
from app.extensions import db
from app.interviews.scorecards import scorecard_form
from app.library.store import latest_versions
from app.models import Reminder, RubricVersion, ScriptVersion

from ..auth.test_route_matrix import PRINCIPALS
from .strategies import NASTY_ZONES, any_text, aware_times, huge_number, local_times

Fields = dict[str, st.SearchStrategy]

EVERYONE = tuple(PRINCIPALS)
SIGNED_IN = tuple(p for p in PRINCIPALS if p != "anonymous")
PLANNERS = ("admin", "coordinator")
MANAGERS = ("admin", "coordinator", "hiring_manager")

# Names a form never offers, with values that would matter if they were obeyed: a hand-made
# status, role or owner.
FORBIDDEN_FIELDS = {
    "status": st.sampled_from(["submitted", "decided", "hired", "erased", "cancelled"]),
    "role": st.sampled_from(["admin", "hiring_manager"]),
    "interviewer_id": st.sampled_from(["1", "3", "6"]),
    "decided_by_id": st.sampled_from(["1", "2"]),
    "version": st.sampled_from(["1", "99", "-1"]),
    "id": st.sampled_from(["1", "2", "999"]),
    "opening_id": st.sampled_from(["1", "2"]),
    "submitted_at": st.just("2020-01-01T00:00:00+00:00"),
    "pinned": st.just("on"),
    "active": st.just("0"),
}


def _api_token(team: DemoTeam) -> int:
    from app.auth.tokens import issue_token
    from app.models import ApiScope

    _, token = issue_token(
        team.users["admin"], team.users["coordinator"], "hostile", [ApiScope.READ]
    )
    return token.id


def _webhook(team: DemoTeam) -> int:
    from app.models import WebhookEndpoint

    endpoint = WebhookEndpoint(
        url="https://hooks.example.com/x", events=["loop.confirmed"], secret="s"
    )
    db.session.add(endpoint)
    db.session.flush()
    return endpoint.id


def _failed_delivery(team: DemoTeam) -> int:
    from app.models import WebhookDelivery

    delivery = WebhookDelivery(
        endpoint_id=_webhook(team),
        event="loop.confirmed",
        event_key="k",
        payload={},
        status="failed",
    )
    db.session.add(delivery)
    db.session.flush()
    return delivery.id


@dataclass(frozen=True)
class Endpoint:
    route: tuple[str, str]  # (endpoint, method), as in the URL map
    allowed: tuple[str, ...]  # principals who may do this; everyone else must be refused
    fields: Callable[[DemoTeam], Fields] = lambda team: {}
    url_args: Callable[[DemoTeam], dict[str, Any]] = lambda team: {}
    query: Callable[[DemoTeam], Fields] = lambda team: {}  # query-string fields
    multi: tuple[str, ...] = ()  # fields that legitimately repeat (checkboxes)
    label: str = ""
    json: bool = False  # a JSON endpoint: JSON in, JSON out
    success: frozenset[int] = frozenset({302})
    # What an accepted request may change ("table.column", "table+" for new rows, globs).
    may_change: Callable[[dict], tuple[str, ...]] = lambda body: ()
    # What a refused one may still change, by design (a draft saved before submission failed).
    may_change_when_refused: Callable[[dict], tuple[str, ...]] = lambda body: ()
    signs_out: bool = False
    # Its work reaches past the request's transaction (erasure compacts the database files on
    # connections of its own): examples need committed data, on a database of their own.
    committed: bool = False
    check: Callable[[Any, Any], None] | None = None  # extra assertions on (request, response)
    extra: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.route[1]} {self.route[0]}" + (f" ({self.label})" if self.label else "")


# ---- Targets in the demo team ----


def _an_answer(team: DemoTeam) -> dict[str, Any]:
    answer = add_answer(
        team.users["manager"],
        team.opening,
        AnswerDetails("remote", "Can I work from home?", "Two office days."),
    )
    return {"answer_id": answer.id}


def _answer_fields(team: DemoTeam) -> Fields:
    return {
        "topic": st.sampled_from(["team", "remote", "compensation", "salary", ""]),
        "question": any_text(300),
        "answer": any_text(3000),
    }


def _loop(team: DemoTeam):
    return team.opening.candidates[0].loops[0]


def _session(team: DemoTeam, who: str):
    return next(s for s in _loop(team).sessions if s.interviewer.email.startswith(who))


def _candidate(team: DemoTeam, name: str):
    return next(c for c in team.opening.candidates if c.name == name)


def _user_ids(team: DemoTeam) -> list[str]:
    return [str(u.id) for u in team.users.values()]


def _failed_reminder(team: DemoTeam) -> int:
    return db.session.execute(
        select(Reminder.id).where(Reminder.dedupe_key == "hostile.failed")
    ).scalar_one()


# ---- Field strategies ----


def _ids(values: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(values), st.sampled_from(["0", "", "-1", "999999"]))


def scorecard_fields(team: DemoTeam, who: str) -> Fields:
    """Every field of a scorecard's plain form, with values of the right kind."""
    form = scorecard_form(_session(team, who).scorecard)
    fields: Fields = {}
    for path, spec in form.specs.items():
        if spec.kind == "text":
            fields[path] = any_text(80)
        elif spec.kind == "level":
            fields[path] = st.sampled_from(["", "1", "2", "3", "4"])
        elif spec.kind == "flag":
            fields[path] = st.just("on")
        elif spec.kind in ("choice", "recommendation"):
            fields[path] = st.sampled_from(["", *spec.options])
        elif spec.kind == "date":
            fields[path] = st.dates().map(lambda d: d.isoformat())
        elif spec.kind == "timestamp":
            fields[path] = aware_times()
    return fields


def _interview_fields(who: str, *extra: str) -> Callable[[DemoTeam], Fields]:
    def _fields(team: DemoTeam) -> Fields:
        fields = scorecard_fields(team, who)
        fields["base_version"] = st.sampled_from(["1", "2", "3"])
        for name in extra:
            fields[name] = any_text(80)
        return fields

    return _fields


def _save_fields(team: DemoTeam) -> Fields:
    fields = _interview_fields("priya")(team)
    fields["action"] = st.sampled_from(["save", "submit"])
    return fields


CONTENT = (
    "scorecards.stage_notes",
    "scorecards.ratings",
    "scorecards.field_answers",
    "scorecards.candidate_questions",
    "scorecards.summary",
    "scorecards.recommendation",
    "scorecards.clock_started_at",
    "scorecards.version",
    "scorecards.field_versions",
    "scorecards.updated_at",
)
SUBMITTING = (
    "scorecards.status",
    "scorecards.submitted_at",
    "audit_events+",
    "reminders*",
    "packet_requests+",
)


def _submits(body: dict) -> bool:
    return "submit" in body.get("action", [])


def _autosave_body(team: DemoTeam) -> Fields:
    return {"base_version": st.sampled_from([1, 2]), "changes": _changes(team)}


def _changes(team: DemoTeam) -> st.SearchStrategy[dict]:
    fields = scorecard_fields(team, "priya")
    return st.dictionaries(
        st.sampled_from(sorted(fields)),
        st.one_of(st.sampled_from(["1", "2", "3", "4"]).map(int), st.booleans(), *fields.values()),
        max_size=4,
    )


def _planner_fields(team: DemoTeam) -> Fields:
    scripts = [str(s.id) for s in latest_versions(ScriptVersion)]
    rubrics = latest_versions(RubricVersion)
    keys = sorted({c["key"] for r in rubrics for c in r.competencies})
    return {
        "interviewer_id": _ids(_user_ids(team)),
        "script_id": _ids(scripts),
        "rubric_id": _ids([str(r.id) for r in rubrics]),
        "starts_at": local_times(datetime.now(UTC).replace(second=0, microsecond=0, tzinfo=None)),
        "meeting_url": st.sampled_from(
            ["", "https://meet.example.com/x", "javascript:alert(1)", "http://", "//evil"]
        ),
        "focus": st.sampled_from(keys),
    }


def _starts_at(team: DemoTeam) -> Fields:
    return {"starts_at": _planner_fields(team)["starts_at"]}


def _opening_fields(team: DemoTeam) -> Fields:
    rubrics = latest_versions(RubricVersion)
    return {
        "title": st.one_of(st.just("Staff Data Engineer"), any_text(40)),
        "hiring_manager_id": _ids([str(team.users["manager"].id)]),
        "pitch_text": any_text(200),
        "competency_keys": st.sampled_from(
            sorted({c["key"] for r in rubrics for c in r.competencies})
        ),
        "default_script_key": st.sampled_from(
            [s.key for s in latest_versions(ScriptVersion)] + ["", "nope"]
        ),
        "default_rubric_key": st.sampled_from([r.key for r in rubrics] + ["", "nope"]),
        "debrief_delay_minutes": st.one_of(
            st.integers(min_value=-10, max_value=300).map(str),
            st.sampled_from(["30", " 30 ", "1e2", "0x1e", "١٢"]),
            huge_number(),
        ),
    }


def _rules_fields(team: DemoTeam) -> Fields:
    number = st.one_of(
        st.sampled_from(["1", "0", "2.5", " 1.5 ", "1e2", "NaN", "inf", "-1", "", "١"]),
        huge_number(),
    )
    fields: Fields = {
        "hire_threshold": number,
        "min_raters": number,
        "max_interviews": number,
        "max_interviews_reason": any_text(60),
    }
    for key in team.opening.competency_keys:
        fields[f"weight-{key}"] = number
        fields[f"must-{key}"] = st.sampled_from(["y", "", "on"])
    return fields


def _candidate_fields(team: DemoTeam) -> Fields:
    times = st.times().map(lambda t: t.strftime("%H:%M"))
    return {
        "name": st.one_of(st.just("Noor Haddad"), any_text(40)),
        "email": st.one_of(
            st.emails().map(str),
            st.sampled_from(["lena.fischer@example.org", "LENA.FISCHER@example.org", "a@b"]),
        ),
        "time_zone": st.one_of(
            st.sampled_from(["Europe/Berlin", "Asia/Kolkata"]), st.sampled_from(NASTY_ZONES)
        ),
        "working_hours_start": st.one_of(times, st.sampled_from(["24:00", "9", "09:00:60"])),
        "working_hours_end": st.one_of(times, st.sampled_from(["17:00", "23:59:59", "-1:00"])),
    }


def _search_query(team: DemoTeam) -> Fields:
    return {
        "q": st.one_of(st.sampled_from(["lena", "LENA", "é", "%", "_", "\\"]), any_text(40)),
        "page": st.one_of(
            st.integers(min_value=-5, max_value=5).map(str),
            st.sampled_from(["9" * 30, "9223372036854775808", "1e9", "two", "", "0x10"]),
        ),
    }


def _kwame(team: DemoTeam) -> dict[str, Any]:
    return {"user_id": team.users["kwame"].id}


def _new_user_fields(team: DemoTeam) -> Fields:
    return {
        "name": st.one_of(st.just("Ines Duarte"), any_text(40)),
        "email": st.one_of(
            st.just("ines.duarte@example.com"), st.just("PRIYA@example.com"), any_text(30)
        ),
        "role": st.sampled_from(["interviewer", "coordinator", "admin", "owner", ""]),
        "time_zone": st.one_of(st.just("Europe/Lisbon"), st.sampled_from(NASTY_ZONES)),
    }


def _audit_query(team: DemoTeam) -> Fields:
    return {
        "kind": st.sampled_from(["packets", "roles", "erasures", "", "nope"]),
        "actor": st.one_of(st.sampled_from(_user_ids(team)), any_text(10)),
        "page": _search_query(team)["page"],
    }


# ---- Sign-in: where it sends people afterwards ----

UNSAFE_NEXT = [
    "//evil.example",
    "/\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "/%2F%2Fevil.example",
    " //evil.example",
]


def _login_fields(team: DemoTeam) -> Fields:
    emails = [email for email, *_ in DEMO_USERS]
    return {
        "email": st.one_of(
            st.sampled_from(emails), st.sampled_from(emails).map(str.upper), any_text(30)
        ),
        "password": st.one_of(st.just(DEMO_PASSWORD), any_text(30)),
    }


def _next_query(team: DemoTeam) -> Fields:
    return {"next": st.one_of(st.sampled_from(["/", "/openings/", *UNSAFE_NEXT]), any_text(20))}


def browser_path(location: str) -> str:
    """How a browser reads a Location header: tabs and newlines dropped, backslashes as
    slashes (WHATWG URL parsing of special schemes)."""
    return "".join(ch for ch in location.strip() if ch not in "\t\n\r").replace("\\", "/")


def stays_on_site(request, response) -> None:
    if response.status_code != 302:
        return
    target = browser_path(response.headers["Location"])
    assert target.startswith("/") and not target.startswith("//"), (
        f"sign-in sends people off the site to {response.headers['Location']!r}"
    )


# ---- The table ----

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        ("auth.login", "POST"),
        allowed=EVERYONE,
        fields=_login_fields,
        query=_next_query,
        success=frozenset({200, 302}),
        check=stays_on_site,
        # A failed sign-in is counted (throttling); a good one clears the count, trusts the
        # address for the account and starts a session (ending this account's sessions past
        # their lifetime).
        may_change=lambda body: ("sign_in_throttles*", "signed_in_sessions*", "trusted_sign_ins*"),
        may_change_when_refused=lambda body: ("sign_in_throttles*",),
    ),
    # Off to the identity provider: with single sign-on off (as here), back to sign-in.
    Endpoint(
        ("auth.sso_start", "GET"),
        allowed=EVERYONE,
        query=lambda team: {**_next_query(team), "remember": st.sampled_from(["0", "1", ""])},
        success=frozenset({302}),
        check=stays_on_site,
    ),
    # Without a live password link in the session there is nothing to set: 410 for everyone.
    Endpoint(
        ("auth.reset_password", "POST"),
        allowed=(),
        fields=lambda team: {"password": any_text(30), "confirm": any_text(30)},
    ),
    Endpoint(
        ("admin.new_user", "POST"),
        allowed=("admin",),
        fields=_new_user_fields,
        success=frozenset({200, 302}),  # 200: the page showing the new account's one-time link
        may_change=lambda body: ("users+", "password_reset_links+", "audit_events+"),
    ),
    Endpoint(
        ("admin.change_role", "POST"),
        allowed=("admin",),
        url_args=_kwame,
        fields=lambda team: {"role": st.sampled_from(["admin", "coordinator", "interviewer", "x"])},
        may_change=lambda body: ("users.role", "audit_events+"),
    ),
    Endpoint(
        ("admin.change_seniority", "POST"),
        allowed=("admin",),
        url_args=_kwame,
        fields=lambda team: {"seniority": st.sampled_from(["1", "3", "5", "0", "6", "x", ""])},
        may_change=lambda body: ("users.seniority", "audit_events+"),
    ),
    Endpoint(
        ("answers.team", "POST"),
        allowed=MANAGERS,
        fields=_answer_fields,
        may_change=lambda body: ("candidate_answers+", "audit_events+"),
    ),
    Endpoint(
        ("answers.opening", "POST"),
        allowed=MANAGERS,
        url_args=lambda team: {"opening_id": team.opening.id},
        fields=_answer_fields,
        may_change=lambda body: ("candidate_answers+", "audit_events+"),
    ),
    Endpoint(
        ("answers.edit", "POST"),
        allowed=MANAGERS,
        url_args=_an_answer,
        fields=_answer_fields,
        may_change=lambda body: ("candidate_answers.*", "audit_events+"),
    ),
    Endpoint(
        ("answers.delete", "POST"),
        allowed=MANAGERS,
        url_args=_an_answer,
        fields=lambda team: {"confirm": st.sampled_from(["yes", "no", ""])},
        may_change=lambda body: ("candidate_answers-", "audit_events+"),
    ),
    Endpoint(
        ("admin.change_interviewing_week", "POST"),
        allowed=("admin",),
        url_args=_kwame,
        fields=lambda team: {
            "weekly_interview_limit": st.sampled_from(["", "0", "3", "41", "-1", "x"]),
            "working_day_starts": st.sampled_from(["", "08:00", "19:00", "25:00", "x"]),
            "working_day_ends": st.sampled_from(["", "17:00", "07:00", "x"]),
        },
        may_change=lambda body: (
            "users.weekly_interview_limit",
            "users.working_day_starts",
            "users.working_day_ends",
            "reminders*",
            "audit_events+",
        ),
    ),
    Endpoint(
        ("admin.team_settings", "POST"),
        allowed=("admin",),
        fields=lambda team: {
            "followup_minutes": st.sampled_from(["60", "19", "1441", "x", ""]),
            "daily_reminders": st.integers(min_value=-1, max_value=11).map(str),
            "tell_manager_hours": st.sampled_from(["24", "0", "169", ""]),
            "working_day_starts": st.sampled_from(["09:00", "18:00", "x", ""]),
            "working_day_ends": st.sampled_from(["17:00", "08:00", ""]),
            "weekly_interview_limit": st.sampled_from(["5", "0", "41", "x"]),
        },
        may_change=lambda body: ("team_settings*", "reminders*", "audit_events+"),
    ),
    Endpoint(
        ("admin.single_sign_on", "POST"),
        allowed=("admin",),
        fields=lambda team: {
            "enabled": st.sampled_from(["y", ""]),
            "label": st.one_of(st.just("Acme ID"), any_text(70)),
            # Nothing that would reach past this machine: a closed loopback port, plain http
            # elsewhere (refused before any fetch), other schemes, junk.
            "issuer": st.one_of(
                st.sampled_from(
                    ["http://127.0.0.1:9", "http://idp.example.com", "file:///etc/passwd", ""]
                ),
                any_text(40),
            ),
            "client_id": st.one_of(st.just("loopkit"), any_text(40)),
            "client_secret": any_text(40),
            "allowed_domains": st.one_of(
                st.sampled_from(["example.com", "example.com, @Example.org", "not a domain"]),
                any_text(40),
            ),
            "create_users": st.sampled_from(["y", ""]),
            "new_user_role": st.sampled_from(["interviewer", "admin", "x", ""]),
            "password_sign_in": st.sampled_from(["everyone", "admins", "nobody", ""]),
        },
        may_change=lambda body: ("single_sign_on*", "audit_events+"),
    ),
    Endpoint(
        ("admin.api_tokens", "POST"),
        allowed=("admin",),
        fields=lambda team: {
            "name": st.one_of(st.just("Greenhouse sync"), any_text(130)),
            "person": st.sampled_from([str(team.users["coordinator"].id), "0", "x", "999"]),
            "scopes": st.sampled_from(["read", "write", "private", "root", ""]),
        },
        multi=("scopes",),
        success=frozenset({200}),  # the page showing the token, once
        may_change=lambda body: ("api_tokens+", "audit_events+"),
    ),
    Endpoint(
        ("admin.revoke_api_token", "POST"),
        allowed=("admin",),
        url_args=lambda team: {"token_id": _api_token(team)},
        may_change=lambda body: ("api_tokens.revoked_at", "audit_events+"),
    ),
    Endpoint(
        ("webhooks.index", "POST"),
        allowed=("admin",),
        fields=lambda team: {
            "url": st.one_of(
                st.sampled_from(
                    ["https://127.0.0.1/x", "file:///etc/passwd", "http://x", "https://10.0.0.1"]
                ),
                any_text(520),
            ),
            "description": any_text(130),
            "events": st.sampled_from(["loop.confirmed", "scorecard.submitted", "nope", ""]),
        },
        multi=("events",),
        may_change=lambda body: ("webhook_endpoints+", "audit_events+"),
    ),
    Endpoint(
        ("webhooks.pause", "POST"),
        allowed=("admin",),
        url_args=lambda team: {"endpoint_id": _webhook(team)},
        may_change=lambda body: ("webhook_endpoints.active", "audit_events+"),
    ),
    Endpoint(
        ("webhooks.retry", "POST"),
        allowed=("admin",),
        url_args=lambda team: {"delivery_id": _failed_delivery(team)},
        may_change=lambda body: ("webhook_deliveries.*", "audit_events+"),
    ),
    Endpoint(
        ("admin.deactivate", "POST"),
        allowed=("admin",),
        url_args=_kwame,
        may_change=lambda body: (
            "users.active",
            "audit_events+",
            "password_reset_links*",
            "signed_in_sessions-",  # every session of the deactivated account ends
        ),
    ),
    Endpoint(
        ("admin.reactivate", "POST"),
        allowed=("admin",),
        url_args=_kwame,
        may_change=lambda body: ("users.active", "audit_events+"),
    ),
    Endpoint(
        ("admin.password_link", "POST"),
        allowed=("admin",),
        url_args=_kwame,
        success=frozenset({200}),  # the page showing the link, once
        may_change=lambda body: ("password_reset_links*", "audit_events+"),
    ),
    Endpoint(
        ("erasure.erase", "POST"),
        allowed=("admin",),
        url_args=lambda team: {"candidate_id": _candidate(team, "Arjun Mehta").id},
        fields=lambda team: {
            "confirm_name": st.one_of(
                st.just("Arjun Mehta"), st.just("arjun  mehta"), any_text(20)
            ),
            "reason": st.sampled_from(["candidate_request", "no_longer_needed", "", "x"]),
        },
        may_change=lambda body: ("candidates.*", "audit_events+"),
        committed=True,
    ),
    Endpoint(
        ("auth.logout", "POST"),
        allowed=SIGNED_IN,
        signs_out=True,
        # Signing out ends the session's row, and answers with the sign-in page (302), which
        # the verdict counts as a refusal.
        may_change=lambda body: ("signed_in_sessions-",),
        may_change_when_refused=lambda body: ("signed_in_sessions-",),
    ),
    Endpoint(
        ("interviews.save_interview", "POST"),
        allowed=("interviewer",),
        label="her own draft",
        url_args=lambda team: {"session_id": _session(team, "priya").id},
        fields=_save_fields,
        may_change=lambda body: CONTENT + (SUBMITTING if _submits(body) else ()),
        may_change_when_refused=lambda body: CONTENT if _submits(body) else (),
    ),
    Endpoint(
        ("interviews.save_interview", "POST"),
        allowed=(),
        label="someone else's scorecard",
        url_args=lambda team: {"session_id": _session(team, "tomas").id},
        fields=_save_fields,
    ),
    Endpoint(
        ("interviews.autosave", "POST"),
        allowed=("interviewer",),
        label="her own draft",
        json=True,
        url_args=lambda team: {"scorecard_id": _session(team, "priya").scorecard.id},
        fields=_autosave_body,
        success=frozenset({200}),
        may_change=lambda body: CONTENT,
    ),
    Endpoint(
        ("interviews.autosave", "POST"),
        allowed=(),
        label="someone else's or a submitted scorecard",
        json=True,
        url_args=lambda team: {"scorecard_id": _session(team, "tomas").scorecard.id},
        fields=_autosave_body,
        success=frozenset({200}),
    ),
    Endpoint(
        ("interviews.amend", "POST"),
        allowed=("panel_done",),
        url_args=lambda team: {"scorecard_id": _session(team, "tomas").scorecard.id},
        fields=lambda team: {
            **scorecard_fields(team, "tomas"),
            "amend_reason": st.one_of(st.just("Misheard the queue sizing."), any_text(40)),
        },
        may_change=lambda body: CONTENT + ("audit_events+", "packet_requests+"),
    ),
    Endpoint(
        ("loops.start", "POST"),
        allowed=PLANNERS,
        url_args=lambda team: {"candidate_id": _candidate(team, "Arjun Mehta").id},
        may_change=lambda body: ("loops+",),
    ),
    Endpoint(
        ("loops.add", "POST"),
        allowed=PLANNERS,
        url_args=lambda team: {"loop_id": _loop(team).id},
        fields=_planner_fields,
        multi=("focus",),
        may_change=lambda body: (
            "interview_sessions+",
            "scorecards+",
            "debriefs.*",
            "reminders*",
            "audit_events+",
        ),
    ),
    Endpoint(
        ("loops.move", "POST"),
        allowed=PLANNERS,
        url_args=lambda team: {"loop_id": _loop(team).id, "session_id": _session(team, "priya").id},
        fields=_starts_at,
        may_change=lambda body: (
            "interview_sessions.starts_at",
            "interview_sessions.ends_at",
            "interview_sessions.invite_sequence",
            "debriefs.*",
            "reminders*",
            "audit_events+",
        ),
    ),
    Endpoint(
        ("loops.reassign", "POST"),
        allowed=PLANNERS,
        url_args=lambda team: {"loop_id": _loop(team).id, "session_id": _session(team, "priya").id},
        fields=lambda team: {
            "interviewer_id": _ids(_user_ids(team)),
            "notes": st.sampled_from(["keep", "discard", ""]),
            "confirm_discard": st.just("y"),
        },
        may_change=lambda body: (
            "scorecards*",
            "interview_sessions.interviewer_id",
            "interview_sessions.invite_sequence",
            "reminders*",
            "audit_events+",
            "packet_requests+",
        ),
    ),
    Endpoint(
        ("loops.add_panelist_view", "POST"),
        allowed=PLANNERS,
        url_args=lambda team: {"loop_id": _loop(team).id, "session_id": _session(team, "priya").id},
        fields=lambda team: {
            "user_id": _ids(_user_ids(team)),
            "role": st.sampled_from(["co", "shadow", "lead", ""]),
        },
        may_change=lambda body: (
            "session_panelists+",
            "scorecards+",
            "reminders*",
            "audit_events+",
        ),
    ),
    Endpoint(
        ("loops.remove_panelist_view", "POST"),
        allowed=PLANNERS,
        url_args=lambda team: {
            "loop_id": _loop(team).id,
            "session_id": _session(team, "priya").id,
            "user_id": team.users["kwame"].id,
        },
        may_change=lambda body: (
            "session_panelists-",
            "scorecards-",
            "interview_sessions.invite_sequence",
            "reminders*",
            "audit_events+",
        ),
    ),
    Endpoint(
        ("loops.confirm", "POST"),
        allowed=PLANNERS,
        url_args=lambda team: {"loop_id": _loop(team).id},
        fields=lambda team: {"override_reason": any_text(60)},
    ),
    Endpoint(
        ("loops.cancel", "POST"),
        allowed=PLANNERS,
        url_args=lambda team: {"loop_id": _loop(team).id},
        fields=lambda team: {"confirmed": st.sampled_from(["yes", "no", ""])},
        may_change=lambda body: (
            "loops.status",
            "interview_sessions.invite_sequence",
            "debriefs.invite_sequence",
            "reminders*",
            "audit_events+",
        ),
    ),
    Endpoint(
        ("loops.debrief", "POST"),
        allowed=PLANNERS,
        url_args=lambda team: {"loop_id": _loop(team).id},
        fields=lambda team: {
            **_starts_at(team),
            "action": st.sampled_from(["move", "unpin", ""]),
        },
        may_change=lambda body: ("debriefs.*", "reminders*", "audit_events+"),
    ),
    Endpoint(
        ("loops.retry", "POST"),
        allowed=PLANNERS,
        url_args=lambda team: {"reminder_id": _failed_reminder(team)},
        may_change=lambda body: ("reminders.*",),
    ),
    Endpoint(
        ("admin.retry_delivery", "POST"),
        allowed=("admin",),
        url_args=lambda team: {"reminder_id": _failed_reminder(team)},
        query=lambda team: {"page": _search_query(team)["page"]},
        may_change=lambda body: ("reminders.*", "audit_events+"),
    ),
    Endpoint(
        ("packets.retry", "POST"),
        allowed=("admin", "hiring_manager"),
        url_args=lambda team: {"loop_id": _loop(team).id},
        may_change=lambda body: ("packet_requests+", "packet_requests-", "audit_events+"),
    ),
    Endpoint(
        ("debriefs.decide", "POST"),
        allowed=("admin", "hiring_manager"),
        url_args=lambda team: {"loop_id": _loop(team).id},
        fields=lambda team: {
            "decision": st.sampled_from(["hire", "no_hire", "another_round", ""]),
            "rationale": st.one_of(
                st.just("Strong design sense and clear about the trade-offs."), any_text(60)
            ),
            "override_reason": st.one_of(
                st.just("The team needs this depth more than the rest."), any_text(60)
            ),
            "waiver_reason": st.one_of(
                st.just("The candidate's other offer expires tomorrow."), any_text(60)
            ),
        },
        may_change=lambda body: (
            "debriefs.decision",
            "debriefs.rationale",
            "debriefs.decided_by_id",
            "debriefs.decided_at",
            "debriefs.override_reason",
            "debriefs.waiver_reason",
            "loops.status",
            "candidates.status",
            "audit_events+",
            "reminders*",
            "packet_requests+",
        ),
    ),
    Endpoint(
        ("debriefs.chase_all", "POST"),
        allowed=("admin", "hiring_manager"),
        url_args=lambda team: {"loop_id": _loop(team).id},
        may_change=lambda body: ("reminders+", "audit_events+"),
    ),
    Endpoint(
        ("debriefs.postpone", "POST"),
        allowed=("admin", "hiring_manager"),
        url_args=lambda team: {"loop_id": _loop(team).id},
        fields=lambda team: {"by": st.sampled_from(["hour", "day", "week", ""])},
        may_change=lambda body: ("debriefs.*", "reminders*", "audit_events+"),
    ),
    Endpoint(
        ("debriefs.start_discussion", "POST"),
        allowed=("admin", "hiring_manager"),
        url_args=lambda team: {"loop_id": _loop(team).id},
        may_change=lambda body: ("debriefs.discussion_opened_at", "audit_events+"),
    ),
    Endpoint(
        ("debriefs.give_verdict", "POST"),
        allowed=("panel_done",),
        url_args=lambda team: {"loop_id": _loop(team).id},
        fields=lambda team: {
            "verdict": st.sampled_from(["strong_no", "no", "yes", "strong_yes", "maybe", ""]),
            "why": any_text(60),
        },
        may_change=lambda body: ("panel_verdicts*", "audit_events+"),
    ),
    Endpoint(
        ("debriefs.reopen", "POST"),
        allowed=("admin",),
        url_args=lambda team: {"loop_id": _loop(team).id},
        fields=lambda team: {"reason": any_text(60)},
    ),
    Endpoint(
        ("debriefs.chase", "POST"),
        allowed=("admin", "hiring_manager"),
        url_args=lambda team: {"loop_id": _loop(team).id, "session_id": _session(team, "priya").id},
        may_change=lambda body: ("reminders+", "audit_events+"),
    ),
    Endpoint(
        ("openings.new", "POST"),
        allowed=MANAGERS,
        fields=_opening_fields,
        multi=("competency_keys",),
        may_change=lambda body: ("openings+", "audit_events+"),
    ),
    Endpoint(
        ("openings.edit", "POST"),
        allowed=MANAGERS,
        url_args=lambda team: {"opening_id": team.opening.id},
        fields=_opening_fields,
        multi=("competency_keys",),
        may_change=lambda body: ("openings.*", "audit_events+"),
    ),
    Endpoint(
        ("openings.decision_rules", "POST"),
        allowed=("admin", "hiring_manager"),
        url_args=lambda team: {"opening_id": team.opening.id},
        fields=_rules_fields,
        may_change=lambda body: ("openings.*", "audit_events+"),
    ),
    Endpoint(
        ("openings.new_candidate", "POST"),
        allowed=MANAGERS,
        url_args=lambda team: {"opening_id": team.opening.id},
        fields=_candidate_fields,
        may_change=lambda body: ("candidates+", "audit_events+"),
    ),
    Endpoint(
        ("openings.edit_candidate", "POST"),
        allowed=MANAGERS,
        url_args=lambda team: {"candidate_id": _candidate(team, "Lena Fischer").id},
        fields=_candidate_fields,
        may_change=lambda body: ("candidates.*", "audit_events+"),
    ),
    # Pages that read query parameters: search, pagination, where to go after signing in.
    Endpoint(
        ("openings.index", "GET"), allowed=SIGNED_IN, query=_search_query, success=frozenset({200})
    ),
    Endpoint(
        ("openings.candidates", "GET"),
        allowed=SIGNED_IN,
        query=_search_query,
        success=frozenset({200}),
    ),
    Endpoint(
        ("openings.detail", "GET"),
        allowed=("admin", "coordinator", "hiring_manager", "interviewer", "panel_done"),
        url_args=lambda team: {"opening_id": team.opening.id},
        query=_search_query,
        success=frozenset({200}),
    ),
    Endpoint(
        ("auth.login", "GET"),
        allowed=EVERYONE,
        query=_next_query,
        success=frozenset({200, 302}),
    ),
    # A return from the provider that nobody started (single sign-on is off here).
    Endpoint(
        ("auth.sso_callback", "GET"),
        allowed=EVERYONE,
        query=lambda team: {
            "code": any_text(20),
            "state": any_text(20),
            "error": st.one_of(st.just("access_denied"), any_text(20)),
        },
        success=frozenset({302}),
        check=stays_on_site,
    ),
    Endpoint(
        ("admin.audit", "GET"), allowed=("admin",), query=_audit_query, success=frozenset({200})
    ),
    Endpoint(
        ("speed.dashboard", "GET"),
        allowed=("admin", "hiring_manager"),
        query=lambda team: {
            "weeks": _search_query(team)["page"],
            "opening": st.one_of(st.just(str(team.opening.id)), _search_query(team)["page"]),
        },
        # An opening the reader may not see is not found, as if it did not exist.
        success=frozenset({200, 404}),
    ),
    Endpoint(
        ("speed.mine", "GET"),
        allowed=SIGNED_IN,
        query=lambda team: {"weeks": _search_query(team)["page"]},
        success=frozenset({200}),
    ),
    Endpoint(
        ("admin.outbox", "GET"),
        allowed=("admin",),
        query=lambda team: {"page": _search_query(team)["page"]},
        success=frozenset({200}),
    ),
    Endpoint(
        ("admin.users", "GET"),
        allowed=("admin",),
        query=lambda team: {"page": _search_query(team)["page"]},
        success=frozenset({200}),
    ),
]

# GET routes that read no query parameters and no body: nothing for a hostile client to vary
# but the ids in their paths (see test_hostile_ids_in_paths).
NO_INPUT = {
    "static",
    "main.health",
    "main.home",
    "auth.csrf_token",
    "library.index",
    "library.rubric",
    "library.script",
    "interviews.interview",
    "interviews.scorecard",
    "interviews.amend",
    "loops.planner",
    "loops.cancel_confirm",
    "loops.session_ics",
    "loops.debrief_ics",
    "debriefs.debrief",
    "openings.new",
    "openings.edit",
    "openings.decision_rules",
    "calibration.team",
    "calibration.opening",
    "calibration.opening_report",
    "calibration.mine",
    "openings.new_candidate",
    "openings.candidate",
    "openings.edit_candidate",
    "packets.download",
    "packets.opening_zip",
    "packets.opening_page",
    "admin.new_user",
    "admin.user",
    "answers.team",
    "answers.opening",
    "answers.edit",
    "admin.team_settings",
    "auth.reset_link",
    "auth.reset_password",
    "erasure.erase",
    "admin.api_tokens",
    "admin.single_sign_on",
    "webhooks.index",
    "webhooks.endpoint",
    "api_docs.reference",
    "api-docs.openapi_json",
}

# The JSON API takes tokens, not the harness's signed-in browsers (to which it answers 401):
# tests/api/test_schemathesis.py sends it hostile input with a token, from its own document.
FUZZED_FROM_THE_OPENAPI_DOCUMENT = "api_"
