"""Deferral and neutrality are refused by meaning, and ordinary anchors still pass."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from app.library.wording import deferral_in
from app.models import Recommendation

# Level labels and anchors that put the judgement off, each worded differently.
REFUSED = [
    # postponing
    "Hold off on the decision",
    "Revisit after the team offsite",
    "Park this one for now",
    "Decide later, once references are in",
    "Defer to a later stage",
    "Pending feedback from the pairing session",
    "Wait and see how the take-home goes",
    # more rounds, more data, more time
    "Needs another interview",
    "Bring them back for one more conversation",
    "We need more data before committing",
    "Additional signal required",
    "Would like a second opinion from the platform team",
    "Schedule a follow-up call",
    "Probe system design again in the next round",
    "Need more time to decide",
    "Worth re-interviewing in six months",
    "Talk to the candidate again",
    # undecided
    "Undecided",
    "Not sure yet",
    "I can't tell whether they would hit the bar",
    "Hard to say",
    "Too early to tell",
    "Jury is still out",
    "Insufficient evidence to judge",
    "Uncertain fit",
    "Inconclusive",
    # in between, no opinion
    "Somewhere in between",
    "Borderline",
    "Could go either way",
    "Mixed signals",
    "50/50",
    "Neither a yes nor a no",
    "Maybe",
    "Middle of the road",
    "Neutral",
    "No strong opinion",
    "No opinion either way",
    "Not ready to call it",
    "Re-assess next quarter",
    "Let us talk again",
    "Hire later",
    "Want to see more",
]

# Ordinary labels and anchors: judgements of the candidate, some of them blunt or harsh.
JUDGED = [
    "Strong no",
    "No hire",
    "Lean no",
    "Lean yes",
    "Strong yes",
    "Clear gap",
    "Below the bar",
    "At the bar",
    "Raises the bar",
    "Needs close guidance from seniors",
    "Needs more practice with testing before working alone",
    "Needs extra time to finish simple tasks",
    "Took more time than the exercise allowed and did not finish",
    "Asks for more information about the requirements before designing",
    "Unsure how to start; waits for hints",
    "Cannot say what their own code returns on an error",
    "Defers to the loudest voice instead of arguing the trade-off",
    "Postpones testing until the end and runs out of time",
    "Revisits an earlier choice when new facts arrive",
    "Gets lost in the middle of the exercise",
    "Splits the work into small, reviewable changes",
    "Holds off on optimising until the numbers show a need",
    "Uses neutral language when giving feedback",
    "Runs another round of tests after each fix",
    "Shows no evidence of having written tests",
    "Code is hard to follow and untested",
    "Handles pending requests cleanly on shutdown",
    "Mentors others and improves how the team works",
    "Would be ready to lead a project within a quarter",
    "Could not describe a single production incident",
    "Answers in circles without reaching a design",
    "Names two failure cases and how the caller would detect each",
    "Not ready to lead a team alone",
    "Reassesses the plan when new facts arrive",
]


def test_the_table_is_large_and_balanced() -> None:
    assert len(REFUSED) >= 20 and len(JUDGED) >= 20
    assert not set(REFUSED) & set(JUDGED)


@pytest.mark.parametrize("text", REFUSED)
def test_a_postponement_in_any_wording_is_refused(text: str) -> None:
    assert deferral_in(text) is not None, f"{text!r} reads as no judgement but passed"


@pytest.mark.parametrize("text", JUDGED)
def test_an_ordinary_judgement_passes(text: str) -> None:
    assert deferral_in(text) is None, f"{text!r} judges the candidate but was refused"


def test_the_reason_names_the_words() -> None:
    found = deferral_in("Needs another technical round")
    assert found is not None
    assert found.words == "another technical round"
    assert "more interviews" in found.reason


def test_every_shipped_label_and_anchor_passes() -> None:
    """The wording check would be useless if it refused the library we ship."""
    for path in sorted(Path("rubrics").glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        texts = [
            level["label"] if isinstance(level, dict) else level
            for level in document.get("scale", [])
        ]
        for competency in document.get("competencies", []):
            texts += competency["anchors"]
        for text in texts:
            assert deferral_in(text) is None, f"{path}: {text!r}"


def test_overall_recommendations_point_half_each_way_and_judge() -> None:
    """The verdict that ends a scorecard follows the rule rubric levels follow."""
    directions = [r.points for r in Recommendation]
    assert len(directions) % 2 == 0
    assert directions.count("hire") == directions.count("no-hire")
    assert directions == sorted(directions, key=["no-hire", "hire"].index)
    assert all(deferral_in(r.label) is None for r in Recommendation)
