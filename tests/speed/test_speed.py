"""The speed dashboard: interview end to scorecard, last interview to decision, over a chosen
period and week by week, for the openings the reader may see."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.auth.accounts import create_user
from app.auth.permissions import team_openings_filter
from app.demo.history import seed_history
from app.extensions import db
from app.models import InterviewSession, Loop, Opening
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
