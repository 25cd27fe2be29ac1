"""The permission policy as a matrix: who x relation to the scorecard x action.

Independent judgement is the rule under test: nobody reads a draft but its author; a panel
member reads the panel's submitted scorecards only after submitting their own (a hiring manager
on the panel too); coordinators see status, never content; private answers stay with the
author, the opening's hiring manager and admins.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.auth.accounts import create_user
from app.auth.permissions import RULES, can, debriefs_viewable
from app.demo import DemoTeam
from app.extensions import db
from app.loops.planning import add_session
from app.models import Opening, Scorecard, ScorecardStatus
from app.storage.types import utcnow

ACTIONS = (
    "scorecard.view_content",
    "scorecard.view_private",
    "scorecard.edit",
    "scorecard.view_status",
    "debrief.view",
    "debrief.decide",
)


def submit(scorecard: Scorecard) -> None:
    scorecard.status = ScorecardStatus.SUBMITTED
    scorecard.submitted_at = utcnow()
    db.session.flush()


@pytest.fixture
def panel(demo: DemoTeam):
    """The demo loop: Priya and Tomás interview; Maya manages the opening."""
    loop = demo.opening.candidates[0].loops[0]
    by_interviewer = {s.interviewer.email.split("@")[0]: s.scorecard for s in loop.sessions}
    other_manager = create_user("other.manager@example.com", "Otto", "hiring_manager", "x" * 12)
    db.session.add(Opening(title="Designer", hiring_manager=other_manager))
    db.session.flush()
    return demo, loop, by_interviewer, other_manager


# (who, scenario) -> the actions allowed on Tomás's scorecard; every other action is refused.
# Scenarios: "draft" (Tomás has not submitted), "submitted" (he has), "+priya" (Priya has
# submitted hers too), "hm-on-panel" (Maya sits on the panel, her own still a draft).
EXPECTED = {
    ("tomas", "draft"): {
        "scorecard.view_content",
        "scorecard.view_private",
        "scorecard.edit",
        "scorecard.view_status",
    },
    ("tomas", "submitted"): {
        "scorecard.view_content",
        "scorecard.view_private",
        "scorecard.view_status",
        "debrief.view",
    },
    ("priya", "draft"): {"scorecard.view_status"},
    ("priya", "submitted"): {"scorecard.view_status"},
    ("priya", "submitted+priya"): {
        "scorecard.view_content",
        "scorecard.view_status",
        "debrief.view",
    },
    ("manager", "draft"): {"scorecard.view_status", "debrief.view", "debrief.decide"},
    ("manager", "submitted"): {
        "scorecard.view_content",
        "scorecard.view_private",
        "scorecard.view_status",
        "debrief.view",
        "debrief.decide",
    },
    ("manager", "submitted+hm-on-panel"): {"scorecard.view_status", "debrief.decide"},
    ("manager", "submitted+hm-on-panel+hm-submitted"): {
        "scorecard.view_content",
        "scorecard.view_private",
        "scorecard.view_status",
        "debrief.view",
        "debrief.decide",
    },
    ("other_manager", "submitted"): set(),
    ("admin", "draft"): {"scorecard.view_status", "debrief.view", "debrief.decide"},
    ("admin", "submitted"): {
        "scorecard.view_content",
        "scorecard.view_private",
        "scorecard.view_status",
        "debrief.view",
        "debrief.decide",
    },
    ("coordinator", "draft"): {"scorecard.view_status"},
    ("coordinator", "submitted"): {"scorecard.view_status"},
    ("kwame", "submitted"): set(),
}


@pytest.mark.parametrize("who,scenario", sorted(EXPECTED), ids=lambda v: str(v))
def test_scorecard_and_debrief_permissions(panel, who: str, scenario: str) -> None:
    demo, loop, scorecards, other_manager = panel
    steps = scenario.split("+")
    if "submitted" in steps:
        submit(scorecards["tomas"])
    if "priya" in steps:
        submit(scorecards["priya"])
    if "hm-on-panel" in steps:
        session = add_session(
            loop,
            demo.users["manager"],
            loop.sessions[0].script,
            loop.sessions[0].rubric,
            datetime.now(UTC) + timedelta(days=2),
        )
        if "hm-submitted" in steps:
            submit(session.scorecard)
    db.session.refresh(loop)
    user = other_manager if who == "other_manager" else demo.users[who]
    target = scorecards["tomas"]
    allowed = {
        action
        for action in ACTIONS
        if can(user, action, loop if action.startswith("debrief") else target)
    }
    assert allowed == EXPECTED[(who, scenario)]


def test_anonymous_and_deactivated_users_may_do_nothing(panel) -> None:
    demo, loop, scorecards, _ = panel
    admin = demo.users["admin"]
    admin.active = False
    for action in RULES:
        assert not can(None, action, scorecards["tomas"])
        assert not can(admin, action, scorecards["tomas"])


def test_an_action_without_a_rule_is_an_error(panel) -> None:
    demo, *_ = panel
    with pytest.raises(KeyError):
        can(demo.users["admin"], "scorecard.burn")


@pytest.mark.parametrize("priya_submitted", [False, True])
def test_the_many_loops_form_of_the_debrief_rule_agrees_with_can(
    demo: DemoTeam, priya_submitted: bool
) -> None:
    """`debriefs_viewable` decides a whole page of loops at once; it must give, for every
    person and loop, exactly what `can(user, "debrief.view", loop)` gives."""
    loops = [loop for candidate in demo.opening.candidates for loop in candidate.loops]
    if priya_submitted:
        card = next(
            s.scorecard for s in loops[0].sessions if s.interviewer.email == "priya@example.com"
        )
        card.status, card.submitted_at = ScorecardStatus.SUBMITTED, utcnow()
        db.session.flush()
    for user in demo.users.values():
        expected = {loop.id for loop in loops if can(user, "debrief.view", loop)}
        assert debriefs_viewable(user, loops) == expected, user.email
