"""The mechanical combination of a loop's submitted ratings, shown before any text: each
competency's mean level across its raters, the weighted composite, whether each must-have is
met, and which way the composite points against the opening's threshold.

Combining ratings by rule predicts better than a judgement formed in the room, so the decision
may go the other way only with a reason on the record (see `override_needed`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from statistics import fmean
from typing import Any, Protocol

from ..models import Decision, Opening

DEFAULT_WEIGHT = 1.0


class RatedCompetency(Protocol):
    key: str
    name: str
    levels: list[int]


def default_threshold(scale_size: int) -> float:
    """Midway between the scale's two middle levels: 2.5 on a four-level scale."""
    return (scale_size + 1) / 2


@dataclass(frozen=True)
class CompetencyScore:
    key: str
    name: str
    weight: float
    must_have: bool
    mean: float | None  # None: nobody rated it
    raters: int
    threshold: float

    @property
    def met(self) -> bool:
        """A must-have is met when its raters, on average, are on the hire side of the line."""
        return self.mean is not None and self.mean > self.threshold


@dataclass(frozen=True)
class Composite:
    scores: list[CompetencyScore]
    value: float | None  # None: no weighted competency has a rating yet
    threshold: float
    threshold_is_default: bool

    @property
    def direction(self) -> str | None:
        """`hire` above the threshold, `no_hire` below; None exactly on it or with no ratings."""
        if self.value is None or self.value == self.threshold:
            return None
        return Decision.HIRE.value if self.value > self.threshold else Decision.NO_HIRE.value

    @property
    def must_haves(self) -> list[CompetencyScore]:
        return [score for score in self.scores if score.must_have]

    @property
    def unmet_must_haves(self) -> list[CompetencyScore]:
        return [score for score in self.must_haves if not score.met]

    def override_needed(self, decision: str) -> str:
        """Why `decision` needs a reason on the record, or "" when it follows the composite."""
        reasons = []
        if self.direction is not None and decision != self.direction:
            towards = "hire" if self.direction == Decision.HIRE.value else "no hire"
            reasons.append(
                f"the composite points to {towards} ({self.value:.2f} against {self.threshold:g})"
            )
        if decision == Decision.HIRE.value and self.unmet_must_haves:
            names = ", ".join(score.name for score in self.unmet_must_haves)
            reasons.append(f"a must-have is not met ({names})")
        return " and ".join(reasons)


def combine(rows: Iterable[RatedCompetency], opening: Opening, scale_size: int) -> Composite:
    """The composite of `rows` (one per competency, the levels its raters gave) under the
    opening's weights, must-haves and threshold. A weight of 0 leaves a competency out."""
    threshold = opening.hire_threshold
    is_default = threshold is None
    if threshold is None:
        threshold = default_threshold(scale_size)
    weights = opening.competency_weights or {}
    must_haves = set(opening.must_have_keys or [])
    scores = []
    for row in rows:
        scores.append(
            CompetencyScore(
                key=row.key,
                name=row.name,
                weight=float(weights.get(row.key, DEFAULT_WEIGHT)),
                must_have=row.key in must_haves,
                mean=fmean(row.levels) if row.levels else None,
                raters=len(row.levels),
                threshold=threshold,
            )
        )
    counted = [s for s in scores if s.mean is not None and s.weight > 0]
    total = sum(s.weight for s in counted)
    value = sum(s.weight * s.mean for s in counted) / total if total else None
    return Composite(scores, value, threshold, is_default)


def _level(level: int, scale: dict[int, str]) -> str:
    label = scale.get(level)
    return f"{level} ({label})" if label else str(level)


def composite_facts(composite: Composite, scale: dict[int, str]) -> dict[str, Any]:
    """The composite as the page and the packet both print it: plain strings, worded once."""
    threshold = f"{composite.threshold:g}"
    if composite.threshold_is_default:
        low = int(composite.threshold)
        line = (
            f"{threshold}, midway between levels {_level(low, scale)} and "
            f"{_level(low + 1, scale)}: the default"
        )
    else:
        line = f"{threshold}, as this opening sets it"
    direction = {
        Decision.HIRE.value: "points to hire",
        Decision.NO_HIRE.value: "points to no hire",
        None: "points neither way" if composite.value is not None else "has no ratings yet",
    }[composite.direction]
    return {
        "value": "–" if composite.value is None else f"{composite.value:.2f}",
        "direction": composite.direction or "",
        "direction_words": direction,
        "threshold": line,
        "rows": [
            {
                "name": score.name,
                "weight": f"{score.weight:g}",
                "raters": score.raters,
                "mean": "–" if score.mean is None else f"{score.mean:.2f}",
                "must_have": score.must_have,
                "met": score.met,
            }
            for score in composite.scores
        ],
        "unmet": [score.name for score in composite.unmet_must_haves],
        "has_must_haves": bool(composite.must_haves),
    }
