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
from ..debriefs.composite import composite_facts
from ..debriefs.summary import Column, DebriefSummary, summarise
from ..debriefs.verdicts import label as verdict_label
from ..debriefs.verdicts import verdict_rows
from ..extensions import db
from ..loops.planning import competency_names as load_names
from ..models import Decision, Loop, Recommendation, RubricVersion, User
from ..web.paragraphs import direction, paragraphs
from ..web.timefmt import zone

FULL = "full"  # with private answers: the opening's hiring manager and admins
PANEL = "panel"  # without them: the panel
VARIANTS = (FULL, PANEL)

# Raise when packet_data changes shape in a way the templates' text does not show.
FORMAT = 5
TEMPLATE_FILES = (
    "templates/pdf/packet.html",
    "templates/_macros/composite.html",
    "templates/_macros/charts.html",
    "app/static/css/packet.css",
)
ROOT = Path(__file__).resolve().parent.parent.parent

DECISION_LABELS = {Decision.HIRE.value: "Hire", Decision.NO_HIRE.value: "No hire"}
DATE = "%a %d %b %Y"
# Where long notes are run together (see `lay_out`): lines in one field, in one scorecard,
# and direction runs kept apart within one compacted field.
FIELD_LINES = 150
SCORECARD_LINES = 600
MAX_DIRECTION_RUNS = 40
LONG_LINES, LONG_CHARS = 20, 2_000
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


def _lines(paras: list[dict[str, str]]) -> int:
    return sum(para["text"].count("\n") + 1 for para in paras)


def _run_together(paras: list[dict[str, str]]) -> list[dict[str, str]]:
    """Paragraphs as flowing text, " ¶ " between paragraphs and " / " between lines: one
    paragraph per run of one direction, or a single one when the runs are many."""
    runs: list[tuple[str, list[str]]] = []
    for para in paras:
        flat = " / ".join(line.strip() for line in para["text"].split("\n") if line.strip())
        if runs and runs[-1][0] == para["dir"]:
            runs[-1][1].append(flat)
        else:
            runs.append((para["dir"], [flat]))
    if len(runs) > MAX_DIRECTION_RUNS:
        runs = [(paras[0]["dir"], [part for _, parts in runs for part in parts])]
    return [{"text": " ¶ ".join(parts), "dir": dir_} for dir_, parts in runs]


def lay_out(notes: list[list[dict[str, str]]]) -> list[dict[str, Any]]:
    """One scorecard's texts (each a list of paragraphs) as {"paras", "compact"}.

    A renderer's cost follows its line boxes, not its characters: a field of very many short
    lines, and then the longest fields of a scorecard that has too many, are run together as
    flowing text (every word kept, marked as compacted), so no packet takes minutes."""
    lines = [_lines(paras) for paras in notes]
    compact = {i for i, count in enumerate(lines) if count > FIELD_LINES}
    total = sum(count for i, count in enumerate(lines) if i not in compact)
    for i in sorted(range(len(notes)), key=lambda i: -lines[i]):
        if total <= SCORECARD_LINES:
            break
        if i not in compact:
            compact.add(i)
            total -= lines[i]
    laid_out = []
    for i, paras in enumerate(notes):
        chars = sum(len(para["text"]) for para in paras)
        laid_out.append(
            {
                "paras": _run_together(paras) if i in compact else paras,
                "compact": i in compact,
                # More than a page's worth may break across pages, even inside a table row.
                "long": lines[i] > LONG_LINES or chars > LONG_CHARS,
            }
        )
    return laid_out


def note(text: str | None) -> dict[str, Any]:
    """One text outside a scorecard (the decision's rationale), laid out the same way."""
    return lay_out([paragraphs(text)])[0]


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
            "rationale": note(debrief.rationale),
            "by": debrief.decided_by.name if debrief.decided_by else "",
            "at": when(debrief.decided_at),
            "override_reason": note(debrief.override_reason) if debrief.override_reason else None,
            "waiver_reason": note(debrief.waiver_reason) if debrief.waiver_reason else None,
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
        "composite": composite_facts(summary.composite, summary.scale),
        "heat_map": _heat_map(summary),
        "recommendations": summary.recommendation_bars,
        "split_recommendation": summary.split_recommendation,
        "verdicts": [
            {
                "panelist": row.panelist.name,
                "sealed": verdict_label(row.sealed) or "scorecard not in",
                "after": verdict_label(row.after),
                "shift": row.shift,
                "why": row.why,
            }
            for row in verdict_rows(loop)
        ],
        "missing": [
            {"interviewer": s.interviewer.name, "interview": s.script.title}
            for s in summary.missing_scorecards
        ],
        "scorecards": [_scorecard(c, names, when) for c in columns],
        "owed": [
            {"question": question, "dir": direction(question), "heard": heard}
            for question, heard in summary.owed_answers
        ],
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
    texts: list[list[dict[str, str]]] = []  # every text of the card, laid out together below

    def text(value: str | None) -> int:
        texts.append(paragraphs(value))
        return len(texts) - 1

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
                "reason": text(rating.reason),
                "evidence": text(rating.evidence),
            }
        )
    recommendation = card.recommendation
    summary = text(card.summary)
    stages = [{"title": title, "notes": text(notes)} for title, notes in column.stage_notes]
    answers = [
        {"label": label, "value": text(value), "private": private}
        for label, value, private in column.answers
        if (value or "").strip()
    ]
    texts.append([{"text": q, "dir": direction(q)} for q in column.questions])
    questions = len(texts) - 1
    laid_out = lay_out(texts)
    for item in ratings:
        item["reason"], item["evidence"] = laid_out[item["reason"]], laid_out[item["evidence"]]
    for stage in stages:
        stage["notes"] = laid_out[stage["notes"]]
    for answer in answers:
        answer["value"] = laid_out[answer["value"]]
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
        "summary": laid_out[summary],
        "stages": stages,
        "ratings": ratings,
        "answers": answers,
        "questions": laid_out[questions],
    }


def static_root() -> str:
    return str(Path(current_app.static_folder).resolve())
