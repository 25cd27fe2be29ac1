"""The signed-in home page: upcoming interviews, in the viewer's time zone, in constant SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.demo import DemoTeam
from app.extensions import db
from app.models import InterviewSession, Scorecard, User


def test_interviewer_sees_todays_demo_session(demo: DemoTeam, sign_in_as) -> None:
    client = sign_in_as("priya@example.com")
    page = client.get("/").get_data(as_text=True)
    assert "Lena Fischer" in page
    assert "Senior Backend Engineer" in page
    assert "45-minute staged interview" in page
    session = demo.opening.candidates[0].loops[0].sessions[0]
    local = session.starts_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin"))
    assert local.strftime("%a %d %b, %H:%M") in page, "times are shown in the viewer's zone"
    assert "Europe/Berlin" in page
    assert "focus: API and interface design" in page and "api-design" not in page


def test_someone_without_sessions_sees_an_empty_list(demo: DemoTeam, sign_in_as) -> None:
    page = sign_in_as("kwame@example.com").get("/").get_data(as_text=True)
    assert "No interviews coming up." in page
    assert "Lena Fischer" not in page


def test_each_interview_is_listed_once_upcoming_then_owed(demo: DemoTeam, sign_in_as) -> None:
    """Before it ends, an interview is on the upcoming list; after, its draft is a scorecard
    owed. Never both: two rows for one scorecard read as two things to do."""
    session = demo.opening.candidates[0].loops[0].sessions[0]
    link = f'href="/interviews/{session.id}"'
    client = sign_in_as("priya@example.com")
    page = client.get("/").get_data(as_text=True)
    assert page.count(link) == 1, "tomorrow's interview: upcoming only"
    assert 'id="owed-title"' not in page

    session.starts_at -= timedelta(days=2)
    session.ends_at -= timedelta(days=2)
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert page.count(link) == 1, "ended: owed only"
    owed = page[page.index('id="owed-title"') : page.index('id="upcoming-title"')]
    assert link in owed and "Due now" in owed


def add_upcoming_sessions(demo: DemoTeam, user: User, count: int) -> None:
    template = db.session.execute(select(InterviewSession).limit(1)).scalar_one()
    start = datetime.now(UTC) + timedelta(days=1)
    for n in range(count):
        session = InterviewSession(
            loop_id=template.loop_id,
            interviewer_id=user.id,
            script_version_id=template.script_version_id,
            rubric_version_id=template.rubric_version_id,
            focus_competencies=["api-design"],
            starts_at=start + timedelta(hours=n),
            ends_at=start + timedelta(hours=n, minutes=45),
        )
        db.session.add(session)
        db.session.add(Scorecard(session=session, interviewer_id=user.id))
    db.session.commit()


@pytest.mark.parametrize("count", [10, 1000])
def test_home_page_sql_does_not_grow_with_sessions(
    demo, sign_in_as, count_statements, count
) -> None:
    kwame = demo.users["kwame"]
    add_upcoming_sessions(demo, kwame, count)
    client = sign_in_as("kwame@example.com")
    with count_statements() as counter:
        response = client.get("/")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('class="card session-card"') == min(count, 20)
    # One statement each: the signed-in user, the upcoming sessions with everything they
    # show, who sits in on them, the scorecards owed with their loops.
    assert counter.count == 4, counter.statements


def test_health_checks_the_database(client) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
