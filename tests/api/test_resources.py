"""The API's resources as a tracking system uses them: candidates pushed in idempotently,
loops planned from the library, scorecards and decisions read out under the blind rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import ApiScope, Candidate, Loop, LoopStatus, Reminder
from app.storage.types import utcnow

CANDIDATES = "/api/v1/candidates"


def _new(demo, **fields) -> dict:
    return {
        "opening_id": demo.opening.id,
        "external_id": "ats-1001",
        "name": "Ana Lima",
        "email": "ana.lima@example.org",
        **fields,
    }


def _count_candidates() -> int:
    return db.session.execute(select(func.count(Candidate.id))).scalar_one()


# ---- Candidates ----


def test_pushing_a_candidate_twice_by_external_id_updates_the_same_one(api_as, demo) -> None:
    ats = api_as("coordinator")
    before = _count_candidates()
    first = ats.post(CANDIDATES, json=_new(demo, time_zone="America/Sao_Paulo"))
    assert first.status_code == 201
    body = first.get_json()
    assert body["external_id"] == "ats-1001" and body["time_zone"] == "America/Sao_Paulo"
    assert body["working_hours_start"] == "09:00"
    again = ats.post(CANDIDATES, json=_new(demo, name="Ana Lima Souza"))
    assert again.status_code == 200
    assert again.get_json()["id"] == body["id"]
    assert again.get_json()["name"] == "Ana Lima Souza"
    assert again.get_json()["time_zone"] == "America/Sao_Paulo", "fields left out stay"
    assert _count_candidates() == before + 1
    found = ats.get(CANDIDATES, query_string={"external_id": "ats-1001"}).get_json()
    assert [c["id"] for c in found["items"]] == [body["id"]]


def test_clashes_are_409s_with_a_code_and_bad_fields_422s_per_field(api_as, demo) -> None:
    ats = api_as("admin")
    assert ats.post(CANDIDATES, json=_new(demo)).status_code == 201
    lena = demo.opening.candidates[0]
    taken = ats.post(CANDIDATES, json=_new(demo, external_id="ats-2", email=lena.email.upper()))
    assert taken.status_code == 409 and taken.get_json()["code"] == "duplicate_email"
    moved = ats.patch(f"{CANDIDATES}/{lena.id}", json={"external_id": "ats-1001"})
    assert moved.status_code == 409 and moved.get_json()["code"] == "external_id_taken"
    bad = ats.post(
        CANDIDATES,
        json=_new(
            demo,
            external_id="ats-3",
            email="not an email",
            time_zone="Mars/Olympus",
            working_hours_start="25:00",
        ),
    )
    assert bad.status_code == 422
    assert bad.get_json()["code"] == "validation_failed"
    assert set(bad.get_json()["errors"]["json"]) == {"email", "time_zone", "working_hours_start"}
    late = ats.patch(
        f"{CANDIDATES}/{lena.id}",
        json={"working_hours_start": "18:00", "working_hours_end": "17:00"},
    )
    assert late.status_code == 422
    assert "working_hours_end" in late.get_json()["errors"]["json"]
    control = ats.post(CANDIDATES, json=_new(demo, external_id="ats-4", name="Ana\x00"))
    assert control.status_code == 422 and "name" in control.get_json()["errors"]["json"]


def test_patch_changes_only_what_is_sent_and_an_erased_candidate_stays_erased(api_as, demo) -> None:
    ats = api_as("coordinator")
    lena = demo.opening.candidates[0]
    response = ats.patch(f"{CANDIDATES}/{lena.id}", json={"time_zone": "Asia/Tokyo"})
    assert response.status_code == 200
    assert response.get_json()["name"] == "Lena Fischer"
    assert response.get_json()["time_zone"] == "Asia/Tokyo"
    lena.status = "erased"
    db.session.commit()
    refused = ats.patch(f"{CANDIDATES}/{lena.id}", json={"name": "Lena again"})
    assert refused.status_code == 409 and refused.get_json()["code"] == "candidate_erased"


def test_an_interviewer_reads_only_their_candidates_and_writes_none(api_as, demo) -> None:
    priya = api_as("priya")
    seen = priya.get(CANDIDATES).get_json()["items"]
    assert {c["name"] for c in seen} == {"Lena Fischer"}, "only the candidate she interviews"
    arjun = next(c for c in demo.opening.candidates if c.name == "Arjun Mehta")
    assert priya.get(f"{CANDIDATES}/{arjun.id}").status_code == 403
    refused = priya.post(CANDIDATES, json=_new(demo))
    assert refused.status_code == 403 and refused.get_json()["code"] == "forbidden"
    assert api_as("kwame").get("/api/v1/openings").get_json()["items"] == []


# ---- Idempotency-Key ----


def test_the_same_idempotency_key_replays_the_first_answer_once(api_as, demo) -> None:
    ats = api_as("coordinator")
    key = {"Idempotency-Key": "3f1c2b9e-5d4a-4c1e-9a77-0b6f1d2e8c40"}
    before = _count_candidates()
    payload = _new(demo, external_id=None)
    first = ats.post(CANDIDATES, json=payload, headers=key)
    second = ats.post(CANDIDATES, json=payload, headers=key)
    assert first.status_code == second.status_code == 201
    assert second.get_json() == first.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert _count_candidates() == before + 1, "without an external id, the key alone dedupes"
    other = ats.post(CANDIDATES, json={**payload, "name": "Someone Else"}, headers=key)
    assert other.status_code == 422 and other.get_json()["code"] == "idempotency_key_reused"
    odd = ats.post(CANDIDATES, json=payload, headers={"Idempotency-Key": "x" * 201})
    assert odd.status_code == 400 and odd.get_json()["code"] == "idempotency_key_invalid"
    # Another token's key space is its own.
    assert api_as("admin").post(CANDIDATES, json=payload, headers=key).status_code == 409


# ---- Pages ----


def test_a_cursor_walks_every_candidate_once_in_order(api_as, demo) -> None:
    ats = api_as("admin")
    for n in range(7):
        ats.post(CANDIDATES, json=_new(demo, external_id=f"p-{n}", email=f"p{n}@example.org"))
    seen, cursor, pages = [], None, 0
    while True:
        args = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = ats.get(CANDIDATES, query_string=args).get_json()
        seen += [c["id"] for c in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    everyone = db.session.execute(select(Candidate.id).order_by(Candidate.id)).scalars().all()
    assert seen == everyone
    assert pages == -(-len(everyone) // 3), "a full last page says so: no empty page after it"
    bad = ats.get(CANDIDATES, query_string={"cursor": "not-ours"})
    assert bad.status_code == 422 and "cursor" in bad.get_json()["errors"]["query"]
    assert ats.get(CANDIDATES, query_string={"limit": 101}).status_code == 422


def test_lists_take_the_same_statements_at_one_and_many_rows(
    api_as, demo, count_statements
) -> None:
    ats = api_as("admin")
    lena = demo.opening.candidates[0]

    def statements(url: str) -> int:
        with count_statements() as counter:
            assert ats.get(url).status_code == 200
        return counter.count

    ats.get("/api/v1/openings")  # the first call notes the token's use: a write of its own
    few = {url: statements(url) for url in ("/api/v1/loops", "/api/v1/candidates")}
    start = utcnow() + timedelta(days=9)
    for n in range(6):
        ats.post(
            "/api/v1/loops",
            json={
                "candidate_id": lena.id,
                "sessions": [
                    {
                        "interviewer_email": "priya@example.com",
                        "starts_at": (start + timedelta(hours=n)).isoformat(),
                    },
                    {
                        "interviewer_email": "tomas@example.com",
                        "starts_at": (start + timedelta(hours=n, minutes=50)).isoformat(),
                    },
                ],
            },
        )
        ats.post(CANDIDATES, json=_new(demo, external_id=f"m-{n}", email=f"m{n}@example.org"))
    many = {url: statements(url) for url in few}
    assert many == few


# ---- Loops ----


def test_a_coordinator_plans_a_loop_from_the_openings_default_script(api_as, demo) -> None:
    ats = api_as("coordinator")
    lena = demo.opening.candidates[0]
    starts = datetime(2031, 3, 4, 9, 0, tzinfo=UTC)
    response = ats.post(
        "/api/v1/loops",
        json={
            "candidate_id": lena.id,
            "sessions": [
                {
                    "interviewer_email": "priya@example.com",
                    "starts_at": starts.isoformat(),
                    "focus_competencies": ["api-design"],
                },
                {
                    "interviewer_email": "tomas@example.com",
                    "starts_at": (starts + timedelta(hours=1)).isoformat(),
                    "script_key": "system-design",
                    "rubric_key": "system-design",
                },
            ],
        },
    )
    assert response.status_code == 201, response.get_json()
    loop = response.get_json()
    assert loop["status"] == LoopStatus.PLANNING and loop["debrief"] is None
    first, second = loop["sessions"]
    assert first["script"]["key"] == "staged-45" and first["rubric"]["key"] == "backend-engineer"
    assert first["focus_competencies"] == ["api-design"]
    assert first["ends_at"] == "2031-03-04T09:45:00+00:00"
    assert second["interviewer"]["email"] == "tomas@example.com"
    assert second["script"]["key"] == "system-design"
    queued = db.session.execute(
        select(func.count(Reminder.id)).where(Reminder.loop_id == loop["id"])
    ).scalar_one()
    assert queued == 0, "nobody is invited before a coordinator confirms"
    assert ats.get(f"/api/v1/loops/{loop['id']}").get_json() == loop


def test_planning_names_the_interview_and_field_that_is_wrong(api_as, demo) -> None:
    ats = api_as("coordinator")
    lena = demo.opening.candidates[0]
    loops_before = db.session.execute(select(func.count(Loop.id))).scalar_one()
    starts = "2031-03-04T09:00:00+00:00"
    cases = [
        ({"interviewer_email": "nobody@example.com", "starts_at": starts}, "interviewer_email"),
        (
            {"interviewer_email": "priya@example.com", "starts_at": starts, "script_key": "nope"},
            "script_key",
        ),
        (
            {
                "interviewer_email": "priya@example.com",
                "starts_at": starts,
                "focus_competencies": ["juggling"],
            },
            "focus_competencies",
        ),
    ]
    for session, field in cases:
        response = ats.post(
            "/api/v1/loops",
            json={
                "candidate_id": lena.id,
                "sessions": [
                    {"interviewer_email": "tomas@example.com", "starts_at": starts},
                    session,
                ],
            },
        )
        assert response.status_code == 422, field
        assert response.get_json()["errors"]["json"]["sessions"]["1"].keys() == {field}
        assert response.get_json()["message"].startswith("Interview 2:")
    naive = ats.post(
        "/api/v1/loops",
        json={
            "candidate_id": lena.id,
            "sessions": [
                {"interviewer_email": "priya@example.com", "starts_at": "2031-03-04T09:00:00"}
            ],
        },
    )
    assert naive.status_code == 422, "a time without its zone is ambiguous"
    assert db.session.execute(select(func.count(Loop.id))).scalar_one() == loops_before
    assert (
        api_as("manager")
        .post("/api/v1/loops", json={"candidate_id": lena.id, "sessions": [cases[0][0]]})
        .status_code
        == 403
    ), "planning is the coordinators' (and admins')"


# ---- Scorecards and decisions: the blind rule ----


def _scorecards(client, loop) -> dict[str, dict]:
    response = client.get("/api/v1/scorecards", query_string={"loop_id": loop.id})
    assert response.status_code == 200
    return {
        card["interviewer"]["email"].split("@")[0]: card for card in response.get_json()["items"]
    }


def test_a_panelist_reads_no_other_scorecard_until_their_own_is_in(
    api_as, demo, priya_card, tomas_card
) -> None:
    loop = priya_card.session.loop
    tomas_card.status, tomas_card.submitted_at, tomas_card.recommendation = (
        "submitted",
        utcnow(),
        "yes",
    )
    db.session.commit()
    priya = api_as("priya")
    assert _scorecards(priya, loop) == {}
    assert priya.get(f"/api/v1/scorecards/{tomas_card.id}").status_code == 403
    assert priya.get(f"/api/v1/decisions/{loop.id}").status_code == 403
    priya_card.status, priya_card.submitted_at, priya_card.recommendation = (
        "submitted",
        utcnow(),
        "no",
    )
    db.session.commit()
    assert set(_scorecards(priya, loop)) == {"priya", "tomas"}
    assert _scorecards(api_as("coordinator"), loop) == {}, "coordinators never read content"


def test_private_answers_need_the_scope_and_the_right(api_as, debrief_ready) -> None:
    loop = debrief_ready
    with_private = _scorecards(api_as("manager"), loop)["priya"]
    labels = {a["key"]: a["value"] for a in with_private["answers"]}
    assert labels["compensation_expectation"] == "Asks 120k EUR"
    assert with_private["private_answers_included"] is True
    assert with_private["candidate_questions"][0] == "How is on-call paid?"
    assert {r["competency_key"]: r["level"] for r in with_private["ratings"]}["api-design"] == 1
    without_scope = _scorecards(api_as("manager", [ApiScope.READ]), loop)["priya"]
    assert "compensation_expectation" not in {a["key"] for a in without_scope["answers"]}
    assert without_scope["private_answers_included"] is False
    tomas = _scorecards(api_as("tomas"), loop)["priya"]
    assert "compensation_expectation" not in {a["key"] for a in tomas["answers"]}, (
        "a fellow panelist never reads pay, whatever the token's scopes"
    )


def test_decisions_come_out_to_those_who_may_read_the_debrief(api_as, demo, debrief_ready) -> None:
    loop = debrief_ready
    assert api_as("manager").get(f"/api/v1/decisions/{loop.id}").get_json()["code"] == "not_decided"
    manager_id = demo.users["manager"].id
    loop.debrief.decided_by_id = manager_id
    loop.debrief.decided_at = utcnow()
    loop.debrief.decision = "no_hire"
    loop.debrief.rationale = "Not yet senior enough for the on-call load."
    db.session.commit()
    decision = api_as("manager").get(f"/api/v1/decisions/{loop.id}").get_json()
    assert decision["decision"] == "no_hire" and decision["decided_by"]["name"]
    assert decision["candidate_id"] == loop.candidate_id
    listed = api_as("admin").get("/api/v1/decisions").get_json()["items"]
    assert [d["loop_id"] for d in listed] == [loop.id]
    assert api_as("coordinator").get("/api/v1/decisions").get_json()["items"] == []
    assert api_as("kwame").get(f"/api/v1/decisions/{loop.id}").status_code == 403


# ---- Errors ----


@pytest.mark.parametrize(
    ("method", "url", "status", "code"),
    [
        ("get", "/api/v1/nowhere", 404, "not_found"),
        ("get", "/api/v1/openings/999999", 404, "not_found"),
        ("delete", "/api/v1/openings", 405, "method_not_allowed"),
    ],
)
def test_every_error_under_the_api_is_json_with_a_code(api_as, method, url, status, code) -> None:
    ats = api_as("admin")
    response = ats.client.open(url, method=method.upper(), headers=ats.headers_with(None))
    assert response.status_code == status
    assert response.is_json and response.get_json()["code"] == code
    if status == 405:
        assert "GET" in response.headers["Allow"]


def test_a_nul_in_a_query_or_body_string_is_a_422_not_a_database_error(api_as, demo) -> None:
    """PostgreSQL cannot hold NUL in text: such input must be refused before any query."""
    ats = api_as("admin")
    listed = ats.get(CANDIDATES, query_string={"external_id": "ats\x00"})
    assert listed.status_code == 422 and "external_id" in listed.get_json()["errors"]["query"]
    planned = ats.post(
        "/api/v1/loops",
        json={
            "candidate_id": demo.opening.candidates[0].id,
            "sessions": [
                {
                    "interviewer_email": "priya@example.com",
                    "starts_at": "2031-03-04T09:00:00+00:00",
                    "script_key": "staged\x00",
                }
            ],
        },
    )
    assert planned.status_code == 422
