"""Candidate-friendly checks, in the candidate's time zone, across a DST change."""

from __future__ import annotations

import html
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.extensions import db
from app.loops.checks import debrief_warnings, local_datetime, schedule_warnings
from app.loops.planning import add_session, start_loop
from app.models import Candidate
from app.team import team_policy


@pytest.fixture
def planning(demo):
    """A fresh candidate in New York and a loop to plan for them."""
    opening = demo.opening
    candidate = Candidate(
        opening=opening, name="Noor Haddad", email="noor@example.org", time_zone="America/New_York"
    )
    db.session.add(candidate)
    db.session.flush()
    loop = start_loop(candidate, demo.users["coordinator"])
    first = opening.candidates[0].loops[0].sessions[0]
    return demo, candidate, loop, first.script, first.rubric


def at(candidate_zone: str, day: str, hh_mm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hh_mm}").replace(tzinfo=ZoneInfo(candidate_zone))


def test_five_sessions_in_a_day_and_one_at_six_pm_both_warn(planning) -> None:
    demo, candidate, loop, script, rubric = planning
    people = ["priya", "tomas", "kwame", "manager", "admin"]
    # 45-minute sessions with long breaks; the last one starts at 18:00 New York time.
    for who, start in zip(people, ["09:00", "10:30", "13:00", "14:30", "18:00"], strict=True):
        add_session(
            loop, demo.users[who], script, rubric, at("America/New_York", "2026-06-10", start)
        )
    db.session.refresh(loop)
    warnings = schedule_warnings(candidate, loop.sessions)
    kinds = [w.kind for w in warnings]
    assert kinds.count("too_many_in_a_day") == 1
    assert "5 interviews on Wed 10 Jun" in warnings[kinds.index("too_many_in_a_day")].message
    outside = [w for w in warnings if w.kind == "outside_working_hours"]
    assert len(outside) == 1
    assert "Wed 10 Jun 18:00–18:45 candidate time (America/New_York)" in outside[0].message
    assert "(09:00–17:00)" in outside[0].message


def test_two_hours_without_a_break(planning) -> None:
    demo, candidate, loop, script, rubric = planning
    for who, start in (("priya", "09:00"), ("tomas", "09:50"), ("kwame", "10:40")):
        add_session(
            loop, demo.users[who], script, rubric, at("America/New_York", "2026-06-10", start)
        )
    db.session.refresh(loop)
    (warning,) = [w for w in schedule_warnings(candidate, loop.sessions) if w.kind == "no_break"]
    assert "2 h 25 min of interviews" in warning.message and "15-minute break" in warning.message


def test_a_fifteen_minute_break_is_enough(planning) -> None:
    demo, candidate, loop, script, rubric = planning
    for who, start in (("priya", "09:00"), ("tomas", "10:00"), ("kwame", "11:00")):
        add_session(
            loop, demo.users[who], script, rubric, at("America/New_York", "2026-06-10", start)
        )
    db.session.refresh(loop)
    assert schedule_warnings(candidate, loop.sessions) == []


def test_interviewer_booked_twice(planning) -> None:
    demo, candidate, loop, script, rubric = planning
    add_session(
        loop, demo.users["kwame"], script, rubric, at("America/New_York", "2026-06-10", "10:00")
    )
    add_session(
        loop, demo.users["kwame"], script, rubric, at("America/New_York", "2026-06-10", "10:30")
    )
    db.session.refresh(loop)
    kinds = [w.kind for w in schedule_warnings(candidate, loop.sessions)]
    assert "double_booked" in kinds


def test_working_hours_follow_the_candidate_across_a_dst_change(planning) -> None:
    """The US moves its clocks on 8 March 2026, Europe on
    29 March. Between them, 14:00 in Berlin is 09:00 in New York, not 08:00."""
    demo, candidate, loop, script, rubric = planning
    candidate.working_hours_start = time(9, 0)
    berlin = ZoneInfo("Europe/Berlin")
    before_us_change = datetime(2026, 3, 6, 14, 0, tzinfo=berlin)  # 08:00 New York (EST)
    between_changes = datetime(2026, 3, 13, 14, 0, tzinfo=berlin)  # 09:00 New York (EDT)
    add_session(loop, demo.users["priya"], script, rubric, before_us_change)
    add_session(loop, demo.users["tomas"], script, rubric, between_changes)
    db.session.refresh(loop)
    outside = [
        w for w in schedule_warnings(candidate, loop.sessions) if w.kind == "outside_working_hours"
    ]
    assert len(outside) == 1
    assert "Fri 06 Mar 08:00–08:45 candidate time" in outside[0].message


def test_local_times_that_a_clock_change_skips_or_repeats_are_refused() -> None:
    assert local_datetime("2026-03-29T10:00", "Europe/Berlin") == datetime(
        2026, 3, 29, 8, 0, tzinfo=UTC
    )
    with pytest.raises(ValueError, match="does not exist in Europe/Berlin"):
        local_datetime("2026-03-29T02:30", "Europe/Berlin")
    with pytest.raises(ValueError, match="happens twice"):
        local_datetime("2026-10-25T02:30", "Europe/Berlin")
    with pytest.raises(ValueError, match="Enter a date and time"):
        local_datetime("tomorrow at ten", "Europe/Berlin")


def test_back_to_back_interviews_warn(planning) -> None:
    demo, candidate, loop, script, rubric = planning
    for who, start in (("priya", "09:00"), ("tomas", "09:45")):
        add_session(
            loop, demo.users[who], script, rubric, at("America/New_York", "2026-06-10", start)
        )
    db.session.refresh(loop)
    (warning,) = schedule_warnings(candidate, loop.sessions)
    assert warning.kind == "back_to_back"
    assert "Priya Raman until Wed 09:45, Tomás Ortega from 09:45 candidate time" in warning.message


def test_a_candidate_in_two_interviews_at_once_warns(planning) -> None:
    demo, candidate, loop, script, rubric = planning
    for who, start in (("priya", "09:00"), ("tomas", "09:30")):
        add_session(
            loop, demo.users[who], script, rubric, at("America/New_York", "2026-06-10", start)
        )
    db.session.refresh(loop)
    (warning,) = schedule_warnings(candidate, loop.sessions)
    assert warning.kind == "candidate_overlap"
    assert "two interviews at once" in warning.message


def test_a_start_already_past_warns_while_planning(planning) -> None:
    demo, candidate, loop, script, rubric = planning
    add_session(
        loop, demo.users["priya"], script, rubric, at("America/New_York", "2026-06-10", "10:00")
    )
    db.session.refresh(loop)
    now = datetime(2026, 6, 11, 12, 0, tzinfo=UTC)
    (warning,) = schedule_warnings(candidate, loop.sessions, now=now)
    assert warning.kind == "in_the_past"
    assert "Wed 10 Jun 10:00 candidate time has already started or happened" in warning.message
    assert schedule_warnings(candidate, loop.sessions, now=datetime(2026, 6, 1, tzinfo=UTC)) == []


def test_a_debrief_outside_the_managers_day_warns(app, demo) -> None:
    from ..conftest import sign_in

    loop = demo.opening.candidates[0].loops[0]
    manager = loop.opening.hiring_manager
    local = loop.debrief.starts_at.astimezone(ZoneInfo(manager.time_zone))
    loop.debrief.starts_at = local.replace(hour=19, minute=0).astimezone(UTC)
    loop.debrief.ends_at = loop.debrief.starts_at + timedelta(minutes=30)
    (warning,) = debrief_warnings(loop, team_policy())
    assert warning.kind == "debrief_outside_hours"
    assert "19:00" in warning.message and f"(09:00–17:00 {manager.time_zone})" in warning.message
    loop.debrief.starts_at = local.replace(hour=11, minute=0).astimezone(UTC)
    loop.debrief.ends_at = loop.debrief.starts_at + timedelta(minutes=30)
    assert debrief_warnings(loop, team_policy()) == []
    loop.debrief.starts_at = local.replace(hour=19, minute=0).astimezone(UTC)
    loop.debrief.ends_at = loop.debrief.starts_at + timedelta(minutes=30)
    db.session.commit()
    client = app.test_client()
    sign_in(client, "coordinator@example.com")
    page = html.unescape(client.get(f"/loops/{loop.id}").get_data(as_text=True))
    assert "is outside Maya Okafor's working day" in page


def test_a_pinned_debrief_an_interview_moves_past_warns(demo) -> None:
    loop = demo.opening.candidates[0].loops[0]
    debrief = loop.debrief
    debrief.pinned = True
    assert [w.kind for w in debrief_warnings(loop, team_policy())].count(
        "debrief_before_last_interview"
    ) == 0
    last = max(loop.sessions, key=lambda s: s.ends_at)
    last.starts_at = debrief.starts_at + timedelta(minutes=10)
    last.ends_at = last.starts_at + timedelta(minutes=60)
    (warning,) = [
        w
        for w in debrief_warnings(loop, team_policy())
        if w.kind == "debrief_before_last_interview"
    ]
    assert f"before the interview with {last.interviewer.name} ends" in warning.message
    assert "Move the debrief, or let it follow the interviews again" in warning.message
