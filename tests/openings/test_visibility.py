"""Who sees which openings and candidates: the rules in app/auth/permissions.py, and their SQL
twins that filter the lists, agree for every user and every row; list and detail pages agree."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.auth.accounts import create_user
from app.auth.permissions import can, visible_candidates_filter, visible_openings_filter
from app.demo import DEMO_PASSWORD, DemoTeam
from app.extensions import db
from app.models import Candidate, InterviewSession, Loop, Opening, Scorecard, User

from ..conftest import sign_in


def add_loop(candidate: Candidate, *interviewers: User) -> Loop:
    """A loop for `candidate` with one session per interviewer (their draft scorecards too)."""
    template = db.session.execute(select(InterviewSession).limit(1)).scalar_one()
    loop = Loop(candidate=candidate, opening_id=candidate.opening_id)
    db.session.add(loop)
    start = datetime.now(UTC) + timedelta(days=3)
    for n, interviewer in enumerate(interviewers):
        session = InterviewSession(
            loop=loop,
            interviewer=interviewer,
            script_version_id=template.script_version_id,
            rubric_version_id=template.rubric_version_id,
            starts_at=start + timedelta(hours=n),
            ends_at=start + timedelta(hours=n, minutes=45),
        )
        db.session.add_all([session, Scorecard(session=session, interviewer=interviewer)])
    db.session.flush()
    return loop


@pytest.fixture
def world(demo: DemoTeam) -> dict:
    """The demo (Maya's opening: Lena on a loop with Priya and Tomás, Arjun on none), plus Otto's
    opening: Sam on a loop where Kwame and Maya (a hiring manager on another's panel)
    interview, Noor on none. And a deactivated coordinator."""
    users = dict(demo.users)
    users["otto"] = create_user("otto@example.com", "Otto Other", "hiring_manager", DEMO_PASSWORD)
    users["gone"] = create_user("gone@example.com", "Gone Coord", "coordinator", DEMO_PASSWORD)
    users["gone"].active = False
    design = Opening(title="Product Designer", hiring_manager=users["otto"])
    sam = Candidate(opening=design, name="Sam Søndergaard", email="sam@example.org")
    noor = Candidate(opening=design, name="Noor Haddad", email="noor@example.org")
    db.session.add_all([design, sam, noor])
    db.session.flush()
    add_loop(sam, users["kwame"], users["manager"])
    db.session.commit()
    return {"users": users, "openings": [demo.opening, design]}


# who -> (candidates they see, openings they see)
EXPECTED = {
    "admin": ({"Lena Fischer", "Arjun Mehta", "Sam Søndergaard", "Noor Haddad"}, 2),
    "coordinator": ({"Lena Fischer", "Arjun Mehta", "Sam Søndergaard", "Noor Haddad"}, 2),
    "manager": ({"Lena Fischer", "Arjun Mehta", "Sam Søndergaard"}, 2),
    "otto": ({"Sam Søndergaard", "Noor Haddad"}, 1),
    "priya": ({"Lena Fischer"}, 1),
    "tomas": ({"Lena Fischer"}, 1),
    "kwame": ({"Sam Søndergaard"}, 1),
    "gone": (set(), 0),
}


def all_rows(model) -> list:
    return list(db.session.execute(select(model).order_by(model.id)).scalars())


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_the_sql_filters_agree_with_the_rules(world, who) -> None:
    user = world["users"][who]
    for model, action, where in (
        (Candidate, "candidate.view", visible_candidates_filter),
        (Opening, "opening.view", visible_openings_filter),
    ):
        listed = set(db.session.execute(select(model.id).where(where(user))).scalars())
        allowed = {row.id for row in all_rows(model) if can(user, action, row)}
        assert listed == allowed, (who, action)
    seen = {c.name for c in all_rows(Candidate) if can(user, "candidate.view", c)}
    assert seen == EXPECTED[who][0]
    assert len([o for o in all_rows(Opening) if can(user, "opening.view", o)]) == EXPECTED[who][1]


def test_nobody_signed_in_sees_nothing(world) -> None:
    assert (
        db.session.execute(select(Candidate.id).where(visible_candidates_filter(None))).all() == []
    )
    assert db.session.execute(select(Opening.id).where(visible_openings_filter(None))).all() == []


def listed_names(page: str, card: str) -> set[str]:
    return set(re.findall(rf'class="card {card}">\s*<p><a href="[^"]+"><strong>([^<]+)<', page))


@pytest.mark.parametrize("who", sorted(set(EXPECTED) - {"gone"}))
def test_list_and_detail_pages_agree(app, world, who) -> None:
    user = world["users"][who]
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 302
    listed = listed_names(client.get("/candidates/").get_data(as_text=True), "candidate-card")
    assert listed == EXPECTED[who][0]
    for candidate in all_rows(Candidate):
        status = client.get(f"/candidates/{candidate.id}").status_code
        assert status == (200 if candidate.name in listed else 403), (who, candidate.name)
    openings = listed_names(client.get("/openings/").get_data(as_text=True), "opening-card")
    assert len(openings) == EXPECTED[who][1]
    for opening in world["openings"]:
        status = client.get(f"/openings/{opening.id}").status_code
        assert status == (200 if opening.title in openings else 403), (who, opening.title)


def test_an_interviewer_sees_only_the_candidates_they_interview(app, world) -> None:
    client = app.test_client()
    assert sign_in(client, "priya@example.com").status_code == 302
    opening = client.get(f"/openings/{world['openings'][0].id}").get_data(as_text=True)
    assert "Lena Fischer" in opening
    assert "Arjun Mehta" not in opening, "an opening's page lists only candidates they may see"
    assert "Add candidate" not in opening and "Edit opening" not in opening
    everyone = client.get("/candidates/?q=a").get_data(as_text=True)
    assert "Arjun Mehta" not in everyone and "Sam Søndergaard" not in everyone
    listing = client.get("/openings/").get_data(as_text=True)
    assert "1 candidate ·" in listing, "counts only what they may see"


def test_a_hiring_manager_on_anothers_panel_reads_but_does_not_manage(app, world) -> None:
    sam = db.session.execute(select(Candidate).where(Candidate.name.like("Sam%"))).scalar_one()
    manager = world["users"]["manager"]
    assert can(manager, "candidate.view", sam)
    assert not can(manager, "candidate.manage", sam)
    assert not can(manager, "opening.manage", sam.opening)
    db.session.commit()
    client = app.test_client()
    assert sign_in(client, manager.email).status_code == 302
    assert client.get(f"/candidates/{sam.id}/edit").status_code == 403
    assert client.get(f"/openings/{sam.opening_id}/candidates/new").status_code == 403


def test_whom_an_opening_may_be_assigned_to(world) -> None:
    users = world["users"]
    assert can(users["coordinator"], "opening.assign", users["otto"])
    assert can(users["admin"], "opening.assign", users["manager"])
    assert can(users["manager"], "opening.assign", users["manager"])
    assert not can(users["manager"], "opening.assign", users["otto"])
    assert not can(users["priya"], "opening.assign", users["manager"])
    assert not can(users["gone"], "opening.assign", users["otto"])
