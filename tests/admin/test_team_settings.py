"""The team's settings and each person's interviewing week: an admin changes the reminder
cadence, the working day and the weekly limit; reminders not yet sent follow at once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.notify.dispatcher import dispatch_due
from app.team.settings import team_policy

from ..loops.test_planning import planned, reminders  # noqa: F401  (fixture)
from ..notify.conftest import smtp  # noqa: F401  (fixture)
from ..notify.test_escalation import FRIDAY, MONDAY_9_BERLIN, on_friday  # noqa: F401
from .test_users import audit_of, post, reload

# Priya's interview on Friday ends at 14:45 UTC, 16:45 in Berlin.
PRIYA_ENDS = FRIDAY + timedelta(minutes=45)

SETTINGS = {
    "followup_minutes": "30",
    "daily_reminders": "1",
    "tell_manager_hours": "48",
    "working_day_starts": "08:30",
    "working_day_ends": "17:30",
    "weekly_interview_limit": "4",
}


def follow_ups(loop, session) -> list[datetime]:
    db.session.expire_all()
    return sorted(
        r.due_at
        for r in reminders(loop, session_id=session.id, kind="scorecard_followup")
        if r.status == "pending"
    )


def test_the_page_shows_the_defaults_until_an_admin_saves(demo, sign_in_as) -> None:
    page = sign_in_as("admin@example.com").get("/admin/team").get_data(as_text=True)
    assert 'name="followup_minutes" required type="number" value="60"' in page
    assert 'name="working_day_starts" required type="time" value="09:00"' in page
    assert 'name="weekly_interview_limit" required type="number" value="5"' in page
    assert 'href="/admin/team"' in page, "in the admin's menu"


def test_a_new_cadence_moves_the_reminders_not_yet_sent(on_friday, sign_in_as) -> None:  # noqa: F811
    demo, loop, first, _second = on_friday
    # An hour after 16:45 is past 17:00 in Berlin: Monday, then three working days more.
    assert follow_ups(loop, first) == [MONDAY_9_BERLIN + timedelta(days=n) for n in range(4)]

    client = sign_in_as("admin@example.com")
    response = post(client, "/admin/team", SETTINGS)
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert re.search(r"Team settings saved\. Unsent mail of [2-9] open loops follow them\.", page)

    # Half an hour after the interview is still Friday's working day (to 17:30); then one
    # daily one, at 08:30 Berlin (07:30 UTC: winter time by then).
    assert follow_ups(loop, first) == [
        PRIYA_ENDS + timedelta(minutes=30),
        datetime(2030, 10, 28, 7, 30, tzinfo=UTC),
    ]
    (overdue,) = [
        r
        for r in reminders(loop, session_id=first.id, kind="scorecard_overdue")
        if r.status == "pending"
    ]
    assert overdue.due_at == datetime(2030, 10, 28, 7, 30, tzinfo=UTC), "48 h: Sunday, so Monday"
    assert team_policy().weekly_interview_limit == 4

    (event,) = audit_of("team.settings_changed")
    trail = client.get("/admin/audit?kind=settings").get_data(as_text=True)
    assert "followup minutes: 60 → 30" in trail and "the team&#39;s settings" in trail
    assert event.details["changes"]["weekly_interview_limit"] == {"from": 5, "to": 4}

    # Saving the same again changes nothing and records nothing.
    response = post(client, "/admin/team", SETTINGS)
    assert "Nothing changed." in client.get(response.location).get_data(as_text=True)
    assert len(audit_of("team.settings_changed")) == 1


def test_a_wrong_setting_is_named_and_what_was_typed_stays(demo, sign_in_as) -> None:
    client = sign_in_as("admin@example.com")
    typed = {**SETTINGS, "working_day_ends": "08:00", "daily_reminders": "eleven"}
    response = post(client, "/admin/team", typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The working day must end after it starts: enter an end later than 08:30." in page
    assert "Enter a whole number, such as 3." in page
    assert 'value="eleven"' in page and 'value="30"' in page and 'value="08:00"' in page
    assert team_policy().followup_minutes == 60, "nothing saved"


def test_a_persons_own_working_day_moves_their_follow_ups(on_friday, sign_in_as) -> None:  # noqa: F811
    demo, loop, first, second = on_friday
    priya = demo.users["priya"]
    tomas_before = follow_ups(loop, second)
    client = sign_in_as("admin@example.com")
    page = client.get(f"/admin/users/{priya.id}").get_data(as_text=True)
    assert "follow the team's setting: 5 interviews a week, 09:00–17:00" in page

    week = {
        "weekly_interview_limit": "2",
        "working_day_starts": "10:00",
        "working_day_ends": "19:00",
    }
    response = post(client, f"/admin/users/{priya.id}/interviewing-week", week)
    assert response.status_code == 302
    priya = reload(priya)
    assert (priya.weekly_interview_limit, priya.working_day_ends.hour) == (2, 19)
    # 17:45 in Berlin is inside her own day now: the follow-up goes on Friday, the daily ones
    # at 10:00 her time (09:00 UTC in winter time).
    assert follow_ups(loop, first) == [
        PRIYA_ENDS + timedelta(hours=1),
        *[datetime(2030, 10, 28 + n, 9, 0, tzinfo=UTC) for n in range(3)],
    ]
    assert follow_ups(loop, second) == tomas_before, "Tomás keeps the team's day"
    (event,) = audit_of("user.interviewing_week_changed")
    assert event.details["changes"]["working_day_starts"] == {"from": None, "to": "10:00"}

    # Half a working day is refused, and blanks go back to the team's.
    half = {"weekly_interview_limit": "", "working_day_starts": "10:00", "working_day_ends": ""}
    response = post(client, f"/admin/users/{priya.id}/interviewing-week", half)
    assert response.status_code == 400
    assert "Give both the start and the end of their working day" in response.get_data(as_text=True)
    blank = {"weekly_interview_limit": "", "working_day_starts": "", "working_day_ends": ""}
    post(client, f"/admin/users/{priya.id}/interviewing-week", blank)
    priya = reload(priya)
    assert (priya.weekly_interview_limit, priya.working_day_starts) == (None, None)
    assert follow_ups(loop, first)[0] == MONDAY_9_BERLIN


def test_a_new_cadence_never_sends_again_what_went(on_friday, sign_in_as, smtp) -> None:  # noqa: F811
    demo, loop, first, _second = on_friday
    db.session.commit()
    dispatch_due(MONDAY_9_BERLIN + timedelta(seconds=30))  # Priya's first follow-up, Maya's word
    before = [(m["To"], m["Subject"]) for m in smtp.inbox.messages if "Ines" in m["Subject"]]
    assert any(subject.endswith("is a day late") for _, subject in before)

    client = sign_in_as("admin@example.com")
    assert post(client, "/admin/team", SETTINGS).status_code == 302
    dispatch_due(MONDAY_9_BERLIN + timedelta(minutes=5))
    after = [(m["To"], m["Subject"]) for m in smtp.inbox.messages if "Ines" in m["Subject"]]
    assert after == before, "the follow-up and the manager's word went once, not again"
