"""Calibration as people read it, from the refreshed tallies: per interviewer (leniency,
spread, how often their recommendation matched the decision, how often they were in within a
day) and per opening's competency (Krippendorff's alpha with the ratings behind it).

Every reader here is a fixed number of statements over the tallies, one row per interviewer
and opening, so a page costs the same however many scorecards lie behind it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from math import ceil, sqrt
from statistics import median

from flask import current_app
from sqlalchemy import ColumnElement, select

from ..auth.permissions import team_openings_filter
from ..extensions import db
from ..loops.planning import competency_names
from ..models import CalibrationTally, CompetencyAgreement, Opening, User

# Krippendorff's own reading of alpha: at least .800 to rely on, .667 for tentative use.
RELIABLE = 0.8
TENTATIVE = 0.667
# The panel's spread is shown to an interviewer only when it cannot point at one person.
MIN_OTHERS_SHOWN = 3


@dataclass(frozen=True)
class InterviewerFigures:
    interviewer_id: int
    name: str
    scorecards: int
    levels: int
    mean_level: float | None
    spread: float | None  # standard deviation of the levels they gave
    leniency: float | None  # their level minus the rest of the panel's mean, on average
    comparisons: int
    decided: int
    match_rate: float | None  # share of decided scorecards whose recommendation matched
    on_time_rate: float | None  # share submitted within a day of the interview

    def enough(self, minimum: int) -> bool:
        return self.scorecards >= minimum


@dataclass(frozen=True)
class Agreement:
    opening_id: int
    opening: str
    competency_key: str
    competency: str
    alpha: float | None
    ratings: int
    loops: int

    @property
    def reading(self) -> str:
        if self.alpha is None:
            return "not enough ratings"
        if self.alpha >= RELIABLE:
            return "reliable"
        if self.alpha >= TENTATIVE:
            return "tentative"
        return "low"


@dataclass(frozen=True)
class Calibration:
    interviewers: list[InterviewerFigures]  # with enough scorecards, most lenient first
    too_few: list[InterviewerFigures]  # not yet enough to read anything into
    agreements: list[Agreement]
    computed_at: datetime | None  # None: never computed for this scope
    minimum: int

    def agreements_by_opening(self) -> list[list[Agreement]]:
        groups: dict[int, list[Agreement]] = {}
        for agreement in self.agreements:
            groups.setdefault(agreement.opening_id, []).append(agreement)
        return list(groups.values())


@dataclass(frozen=True)
class OwnCalibration:
    mine: InterviewerFigures | None
    others: list[InterviewerFigures]  # anonymous context: names are not shown
    computed_at: datetime | None
    minimum: int

    @property
    def shows_panel(self) -> bool:
        return len(self.others) >= MIN_OTHERS_SHOWN

    def panel_values(self, field: str) -> list[float]:
        """The others' values of `field`, only when enough of them have one: a median or a
        dot from fewer would be someone's own figure."""
        values = sorted(v for f in self.others if (v := getattr(f, field)) is not None)
        return values if len(values) >= MIN_OTHERS_SHOWN else []

    def panel_median(self, field: str) -> float | None:
        values = self.panel_values(field)
        return median(values) if values else None


def minimum_scorecards() -> int:
    return int(current_app.config["CALIBRATION_MIN_SCORECARDS"])


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _figures(interviewer_id: int, name: str, tallies: list[CalibrationTally]) -> InterviewerFigures:
    def total(field: str) -> float:
        return sum(getattr(t, field) for t in tallies)

    levels = int(total("levels"))
    mean = total("level_sum") / levels if levels else None
    spread = None
    if mean is not None and levels >= 2:
        spread = sqrt(max(total("level_square_sum") / levels - mean * mean, 0.0))
    comparisons = int(total("comparisons"))
    scorecards = int(total("scorecards"))
    decided = int(total("decided"))
    return InterviewerFigures(
        interviewer_id=interviewer_id,
        name=name,
        scorecards=scorecards,
        levels=levels,
        mean_level=mean,
        spread=spread,
        leniency=total("difference_sum") / comparisons if comparisons else None,
        comparisons=comparisons,
        decided=decided,
        match_rate=_ratio(int(total("matched")), decided),
        on_time_rate=_ratio(int(total("on_time")), scorecards),
    )


def _per_interviewer(rows: Iterable[tuple[CalibrationTally, str]]) -> list[InterviewerFigures]:
    grouped: dict[int, list[CalibrationTally]] = defaultdict(list)
    names: dict[int, str] = {}
    for tally, name in rows:
        grouped[tally.interviewer_id].append(tally)
        names[tally.interviewer_id] = name
    return [_figures(who, names[who], tallies) for who, tallies in grouped.items()]


def _newest(rows: Iterable[CalibrationTally | CompetencyAgreement]) -> datetime | None:
    return max((row.computed_at for row in rows), default=None)


def _by_leniency(figures: InterviewerFigures) -> tuple:
    return (figures.leniency is None, -(figures.leniency or 0.0), figures.name.casefold())


def _calibration(scope: ColumnElement[bool]) -> Calibration:
    tallies = db.session.execute(
        select(CalibrationTally, User.name)
        .join(User, CalibrationTally.interviewer_id == User.id)
        .join(Opening, CalibrationTally.opening_id == Opening.id)
        .where(scope)
    ).all()
    agreement_rows = db.session.execute(
        select(CompetencyAgreement, Opening.title)
        .join(Opening, CompetencyAgreement.opening_id == Opening.id)
        .where(scope)
        .order_by(Opening.title, Opening.id)
    ).all()
    names = competency_names()
    minimum = minimum_scorecards()
    figures = sorted(_per_interviewer(tallies), key=_by_leniency)
    agreements = [
        Agreement(
            opening_id=row.opening_id,
            opening=title,
            competency_key=row.competency_key,
            competency=names.get(row.competency_key, row.competency_key),
            alpha=row.alpha,
            ratings=row.ratings,
            loops=row.loops,
        )
        for row, title in agreement_rows
    ]
    agreements.sort(key=lambda a: (a.opening.casefold(), a.opening_id, a.competency.casefold()))
    computed = [t for t, _ in tallies] + [a for a, _ in agreement_rows]
    return Calibration(
        interviewers=[f for f in figures if f.enough(minimum)],
        too_few=sorted(
            (f for f in figures if not f.enough(minimum)), key=lambda f: f.name.casefold()
        ),
        agreements=agreements,
        computed_at=_newest(computed),
        minimum=minimum,
    )


def team_calibration(user: User) -> Calibration:
    """Every opening `user` may read calibration for: all for admins, a manager's own."""
    return _calibration(team_openings_filter(user))


def opening_calibration(opening: Opening) -> Calibration:
    return _calibration(Opening.id == opening.id)


def own_calibration(user: User) -> OwnCalibration:
    """`user`'s figures over every opening, and the others' (with enough scorecards) beside
    them without names."""
    rows = db.session.execute(
        select(CalibrationTally, User.name).join(User, CalibrationTally.interviewer_id == User.id)
    ).all()
    minimum = minimum_scorecards()
    figures = _per_interviewer(rows)
    mine = next((f for f in figures if f.interviewer_id == user.id), None)
    others = [f for f in figures if f.interviewer_id != user.id and f.enough(minimum)]
    return OwnCalibration(mine, others, _newest(t for t, _ in rows), minimum)


# ---- Chart rows: what the SVG macros in templates/_macros/charts.html draw ----


def _signed(value: float | None) -> str:
    return "–" if value is None else f"{value:+.2f}"


def leniency_domain(values: Iterable[float | None]) -> float:
    """Half the axis: the widest leniency rounded up to half a level, at least one level."""
    widest = max((abs(v) for v in values if v is not None), default=0.0)
    return max(1.0, ceil(widest * 2) / 2)


def leniency_rows(figures: list[InterviewerFigures]) -> list[dict]:
    return [
        {"label": f.name, "points": [f.leniency], "highlight": False, "text": _signed(f.leniency)}
        for f in figures
        if f.leniency is not None
    ]


def own_leniency_rows(own: OwnCalibration) -> list[dict]:
    """The panel as anonymous dots on one row, and the reader's own dot on the next."""
    rows = []
    if points := own.panel_values("leniency"):
        rows.append(
            {"label": "Other interviewers", "points": points, "highlight": False, "text": ""}
        )
    if own.mine is not None and own.mine.leniency is not None:
        rows.append(
            {
                "label": "You",
                "points": [own.mine.leniency],
                "highlight": True,
                "text": _signed(own.mine.leniency),
            }
        )
    return rows


AGREEMENT_FILLS = {"reliable": "#2166ac", "tentative": "#67a9cf", "low": "#ef8a62"}


def agreement_rows(agreements: list[Agreement]) -> list[dict]:
    return [
        {
            "label": a.competency,
            "value": a.alpha if a.alpha is not None else 0.0,
            "text": (
                f"{a.alpha:.2f} ({a.ratings} ratings)"
                if a.alpha is not None
                else f"not enough ratings ({a.ratings})"
            ),
            "fill": AGREEMENT_FILLS.get(a.reading, "#999999"),
        }
        for a in agreements
    ]


AGREEMENT_MARKS = [
    {"value": TENTATIVE, "label": f"{TENTATIVE:.3f}"},
    {"value": RELIABLE, "label": f"{RELIABLE:.3f}"},
]
