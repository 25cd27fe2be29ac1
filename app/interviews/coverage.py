"""Which focus competencies still lack evidence: shown live so the interviewer can probe
before the call ends, instead of asking for another interview."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..models import InterviewSession

# What each state is called, here and on the live page (which gets them as JSON).
COVERAGE_LABELS = {
    "missing": "no rating or evidence yet",
    "partial": "needs a level and evidence",
    "done": "rated with evidence",
    "not_assessed": "not assessed (reason given)",
}


@dataclass(frozen=True)
class CompetencyCoverage:
    key: str
    name: str
    state: str  # missing | partial | done | not_assessed

    @property
    def is_open(self) -> bool:
        return self.state in ("missing", "partial")

    @property
    def label(self) -> str:
        return COVERAGE_LABELS[self.state]


def coverage_of(
    session: InterviewSession, values: dict[str, Any], min_evidence: int
) -> list[CompetencyCoverage]:
    result = []
    for key in session.focus_competencies:
        competency = session.rubric.competency(key) or {"name": key}
        prefix = f"rating.{key}"
        level = values.get(f"{prefix}.level")
        evidence = (values.get(f"{prefix}.evidence") or "").strip()
        if values.get(f"{prefix}.not_assessed") and (values.get(f"{prefix}.reason") or "").strip():
            state = "not_assessed"
        elif level not in (None, "") and len(evidence) >= min_evidence:
            state = "done"
        elif level in (None, "") and not evidence:
            state = "missing"
        else:
            state = "partial"
        result.append(CompetencyCoverage(key, competency["name"], state))
    return result
