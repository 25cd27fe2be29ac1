"""What each event tells a receiver, and writing it to the outbox: one delivery per event and
subscribed endpoint, in the event's own transaction.

A payload says what happened and to which ids, never what the blind rule or privacy would
hide: no ratings, recommendation or answers of a scorecard, no decision rationale. A receiver
that needs more asks the API, whose token is held to the rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models import Debrief, Loop, Scorecard, WebhookDelivery, WebhookEndpoint, WebhookEvent
from ..storage.types import utcnow


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def queue_event(event: WebhookEvent, key: str, data: dict[str, Any]) -> int:
    """A delivery of this event to every active endpoint subscribed to it; flushes. Returns
    how many were queued. The same key twice queues nothing more: once per event."""
    endpoints = db.session.execute(
        select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True))
    ).scalars()
    wanted = [e for e in endpoints if event.value in e.events]
    if not wanted:
        return 0
    already = set(
        db.session.execute(
            select(WebhookDelivery.endpoint_id).where(WebhookDelivery.event_key == key)
        ).scalars()
    )
    now = utcnow()
    payload = {"id": key, "type": event.value, "created_at": now.isoformat(), "data": data}
    queued = 0
    for endpoint in wanted:
        if endpoint.id in already:
            continue
        db.session.add(
            WebhookDelivery(
                endpoint_id=endpoint.id,
                event=event.value,
                event_key=key,
                payload=payload,
                due_at=now,
            )
        )
        queued += 1
    db.session.flush()
    return queued


def on_scorecard_submitted(scorecard: Scorecard) -> None:
    session = scorecard.session
    loop = session.loop
    queue_event(
        WebhookEvent.SCORECARD_SUBMITTED,
        f"scorecard.submitted:{scorecard.id}",
        {
            "scorecard_id": scorecard.id,
            "session_id": session.id,
            "loop_id": loop.id,
            "candidate_id": loop.candidate_id,
            "opening_id": loop.opening_id,
            "interviewer": {"id": scorecard.interviewer_id, "name": scorecard.interviewer.name},
            "training": scorecard.training,
            "submitted_at": _iso(scorecard.submitted_at),
        },
    )


def on_loop_confirmed(loop: Loop) -> None:
    queue_event(
        WebhookEvent.LOOP_CONFIRMED,
        f"loop.confirmed:{loop.id}",
        {
            "loop_id": loop.id,
            "candidate_id": loop.candidate_id,
            "opening_id": loop.opening_id,
            "confirmed_at": _iso(loop.confirmed_at),
            "sessions": [
                {
                    "session_id": s.id,
                    "interviewer_id": s.interviewer_id,
                    "starts_at": _iso(s.starts_at),
                    "ends_at": _iso(s.ends_at),
                }
                for s in loop.sessions
            ],
            "debrief_starts_at": _iso(loop.debrief.starts_at) if loop.debrief else None,
        },
    )


def on_decision_changed(loop: Loop, change: str) -> None:
    debrief: Debrief | None = loop.debrief
    if debrief is None or debrief.decision is None:
        return  # reopened: the next decision is an event of its own
    queue_event(
        WebhookEvent.DEBRIEF_DECIDED,
        # A decision reopened and made again is a new event.
        f"debrief.decided:{debrief.id}:{int(debrief.decided_at.timestamp())}",
        {
            "loop_id": loop.id,
            "candidate_id": loop.candidate_id,
            "opening_id": loop.opening_id,
            "decision": debrief.decision,
            "decided_at": _iso(debrief.decided_at),
            "decided_by": {"id": debrief.decided_by_id},
        },
    )
