"""Interviewer load: each person's interviews in a week against their limit (the team's, or
their own), shown in the planner's interviewer list, with warnings when a loop passes it or an
interview falls outside the working day someone keeps."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

from app.extensions import db
from app.loops.load import load_warnings, weekly_loads
from app.loops.planning import cancel_loop, move_session, plan_session, start_loop
from app.models import Candidate
from app.team import team_policy

from .test_planning import planned  # noqa: F401  (fixture)

MONDAY = datetime(2030, 6, 3, 9, 0, tzinfo=UTC)  # the planned loop's week


def another_loop(demo, name: str, interviewer, starts_at: datetime):
    """A second candidate's loop with one interview for `interviewer`."""
    candidate = Candidate(opening=demo.opening, name=name, email=f"{name.split()[0]}@example.org")
    db.session.add(candidate)
    db.session.flush()
    loop = start_loop(candidate, demo.users["coordinator"])
    template = demo.opening.candidates[0].loops[0].sessions[0]
    plan_session(
        loop,
        demo.users["coordinator"],
        interviewer=interviewer,
        script=template.script,
        rubric=template.rubric,
        starts_at=starts_at,
        focus_competencies=["api-design"],
    )
    db.session.flush()
    db.session.refresh(loop)
    return loop


def test_a_week_counts_live_loops_in_the_persons_own_zone(planned) -> None:  # noqa: F811
    demo, loop, first, second = planned
    priya, tomas = demo.users["priya"], demo.users["tomas"]
    another_loop(demo, "Lea Roth", priya, MONDAY + timedelta(days=2))
    # Sunday 23:30 UTC is already Monday in Berlin: her week; not in London's.
    another_loop(demo, "Max Weber", priya, MONDAY - timedelta(hours=9, minutes=30))
    cancelled = another_loop(demo, "Ola Berg", priya, MONDAY + timedelta(days=1))
    cancel_loop(cancelled, demo.users["coordinator"])
    another_loop(demo, "Ann Lee", priya, MONDAY + timedelta(days=7))  # the week after
    loads = weekly_loads([priya, tomas], MONDAY, team_policy())
    assert (loads[priya.id].interviews, loads[priya.id].limit) == (3, 5)
    assert loads[priya.id].week_starts.isoformat() == "2030-06-03"
    assert (loads[tomas.id].interviews, loads[tomas.id].over) == (1, False)


def test_passing_a_weekly_limit_warns_in_every_loop_it_touches(planned) -> None:  # noqa: F811
    demo, loop, first, second = planned
    priya = demo.users["priya"]
    assert [w.kind for w in load_warnings(loop, team_policy())] == []
    priya.weekly_interview_limit = 1
    other = another_loop(demo, "Lea Roth", priya, MONDAY + timedelta(days=2))
    for each in (loop, other):
        (warning,) = load_warnings(each, team_policy())
        assert warning.kind == "over_weekly_limit"
        assert warning.message.startswith(
            "Priya Raman would have 2 interviews in the week of Mon 03 Jun (Europe/Berlin); "
            "their limit is 1 a week."
        )
        assert warning.session_ids == tuple(s.id for s in each.sessions if s.interviewer == priya)
    # Moved to the next week, it no longer warns.
    move_session(other.sessions[0], MONDAY + timedelta(days=8), demo.users["coordinator"])
    assert load_warnings(loop, team_policy()) == []


def test_an_interview_outside_the_day_someone_keeps_warns(planned) -> None:  # noqa: F811
    demo, loop, first, second = planned
    priya = demo.users["priya"]
    priya.working_day_starts, priya.working_day_ends = time(12, 0), time(18, 0)
    # 09:00 UTC is 11:00 in Berlin in June: before her day starts. Tomás keeps no hours of
    # his own, so the team's day is no rule for his interviews.
    (warning,) = load_warnings(loop, team_policy())
    assert warning.kind == "outside_interviewer_hours" and warning.session_ids == (first.id,)
    assert "Mon 03 Jun 11:00–" in warning.message and "(12:00–18:00)" in warning.message
    move_session(first, MONDAY + timedelta(hours=4), demo.users["coordinator"])
    assert load_warnings(loop, team_policy()) == []


def test_the_planner_lists_each_interviewers_week_and_warns(
    planned,  # noqa: F811
    sign_in_as,
    count_statements,
) -> None:
    demo, loop, first, second = planned
    priya = demo.users["priya"]
    priya.weekly_interview_limit = 1
    priya.working_day_starts, priya.working_day_ends = time(8, 0), time(16, 0)
    db.session.commit()
    client = sign_in_as("coordinator@example.com")
    page = client.get(f"/loops/{loop.id}").get_data(as_text=True)
    assert "Each person&#39;s interviews in the week of Mon 03 Jun" in page
    assert re.search(
        r"Priya Raman \(priya@example.com\) · 1 of 1 interviews that week, full; "
        r"works 08:00–16:00</option>",
        page,
    )
    assert "Tomás Ortega (tomas@example.com) · 1 of 5 interviews that week</option>" in page

    with count_statements() as few:
        client.get(f"/loops/{loop.id}")
    for n in range(6):
        another_loop(demo, f"Guest{n} Person", priya, MONDAY + timedelta(days=1, hours=n))
    db.session.commit()
    with count_statements() as many:
        page = client.get(f"/loops/{loop.id}").get_data(as_text=True)
    assert "Priya Raman would have 7 interviews in the week of Mon 03 Jun" in page
    assert "7 of 1 interviews that week, full" in page
    assert many.count == few.count, "one query for everyone's week, however full"
