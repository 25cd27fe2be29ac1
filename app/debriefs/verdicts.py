"""Sealed verdicts, then discussion. A submitted scorecard's recommendation is that
interviewer's independent verdict; once the debrief begins each panelist may record where they
stand after the discussion. The debrief names every shift, and suggests a speaking order with
the least senior first, because the first view spoken anchors the rest."""

from __future__ import annotations

from dataclasses import dataclass

from ..extensions import db
from ..models import Debrief, Loop, PanelVerdict, Recommendation, User, record_audit
from ..storage.types import utcnow
from ..web.input import text_problem
from ..web.timefmt import local_time
from .decisions import DecisionError

ORDER = [r.value for r in Recommendation]  # strong no … strong yes
MIN_WHY = 10
MAX_WHY = 2_000


@dataclass(frozen=True)
class VerdictRow:
    panelist: User
    sealed: str | None  # the scorecard's recommendation; None while it is not submitted
    after: str | None  # after the discussion; None until recorded
    why: str

    @property
    def shift(self) -> str:
        """ "" when nothing moved; else which way, as the hiring manager reads it."""
        if self.sealed is None or self.after is None or self.after == self.sealed:
            return ""
        towards = "hire" if ORDER.index(self.after) > ORDER.index(self.sealed) else "no hire"
        return f"moved towards {towards}"


def label(recommendation: str | None) -> str:
    return Recommendation(recommendation).label if recommendation else ""


def sealed_verdicts(loop: Loop) -> dict[int, str | None]:
    """Each panelist's independent verdict: their latest submitted scorecard's recommendation,
    None while any scorecard of theirs in the loop is still a draft."""
    cards: dict[int, list] = {}
    for session in loop.sessions:
        for card in session.scorecards:
            if not card.training:  # a shadow gives no verdict: they are learning
                cards.setdefault(card.interviewer_id, []).append(card)
    verdicts: dict[int, str | None] = {}
    for person, theirs in cards.items():
        if all(card.is_submitted for card in theirs):
            verdicts[person] = max(theirs, key=lambda card: card.submitted_at).recommendation
        else:
            verdicts[person] = None
    return verdicts


def verdict_rows(loop: Loop) -> list[VerdictRow]:
    debrief = loop.debrief
    after = {v.panelist_id: v for v in debrief.verdicts} if debrief is not None else {}
    people = {c.interviewer_id: c.interviewer for s in loop.sessions for c in s.scorecards}
    rows = []
    for person_id, sealed in sealed_verdicts(loop).items():
        verdict = after.get(person_id)
        rows.append(
            VerdictRow(
                people[person_id],
                sealed,
                verdict.recommendation if verdict else None,
                verdict.why if verdict else "",
            )
        )
    return speaking_order(rows, loop)


def speaking_order(rows: list[VerdictRow], loop: Loop) -> list[VerdictRow]:
    """Least senior first; the hiring manager, who decides, speaks last."""
    manager_id = loop.opening.hiring_manager_id
    return sorted(
        rows,
        key=lambda r: (r.panelist.id == manager_id, r.panelist.seniority, r.panelist.name),
    )


def open_discussion(debrief: Debrief, user: User) -> None:
    """The hiring manager starts the debrief early: verdicts after discussion open now."""
    if debrief.decision is not None:
        raise DecisionError("discussion", "Already decided: the discussion is over.")
    if debrief.discussion_open(utcnow()):
        return
    debrief.discussion_opened_at = utcnow()
    record_audit(user, "debrief.discussion_opened", debrief)


def record_verdict(loop: Loop, user: User, recommendation: str, why: str) -> None:
    """A panelist's verdict after the discussion; a changed one says why. Flushes."""
    debrief = loop.debrief
    if debrief is None or debrief.decision is not None:
        raise DecisionError("verdict", "The debrief is decided: verdicts are closed.")
    if not debrief.discussion_open(utcnow()):
        raise DecisionError(
            "verdict",
            f"Verdicts after discussion open when the debrief begins, at "
            f"{local_time(debrief.starts_at, '%a %d %b %H:%M')}.",
        )
    sealed = sealed_verdicts(loop).get(user.id)
    if sealed is None:
        raise DecisionError("verdict", "Submit your scorecard first: it holds your own verdict.")
    if recommendation not in ORDER:
        raise DecisionError("verdict", "Choose one of the four verdicts.")
    why = (why or "").strip()
    problem = text_problem(why, limit=MAX_WHY)
    if problem:
        raise DecisionError("why", problem)
    if recommendation != sealed and len(why) < MIN_WHY:
        raise DecisionError(
            "why",
            f"Your scorecard said {label(sealed).lower()}: say in a line what changed your mind.",
        )
    verdict = next((v for v in debrief.verdicts if v.panelist_id == user.id), None)
    before = verdict.recommendation if verdict else None
    if verdict is None:
        verdict = PanelVerdict(debrief=debrief, panelist_id=user.id)
        db.session.add(verdict)
    verdict.recommendation = recommendation
    verdict.why = why
    verdict.recorded_at = utcnow()
    db.session.flush()
    record_audit(
        user,
        "verdict.recorded",
        debrief,
        sealed=sealed,
        after=recommendation,
        earlier_after=before,
        why=why,
    )
