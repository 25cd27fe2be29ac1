"""Everything a debrief shows, computed once from the loop: the page and the PDF packet both
render this. Only submitted scorecards count; drafts never appear."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..answers.asked import bank_questions, lines_of
from ..loops.queries import load_loop  # noqa: F401  (re-exported: the packet loads loops too)
from ..models import InterviewSession, Loop, Recommendation, Scorecard, User, question_key
from ..web.timefmt import local_time
from .composite import Composite, combine

FOUR_LEVELS = 4  # the scale of every rubric in the library; a loop without ratings assumes it

POSITIVE = {Recommendation.YES.value, Recommendation.STRONG_YES.value}
NEGATIVE = {Recommendation.NO.value, Recommendation.STRONG_NO.value}
DISAGREEMENT_SPREAD = 2  # levels this far apart on one competency are a disagreement
# The recommendation bars' colours: a diverging red-blue pair, apart for red-green blindness.
RECOMMENDATION_FILLS = {
    Recommendation.STRONG_NO.value: "#b2182b",
    Recommendation.NO.value: "#ef8a62",
    Recommendation.YES.value: "#67a9cf",
    Recommendation.STRONG_YES.value: "#2166ac",
}


@dataclass(frozen=True)
class Rating:
    level: int | None
    evidence: str
    not_assessed: bool
    reason: str

    @property
    def has_evidence(self) -> bool:
        return self.level is not None and bool(self.evidence.strip())


@dataclass
class Column:
    """One submitted scorecard: an interviewer's view of the candidate."""

    scorecard: Scorecard
    session: InterviewSession
    ratings: dict[str, Rating]
    stage_notes: list[tuple[str, str]]  # (stage title, notes) in script order
    answers: list[tuple[str, str, bool]]  # (label, answer, private)
    questions: list[str]  # ticked in the answer bank first, then typed
    owed: list[str] = field(default_factory=list)  # what nobody could answer on the call
    # The interviewer's name, and the interview's when they ran more than one in the loop:
    # two columns headed by one name would look like the same scorecard twice.
    label: str = ""

    @property
    def interviewer(self):
        return self.scorecard.interviewer


@dataclass(frozen=True)
class MissingScorecard:
    """A scorecard not in yet: whose, for which interview (named like the session it is on)."""

    session: InterviewSession
    interviewer: User

    @property
    def id(self) -> int:
        return self.session.id

    @property
    def interviewer_id(self) -> int:
        return self.interviewer.id

    @property
    def script(self):
        return self.session.script

    @property
    def starts_at(self):
        return self.session.starts_at


@dataclass
class CompetencyRow:
    key: str
    name: str
    owners: list[str]  # interviewers whose focus it was
    levels: list[int]
    disagreement: bool
    has_evidence: bool


@dataclass
class DebriefSummary:
    loop: Loop
    columns: list[Column]
    rows: list[CompetencyRow]
    recommendations: dict[str, int]
    split_recommendation: bool
    missing_scorecards: list[MissingScorecard]
    composite: Composite
    scale: dict[int, str] = field(default_factory=dict)
    # Shadows' scorecards: shown apart, never in the composite, the tally or the decision.
    training: list[Column] = field(default_factory=list)

    @property
    def recommendation_bars(self) -> list[dict[str, Any]]:
        """The tally as rows for the bar chart macro (templates/_macros/charts.html)."""
        return [
            {
                "key": r.value,
                "label": r.label,
                "value": self.recommendations.get(r.value, 0),
                "text": str(self.recommendations.get(r.value, 0)),
                "fill": RECOMMENDATION_FILLS[r.value],
            }
            for r in Recommendation
        ]

    @property
    def recommendation_words(self) -> str:
        """The tally in words: "0 strong no, 1 no, 0 yes, 1 strong yes"."""
        return ", ".join(
            f"{self.recommendations.get(r.value, 0)} {r.label.lower()}" for r in Recommendation
        )

    @property
    def owed_answers(self) -> list[tuple[str, str]]:
        """What we owe the candidate: (question, who heard it), each question once."""
        owed: dict[str, tuple[str, list[str]]] = {}
        for column in [*self.columns, *self.training]:  # a shadow may have heard it too
            for question in column.owed:
                wording, heard = owed.setdefault(question_key(question), (question, []))
                heard.append(column.interviewer.name)
        return [(wording, ", ".join(dict.fromkeys(heard))) for wording, heard in owed.values()]

    @property
    def disagreements(self) -> list[CompetencyRow]:
        return [row for row in self.rows if row.disagreement]

    @property
    def without_evidence(self) -> list[CompetencyRow]:
        return [row for row in self.rows if not row.has_evidence]

    def cell(self, key: str, column: Column) -> Rating | None:
        return column.ratings.get(key)


def summarise(loop: Loop, names: dict[str, str], include_private: bool) -> DebriefSummary:
    columns: list[Column] = []
    missing: list[MissingScorecard] = []
    training: list[Column] = []
    owners: dict[str, list[str]] = {}
    scale: dict[int, str] = {}
    for session in loop.sessions:
        for card in session.scorecards:
            if card.training:
                if card.is_submitted:
                    training.append(_column(session, card, include_private))
                continue
            for key in session.focus_competencies:
                owners.setdefault(key, []).append(card.interviewer.name)
            if not card.is_submitted:
                missing.append(MissingScorecard(session, card.interviewer))
                continue
            for index, label in enumerate(session.rubric.scale_labels, start=1):
                scale.setdefault(index, label)
            columns.append(_column(session, card, include_private))
    bank = bank_questions([c.scorecard for c in columns])
    for column in columns:
        ticked = [bank[int(i)] for i in column.scorecard.asked_answers or {} if int(i) in bank]
        column.questions = [*sorted(ticked, key=str.casefold), *column.questions]

    per_interviewer = Counter(c.scorecard.interviewer_id for c in columns)
    for column in [*columns, *training]:
        column.label = column.interviewer.name
        if column.scorecard.training:
            column.label += " (shadow, in training)"
        elif per_interviewer[column.scorecard.interviewer_id] > 1:
            column.label += (
                f" · {column.session.script.title}, {local_time(column.session.starts_at)}"
            )

    keys = list(dict.fromkeys([*loop.opening.competency_keys, *owners]))
    rows = []
    for key in keys:
        ratings = [c.ratings[key] for c in columns if key in c.ratings]
        levels = [r.level for r in ratings if r.level is not None]
        rows.append(
            CompetencyRow(
                key=key,
                name=names.get(key, key),
                owners=owners.get(key, []),
                levels=levels,
                disagreement=len(levels) > 1 and max(levels) - min(levels) >= DISAGREEMENT_SPREAD,
                has_evidence=any(r.has_evidence for r in ratings),
            )
        )
    counted = Counter(c.scorecard.recommendation for c in columns if c.scorecard.recommendation)
    recommendations = {r.value: counted.get(r.value, 0) for r in Recommendation}
    split = bool(set(counted) & POSITIVE) and bool(set(counted) & NEGATIVE)
    scale_size = max((len(s.rubric.scale_labels) for s in loop.sessions), default=FOUR_LEVELS)
    composite = combine(rows, loop.opening, scale_size)
    return DebriefSummary(
        loop, columns, rows, recommendations, split, missing, composite, scale, training
    )


def _column(session: InterviewSession, card: Scorecard, include_private: bool) -> Column:
    ratings = {}
    for key, value in (card.ratings or {}).items():
        ratings[key] = Rating(
            level=value.get("level"),
            evidence=value.get("evidence") or "",
            not_assessed=bool(value.get("not_assessed")),
            reason=value.get("reason") or "",
        )
    script: dict[str, Any] = session.script.definition
    notes = [
        (stage["title"], (card.stage_notes or {}).get(stage["key"], ""))
        for stage in script["stages"]
    ]
    answers = []
    asked_in_fields: list[str] = []
    questions_stage = session.script.questions_stage
    for stage in script["stages"]:
        for answer in stage.get("fields", []):
            private = bool(answer.get("private"))
            if private and not include_private:
                continue
            value = (card.field_answers or {}).get(answer["key"], "")
            if stage["key"] == questions_stage and answer["type"] in ("text", "long_text"):
                # A text field of the stage where the candidate asks (older versions of the
                # 45-minute script had one) is what they asked: with their questions.
                asked_in_fields += lines_of(value)
                continue
            answers.append((answer["label"], value, private))
    return Column(
        card,
        session,
        ratings,
        notes,
        answers,
        [*lines_of(card.candidate_questions), *asked_in_fields],
        lines_of(card.owed_answers),
    )
