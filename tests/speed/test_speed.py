"""The speed dashboard: interview end to scorecard, last interview to decision, over a chosen
period and week by week, for the openings the reader may see."""

from __future__ import annotations

import html
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from statistics import median

import pytest
from sqlalchemy import select

from app.auth.accounts import create_user
from app.auth.permissions import team_openings_filter
from app.demo.history import seed_history
from app.extensions import db
from app.models import InterviewSession, Loop, Opening, User
from app.speed.figures import speed

from ..conftest import sign_in

WAITS = [0.5, 2, 10, 30, 1, 3, 50, 0.2]  # hours from interview end to submission


@pytest.fixture
def timed(app, demo):
    """Two past loops whose eight scorecards came in after WAITS, decided 20 h and 60 h after
    their last interview."""
    now = datetime.now(UTC)
    seed_history(demo.users, demo.opening, now, candidates=2, days=10)
    db.session.flush()
    loops = (
        db.session.execute(select(Loop).where(Loop.debrief.has()).order_by(Loop.id)).scalars().all()
    )
    loops = [loop for loop in loops if loop.debrief.decided_at is not None]
    sessions = [s for loop in loops for s in loop.sessions]
    for session, hours in zip(sessions, WAITS, strict=True):
        session.scorecard.submitted_at = session.ends_at + timedelta(hours=hours)
    for loop, hours in zip(loops, (20, 60), strict=True):
        last = max(s.ends_at for s in loop.sessions)
        loop.debrief.decided_at = last + timedelta(hours=hours)
    db.session.commit()
    return loops


def text_of(response) -> str:
    body = html.unescape(response.get_data(as_text=True))
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_the_figures_are_the_waits_people_had(app, demo, timed) -> None:
    figures = speed(team_openings_filter(demo.users["manager"]), datetime.now(UTC))
    assert figures.scorecards == 8
    assert figures.feedback_median_hours == pytest.approx(2.5)  # between 2 and 3
    assert figures.feedback_p90_hours == pytest.approx(50)  # the 8th of 8, nearest rank
    assert figures.within_hour == pytest.approx(3 / 8)  # 0.2, 0.5 and 1 h
    assert figures.within_day == pytest.approx(6 / 8)
    assert figures.decisions == 2
    assert figures.decision_median_hours == pytest.approx(40)
    assert figures.decided_within_two_days == pytest.approx(0.5)
    assert len(figures.weeks) == 8 and sum(w.scorecards for w in figures.weeks) == 8


def test_the_dashboard_shows_them_for_the_managers_openings_only(app, demo, timed) -> None:
    client = app.test_client()
    sign_in(client, "manager@example.com")
    response = client.get("/speed/")
    assert response.status_code == 200
    text = text_of(response)
    assert "Median wait 2.5 h" in text and "90th percentile 50.0 h" in text
    assert "Within an hour 38 %" in text and "Within 24 hours 75 %" in text
    assert "Decisions 2 Median wait 40.0 h Within 48 hours 50 %" in text
    body = response.get_data(as_text=True)
    chart = body[body.index('class="chart bar-chart') :]
    assert chart[: chart.index("</svg>")].count("<rect") == 8, "one bar per week"
    four = text_of(client.get("/speed/?weeks=4"))
    assert "Scorecards 8" in four

    other = create_user("nia@example.com", "Nia Brooks", "hiring_manager", "loopkit-demo")
    db.session.add(Opening(title="Data Engineer", hiring_manager=other, competency_keys=[]))
    db.session.commit()
    theirs = app.test_client()
    sign_in(theirs, "nia@example.com")
    assert "Scorecards 0" in text_of(theirs.get("/speed/"))
    assert theirs.get(f"/speed/?opening={demo.opening.id}").status_code == 404


def test_the_dashboard_sends_the_same_statements_as_history_grows(
    app, demo, count_statements
) -> None:
    client = app.test_client()
    sign_in(client, "admin@example.com")
    counts = []
    for seed, candidates, days in ((1, 4, 20), (2, 40, 400)):
        seed_history(demo.users, demo.opening, datetime.now(UTC), candidates, days=days, seed=seed)
        db.session.commit()
        with count_statements() as counter:
            assert client.get("/speed/").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    older = db.session.execute(
        select(InterviewSession.id).where(
            InterviewSession.ends_at < datetime.now(UTC) - timedelta(weeks=9)
        )
    ).first()
    assert older is not None, "the second seed reaches back past the period"


def test_late_work_is_listed_with_the_step_that_unblocks_it(app, demo, priya_card) -> None:
    """Lena's interviews were three days ago and nothing is in: each scorecard gets a Remind
    button, the begun debrief a way to move it; once all are in, a way to decide."""
    loop = priya_card.session.loop
    for n, session in enumerate(loop.sessions):
        session.starts_at = datetime.now(UTC) - timedelta(days=3, hours=-n)
        session.ends_at = session.starts_at + timedelta(minutes=45)
    loop.debrief.starts_at = loop.sessions[-1].ends_at + timedelta(minutes=30)
    loop.debrief.ends_at = loop.debrief.starts_at + timedelta(minutes=30)
    db.session.commit()

    client = app.test_client()
    sign_in(client, "manager@example.com")
    page = client.get("/speed/")
    body = page.get_data(as_text=True)
    text = text_of(page)
    for session in loop.sessions:
        name = session.interviewer.name
        assert f"{name} owes a scorecard for Lena Fischer" in text
        assert f"/loops/{loop.id}/sessions/{session.id}/chase" in body
    assert "2 scorecards still out" in text and "Move the debrief" in text
    token = re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)
    first = loop.sessions[0]
    reminded = client.post(
        f"/loops/{loop.id}/sessions/{first.id}/chase", data={"csrf_token": token}
    )
    assert reminded.status_code == 302

    for session in loop.sessions:
        session.scorecard.status = "submitted"
        session.scorecard.submitted_at = session.ends_at + timedelta(hours=30)
        session.scorecard.recommendation = "yes"
    db.session.commit()
    text = text_of(client.get("/speed/"))
    assert "owes a scorecard" not in text
    assert "nothing is decided" in text and "Decide" in text and "still out" not in text


def test_an_interviewer_sees_their_own_waits_and_nobody_elses(app, demo, timed) -> None:
    sessions = [s for loop in timed for s in loop.sessions]
    busiest = Counter(s.interviewer_id for s in sessions).most_common(1)[0][0]
    me = db.session.get(User, busiest)
    waits = [
        (s.scorecard.submitted_at - s.ends_at).total_seconds() / 3600
        for s in sessions
        if s.interviewer_id == busiest
    ]
    assert 0 < len(waits) < 8
    client = app.test_client()
    sign_in(client, me.email)
    text = text_of(client.get("/speed/me"))
    assert f"Scorecards {len(waits)} " in text
    assert f"Median wait {median(waits):.1f} h" in text
    assert "Decisions" not in text and "Late right now" not in text
    if me.role != "hiring_manager":
        assert client.get("/speed/").status_code == 403
