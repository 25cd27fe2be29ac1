"""What a packet shows, as plain data, and the cache key that hashes all of it.

`packet_data` turns the debrief summary into strings and lists (nothing lazy, nothing that
reaches the database later); the print template renders only that. The key hashes exactly this
data, the variant and the print templates' own text, so any change to what a packet would show
(a scorecard amended, a decision made, a name corrected, a template edited) yields a new key,
and computing it never renders anything.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from ..auth.permissions import can
from ..debriefs.summary import Column, DebriefSummary, summarise
from ..extensions import db
from ..loops.planning import competency_names as load_names
from ..models import Decision, Loop, Recommendation, RubricVersion, User
from ..web.timefmt import zone

FULL = "full"  # with private answers: the opening's hiring manager and admins
PANEL = "panel"  # without them: the panel
VARIANTS = (FULL, PANEL)

# Raise when packet_data changes shape in a way the templates' text does not show.
FORMAT = 1
TEMPLATE_FILES = ("templates/pdf/packet.html", "app/static/css/packet.css")
ROOT = Path(__file__).resolve().parent.parent.parent

DECISION_LABELS = {Decision.HIRE.value: "Hire", Decision.NO_HIRE.value: "No hire"}
DATE = "%a %d %b %Y"
DATE_TIME = "%a %d %b %Y, %H:%M"


_names: dict[int | None, dict[str, str]] = {}


def competency_names() -> dict[str, str]:
    """`app.loops.planning.competency_names()`, remembered per library state: rubric versions
    are immutable and only ever added, so the newest version id identifies the state (one
    index lookup instead of loading every rubric on each download)."""
    newest = db.session.execute(select(func.max(RubricVersion.id))).scalar()
    names = _names.get(newest)
    if names is None:
        names = load_names()
        _names.clear()
        _names[newest] = names
    return names


def variant_for(user: User, loop: Loop) -> str:
    """Who may see private logistics: whoever may decide (the hiring manager, admins)."""
    return FULL if can(user, "debrief.decide", loop) else PANEL


@lru_cache(maxsize=1)
def templates_fingerprint() -> str:
    digest = hashlib.sha256()
    for name in TEMPLATE_FILES:
        digest.update(name.encode() + b"\0" + (ROOT / name).read_bytes() + b"\0")
    return digest.hexdigest()


def packet_key(data: dict[str, Any]) -> str:
    payload = json.dumps(
        {"format": FORMAT, "templates": templates_fingerprint(), "data": data},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def paragraphs(text: str | None) -> list[str]:
    """User text as paragraphs (blank lines split them; single newlines stay lines)."""
    blocks = (text or "").replace("\r\n", "\n").split("\n\n")
    return [block.strip() for block in blocks if block.strip()]


def packet_data(loop: Loop, variant: str, names: dict[str, str]) -> dict[str, Any]:
    """Everything the packet shows, for one variant. Only submitted scorecards count."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown packet variant {variant!r}")
    summary = summarise(loop, names, include_private=variant == FULL)
    manager = loop.opening.hiring_manager
    tz_name = manager.time_zone or "UTC"
    tz = zone(tz_name)

    def when(value, fmt: str = DATE_TIME) -> str:
        return value.astimezone(tz).strftime(fmt) if value is not None else ""

    starts = [s.starts_at for s in loop.sessions]
    days = sorted({s.starts_at.astimezone(tz).date() for s in loop.sessions})
    debrief = loop.debrief
    decision = None
    if debrief is not None and debrief.decision:
        decision = {
            "label": DECISION_LABELS.get(debrief.decision, debrief.decision),
            "key": debrief.decision,
            "rationale": paragraphs(debrief.rationale),
            "by": debrief.decided_by.name if debrief.decided_by else "",
            "at": when(debrief.decided_at),
        }
    columns = summary.columns
    return {
        "variant": variant,
        "loop_id": loop.id,
        "candidate": loop.candidate.name,
        "opening": loop.opening.title,
        "hiring_manager": manager.name,
        "time_zone": tz_name,
        "loop_dates": [d.strftime(DATE) for d in days],
        "first_interview": when(min(starts)) if starts else "",
        "debrief_at": when(debrief.starts_at) if debrief is not None else "",
        "decision": decision,
        "scale": [[level, label] for level, label in sorted(summary.scale.items())],
        "heat_map": _heat_map(summary),
        "recommendations": [
            {
                "key": r.value,
                "label": r.label,
                "count": summary.recommendations.get(r.value, 0),
            }
            for r in Recommendation
        ],
        "split_recommendation": summary.split_recommendation,
        "missing": [
            {"interviewer": s.interviewer.name, "interview": s.script.title}
            for s in summary.missing_scorecards
        ],
        "scorecards": [_scorecard(c, names, when) for c in columns],
        "private_included": variant == FULL,
    }


def _heat_map(summary: DebriefSummary) -> dict[str, Any]:
    header = [
        {"interviewer": c.interviewer.name, "interview": c.session.script.title}
        for c in summary.columns
    ]
    rows = []
    for row in summary.rows:
        cells = []
        for column in summary.columns:
            rating = column.ratings.get(row.key)
            if rating is None or (rating.level is None and not rating.not_assessed):
                cells.append({"text": "", "level": 0})
            elif rating.not_assessed:
                cells.append({"text": "n/a", "level": 0})
            else:
                cells.append({"text": str(rating.level), "level": rating.level})
        rows.append(
            {
                "name": row.name,
                "owners": row.owners,
                "cells": cells,
                "disagreement": row.disagreement,
                "has_evidence": row.has_evidence,
            }
        )
    return {"header": header, "rows": rows}


def _scorecard(column: Column, names: dict[str, str], when) -> dict[str, Any]:
    card, session = column.scorecard, column.session
    scale = session.rubric.scale_labels
    order = list(dict.fromkeys([*session.focus_competencies, *column.ratings]))
    ratings = []
    for key in order:
        rating = column.ratings.get(key)
        if rating is None:
            continue
        if rating.level is None and not rating.not_assessed and not rating.evidence.strip():
            continue
        level_label = ""
        if rating.level is not None and 1 <= rating.level <= len(scale):
            level_label = scale[rating.level - 1]
        ratings.append(
            {
                "name": names.get(key, key),
                "focus": key in session.focus_competencies,
                "level": rating.level,
                "level_label": level_label,
                "not_assessed": rating.not_assessed,
                "reason": rating.reason,
                "evidence": paragraphs(rating.evidence),
            }
        )
    recommendation = card.recommendation
    return {
        "id": card.id,
        "interviewer": column.interviewer.name,
        "interview": session.script.title,
        "rubric": session.rubric.title,
        "held_at": when(session.starts_at),
        "submitted_at": when(card.submitted_at),
        "version": card.version,
        "recommendation": Recommendation(recommendation).label if recommendation else "",
        "recommendation_key": recommendation or "",
        "summary": paragraphs(card.summary),
        "stages": [
            {"title": title, "notes": paragraphs(text)} for title, text in column.stage_notes
        ],
        "ratings": ratings,
        "answers": [
            {"label": label, "value": value, "private": private}
            for label, value, private in column.answers
            if (value or "").strip()
        ],
        "questions": column.questions,
    }


def static_root() -> str:
    return str(Path(current_app.static_folder).resolve())
