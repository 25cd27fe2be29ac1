"""Recompute the calibration figures from every submitted scorecard, in one read.

Runs on the scheduler, not on a page: the work grows with the scorecards, the page must not.
Each interviewer's scorecards on an opening become one `CalibrationTally` of sums (they add
up across openings), and each opening's competency one `CompetencyAgreement`. The new rows
replace the old ones in one transaction, so a reader sees either set, never half of each."""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import fmean

import krippendorff
import numpy as np
from sqlalchemy import delete, insert, select, text

from ..debriefs.summary import FOUR_LEVELS
from ..extensions import db
from ..models import (
    CalibrationTally,
    CompetencyAgreement,
    Debrief,
    InterviewSession,
    Loop,
    Recommendation,
    Scorecard,
    ScorecardStatus,
)
from ..storage.database import reset_write_intent, set_write_intent
from ..storage.types import utcnow

log = logging.getLogger(__name__)

ON_TIME = timedelta(hours=24)
# Fewer loops than this with two raters on a competency, and alpha is not worth printing.
MIN_PAIRED_LOOPS = 2


@dataclass(frozen=True)
class RefreshReport:
    scorecards: int
    tallies: int
    agreements: int
    seconds: float


def submitted_scorecards():
    """Every submitted scorecard that is still its session's, with what calibration reads."""
    return db.session.execute(
        select(
            Scorecard.interviewer_id,
            Scorecard.ratings,
            Scorecard.recommendation,
            Scorecard.submitted_at,
            InterviewSession.loop_id,
            InterviewSession.ends_at,
            Loop.opening_id,
            Debrief.decision,
        )
        .join(InterviewSession, Scorecard.session_id == InterviewSession.id)
        .join(Loop, InterviewSession.loop_id == Loop.id)
        .outerjoin(Debrief, Debrief.loop_id == Loop.id)
        .where(
            Scorecard.status == ScorecardStatus.SUBMITTED,
            Scorecard.retired_at.is_(None),
            Scorecard.training.is_(False),  # a shadow is learning, not yet calibrated
        )
    ).all()


def _levels(ratings: dict | None) -> dict[str, int]:
    """The levels given, leaving out "not assessed" ones (a level left behind when the box
    was ticked is not a rating)."""
    out = {}
    for key, rating in (ratings or {}).items():
        if not isinstance(rating, dict) or rating.get("not_assessed"):
            continue
        level = rating.get("level")
        if isinstance(level, int) and not isinstance(level, bool):
            out[key] = level
    return out


def _new_tally(opening_id: int, interviewer_id: int, now: datetime) -> dict:
    return {
        "opening_id": opening_id,
        "interviewer_id": interviewer_id,
        "scorecards": 0,
        "levels": 0,
        "level_sum": 0.0,
        "level_square_sum": 0.0,
        "comparisons": 0,
        "difference_sum": 0.0,
        "decided": 0,
        "matched": 0,
        "on_time": 0,
        "computed_at": now,
    }


def ordinal_alpha(paired: list[Counter[int]]) -> float | None:
    """Krippendorff's alpha for ordinal levels, from each loop's count of each level given (loops
    with two raters or more); None when it cannot be measured (too few loops, or every level
    the same)."""
    seen = set().union(*paired) if paired else set()
    if len(paired) < MIN_PAIRED_LOOPS or len(seen) < 2:
        return None
    domain = list(range(1, max(FOUR_LEVELS, max(seen)) + 1))
    counts = np.array([[unit.get(level, 0) for level in domain] for unit in paired])
    return float(
        krippendorff.alpha(value_counts=counts, value_domain=domain, level_of_measurement="ordinal")
    )


def compute(rows, now: datetime) -> tuple[list[dict], list[dict]]:
    """The tallies and agreements for `rows` (as `submitted_scorecards` returns them)."""
    tallies: dict[tuple[int, int], dict] = {}
    # (opening, competency) -> loop -> each rater's levels (one interviewer is one rater)
    units: dict[tuple[int, str], dict[int, dict[int, list[int]]]] = defaultdict(dict)
    # loop -> competency -> [(interviewer, level)]
    panels: dict[int, dict[str, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    opening_of: dict[int, int] = {}
    for row in rows:
        key = (row.opening_id, row.interviewer_id)
        tally = tallies.get(key) or tallies.setdefault(key, _new_tally(*key, now))
        tally["scorecards"] += 1
        levels = _levels(row.ratings)
        for competency, level in levels.items():
            tally["levels"] += 1
            tally["level_sum"] += level
            tally["level_square_sum"] += level * level
            panels[row.loop_id][competency].append((row.interviewer_id, level))
            raters = units[(row.opening_id, competency)].setdefault(row.loop_id, {})
            raters.setdefault(row.interviewer_id, []).append(level)
        opening_of[row.loop_id] = row.opening_id
        if row.decision and row.recommendation:
            tally["decided"] += 1
            points = Recommendation(row.recommendation).points.replace("-", "_")
            tally["matched"] += points == row.decision
        if row.submitted_at is not None and row.submitted_at - row.ends_at <= ON_TIME:
            tally["on_time"] += 1
    for loop_id, competencies in panels.items():
        for entries in competencies.values():
            for interviewer_id, level in entries:
                others = [other for who, other in entries if who != interviewer_id]
                if not others:
                    continue
                tally = tallies[(opening_of[loop_id], interviewer_id)]
                tally["comparisons"] += 1
                tally["difference_sum"] += level - fmean(others)
    agreements = []
    for (opening_id, competency), by_loop in units.items():
        paired = [
            Counter(round(fmean(levels)) for levels in raters.values())
            for raters in by_loop.values()
            if len(raters) >= 2
        ]
        agreements.append(
            {
                "opening_id": opening_id,
                "competency_key": competency,
                "alpha": ordinal_alpha(paired),
                "ratings": sum(sum(unit.values()) for unit in paired),
                "loops": len(paired),
                "computed_at": now,
            }
        )
    return list(tallies.values()), agreements


def refresh_calibration(now: datetime | None = None) -> RefreshReport:
    """Replace every tally and agreement with ones computed from the scorecards now, and
    commit."""
    started = time.perf_counter()
    now = now or utcnow()
    # Read, then compute, outside any write lock: on SQLite a writing transaction would hold
    # every autosave off for as long as the sums take.
    token = set_write_intent(False)
    try:
        rows = submitted_scorecards()
        db.session.rollback()
    finally:
        reset_write_intent(token)
    tallies, agreements = compute(rows, now)
    if db.session.get_bind().dialect.name == "postgresql":
        # Two refreshes at once (the scheduler's and a `flask calibration refresh`) would each
        # delete what they see and insert: the second would break the unique constraint.
        db.session.execute(text("LOCK TABLE calibration_tallies IN SHARE ROW EXCLUSIVE MODE"))
    db.session.execute(delete(CalibrationTally))
    db.session.execute(delete(CompetencyAgreement))
    if tallies:
        db.session.execute(insert(CalibrationTally), tallies)
    if agreements:
        db.session.execute(insert(CompetencyAgreement), agreements)
    db.session.commit()
    return RefreshReport(len(rows), len(tallies), len(agreements), time.perf_counter() - started)
