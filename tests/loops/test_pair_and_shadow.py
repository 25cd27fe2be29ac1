"""Pair and shadow interviews: a co-interviewer writes a scorecard of their own, blind to the
lead's until submitted, and counts as another rater; a shadow's scorecard is marked training,
shown apart in the debrief, and never counts in the composite, the tally or the decision."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.auth.accounts import create_user
from app.auth.permissions import can
from app.debriefs.decisions import DecisionError, chase_scorecard
from app.debriefs.summary import summarise
from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.loops.load import experience_of, load_warnings, weekly_loads
from app.loops.planning import (
    PlanningError,
    add_panelist,
    competency_names,
    confirm_loop,
    coverage_matrix,
    remove_panelist,
)
from app.team import team_policy

from ..conftest import sign_in
from ..debriefs.test_debrief import submit
from .test_planning import planned, reminders  # noqa: F401  (fixture)


@pytest.fixture
def paired(planned):  # noqa: F811
    """Priya's interview with Kwame beside her and Sam shadowing, the loop confirmed."""
    demo, loop, first, second = planned
    sam = create_user("sam@example.com", "Sam Sato", "interviewer", DEMO_PASSWORD, "Asia/Tokyo")
    coordinator = demo.users["coordinator"]
    add_panelist(first, demo.users["kwame"], "co", coordinator)
    add_panelist(first, sam, "shadow", coordinator)
    confirm_loop(loop, coordinator, "ok")
    db.session.commit()
    db.session.refresh(first)
    cards = {card.interviewer.name: card for card in first.scorecards}
    return demo, loop, first, second, sam, cards


def test_each_sitting_in_gets_a_scorecard_an_invite_and_the_due_mail(paired) -> None:
    demo, loop, first, second, sam, cards = paired
    assert set(cards) == {"Priya Raman", "Kwame Mensah", "Sam Sato"}
    assert [cards[n].training for n in ("Priya Raman", "Kwame Mensah", "Sam Sato")] == [
        False,
        False,
        True,
    ]
    invited = {r.recipient.name for r in reminders(loop, kind="session_invite")}
    assert {"Priya Raman", "Kwame Mensah", "Sam Sato", "Tomás Ortega"} <= invited
    due = {r.recipient.name for r in reminders(loop, kind="scorecard_due", session_id=first.id)}
    assert due == {"Priya Raman", "Kwame Mensah", "Sam Sato"}
    chased = {
        r.recipient.name for r in reminders(loop, kind="scorecard_followup", session_id=first.id)
    }
    assert chased == {"Priya Raman", "Kwame Mensah"}, "a shadow is not chased"
    with pytest.raises(PlanningError, match="already in this interview"):
        add_panelist(first, demo.users["kwame"], "shadow", demo.users["coordinator"])


def test_a_co_interviewer_counts_and_a_shadow_is_shown_apart(paired) -> None:
    demo, loop, first, second, sam, cards = paired
    focus = {k: 3 for k in first.focus_competencies}
    submit(cards["Priya Raman"], focus, "yes")
    submit(cards["Sam Sato"], {k: 1 for k in first.focus_competencies}, "strong_no")
    db.session.flush()
    summary = summarise(loop, competency_names(), include_private=False)
    missing = [m.interviewer.name for m in summary.missing_scorecards]
    assert missing == ["Kwame Mensah", "Tomás Ortega"], "the shadow's is never awaited"
    kwame = demo.users["kwame"]
    assert not can(kwame, "scorecard.view_content", cards["Priya Raman"]), "blind until his"
    submit(cards["Kwame Mensah"], {k: 4 for k in first.focus_competencies}, "strong_yes")
    db.session.flush()
    assert can(kwame, "scorecard.view_content", cards["Priya Raman"])
    summary = summarise(loop, competency_names(), include_private=False)
    assert [c.interviewer.name for c in summary.columns] == ["Priya Raman", "Kwame Mensah"]
    assert [c.label for c in summary.training] == ["Sam Sato (shadow, in training)"]
    row = next(r for r in summary.rows if r.key == first.focus_competencies[0])
    assert sorted(row.levels) == [3, 4], "two raters; the shadow's 1 is not among them"
    assert summary.recommendations["strong_no"] == 0
    ready = reminders(loop, kind="ready_for_debrief")
    assert ready == [], "Tomás is still out"


def test_sitting_in_is_on_the_home_page_and_the_form_is_their_own(paired, app) -> None:
    demo, loop, first, second, sam, cards = paired
    first.starts_at = first.starts_at.replace(year=2031)  # upcoming
    first.ends_at = first.starts_at + timedelta(minutes=45)
    db.session.commit()
    client = app.test_client()
    sign_in(client, "sam@example.com")
    home = client.get("/").get_data(as_text=True)
    assert "with Priya Raman, as shadow" in home
    page = client.get(f"/interviews/{first.id}").get_data(as_text=True)
    assert f'data-scorecard-id="{cards["Sam Sato"].id}"' in page


def test_only_an_empty_seat_is_taken_out(paired) -> None:
    demo, loop, first, second, sam, cards = paired
    coordinator = demo.users["coordinator"]
    cards["Kwame Mensah"].stage_notes = {"pitch": "They asked about on-call."}
    db.session.flush()
    with pytest.raises(PlanningError, match="has written in their scorecard"):
        remove_panelist(first, demo.users["kwame"], coordinator)
    remove_panelist(first, sam, coordinator)
    db.session.flush()
    db.session.refresh(first)
    assert [p.user.name for p in first.panelists] == ["Kwame Mensah"]
    assert {c.interviewer.name for c in first.scorecards} == {"Priya Raman", "Kwame Mensah"}
    # Their invitation had not gone yet: it is withdrawn, and nothing else goes to them.
    theirs = [r for r in reminders(loop) if r.recipient_id == sam.id]
    assert theirs and all(r.status == "cancelled" for r in theirs)


def test_experience_counts_what_each_led_co_interviewed_and_shadowed(paired) -> None:
    demo, loop, first, second, sam, cards = paired
    after = first.ends_at + timedelta(minutes=1)
    people = [demo.users["priya"], demo.users["kwame"], sam]
    done = experience_of(people, after)
    assert done[demo.users["priya"].id].led >= 1
    assert (done[demo.users["kwame"].id].co, done[sam.id].shadowed) == (1, 1)
    assert done[sam.id].words == "led 0, co-interviewed 0, shadowed 1"
    assert experience_of(people, first.starts_at)[sam.id].shadowed == 0, "not held yet"


def test_a_co_interviewer_is_a_rater_and_reads_what_the_lead_may(paired) -> None:
    demo, loop, first, second, sam, cards = paired
    key = first.focus_competencies[0]
    (row,) = [r for r in coverage_matrix(loop, competency_names()) if r.key == key]
    assert row.raters == 2, "Priya and Kwame; the shadow does not count"
    kwame = demo.users["kwame"]
    assert can(kwame, "candidate.view", loop.candidate)
    assert can(kwame, "opening.view", loop.opening)
    assert can(sam, "session.view", first)
    with pytest.raises(DecisionError, match="not chased"):
        chase_scorecard(first, demo.users["manager"], sam.id)
    chase_scorecard(first, demo.users["manager"], kwame.id)
    (chase,) = reminders(loop, kind="scorecard_chase")
    assert chase.recipient_id == kwame.id


def test_a_seat_beside_the_lead_counts_in_the_week(paired) -> None:
    demo, loop, first, second, sam, cards = paired
    sam.weekly_interview_limit = 0
    (warning,) = [w for w in load_warnings(loop, team_policy()) if "Sam Sato" in w.message]
    assert warning.kind == "over_weekly_limit" and warning.session_ids == (first.id,)
    assert weekly_loads([sam], first.starts_at, team_policy())[sam.id].interviews == 1
