"""No question asked twice: an interview page marks the questions an earlier interview of the
loop asks too, and the planner warns when two interviews' scripts share questions."""

from __future__ import annotations

import re
from datetime import timedelta

from app.extensions import db
from app.loops.planning import plan_session
from app.loops.questions import asked_earlier, shared_question_warnings

from .test_planning import planned  # noqa: F401  (fixture)

PROJECT = "Tell me about a recent project you are proud of."


def same_script_again(demo, loop, first):
    """Kwame interviews later the same day with Priya's script."""
    third = plan_session(
        loop,
        demo.users["coordinator"],
        interviewer=demo.users["kwame"],
        script=first.script,
        rubric=first.rubric,
        starts_at=first.starts_at + timedelta(hours=5),
        focus_competencies=["api-design"],
    )
    db.session.flush()
    db.session.refresh(loop)
    return third


def test_different_scripts_share_nothing(planned) -> None:  # noqa: F811
    demo, loop, first, second = planned
    assert shared_question_warnings(loop) == []
    assert asked_earlier(second) == {}


def test_the_later_interview_marks_what_the_earlier_one_asks(planned, sign_in_as) -> None:  # noqa: F811
    demo, loop, first, second = planned
    third = same_script_again(demo, loop, first)
    found = asked_earlier(third)
    asks = first.script.interviewer_questions.values()
    assert set(found) == set(asks) and all(v == [first] for v in found.values())
    assert not any("what would you like to know" in a.casefold() for a in asks), (
        "the candidate's own questions stage is theirs, not a repeat"
    )
    assert asked_earlier(first) == {}, "the first interview has nothing before it"
    db.session.commit()

    page = sign_in_as("kwame@example.com").get(f"/interviews/{third.id}").get_data(as_text=True)
    project = page[page.index(PROJECT) :][:600]
    assert "Already asked</strong> in this loop by Priya Raman (Mon 03 Jun)" in project
    assert page.count("Already asked</strong>") == len(found)


def test_the_planner_warns_of_scripts_that_share_questions(planned, sign_in_as) -> None:  # noqa: F811
    demo, loop, first, second = planned
    third = same_script_again(demo, loop, first)
    (warning,) = shared_question_warnings(loop)
    assert warning.session_ids == (first.id, third.id)
    count = len(first.script.interviewer_questions)
    assert re.fullmatch(
        r"The interviews with Priya Raman and Kwame Mensah ask the same questions \(“.+…?” "
        rf"and {count - 1} more\): the candidate would hear them twice\. Give one of them "
        r"another script\.",
        warning.message,
    )
    db.session.commit()
    page = sign_in_as("coordinator@example.com").get(f"/loops/{loop.id}").get_data(as_text=True)
    assert "The interviews with Priya Raman and Kwame Mensah ask the same questions" in page
