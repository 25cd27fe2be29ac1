"""Sending the webhook outbox, as the scheduler does mail: claim a small batch under a short
lease (one conditional UPDATE, SKIP LOCKED on PostgreSQL), commit, send each, mark it under
the lease. A receiver that is down, slow or answers other than 2xx is tried again with
backoff; after the last try the delivery fails, visibly, until an admin retries it.

Exactly once per event and endpoint, but for one case no sender can rule out: the process
dying after the receiver took a delivery and before it was marked. The repeat carries the
same Loopkit-Event-Id, for the receiver to drop."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from ..extensions import db
from ..models import ReminderStatus, User, WebhookDelivery, record_audit
from ..notify.dispatcher import database_now
from .endpoints import EndpointError, check_url
from .signing import headers

# Six tries over about ten hours: a receiver down for a deploy or a night still gets it.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=8),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# A crash holds its batch this long at most.
LEASE = timedelta(seconds=30)  # renewed before each send, so longer than a send's timeout
BATCH = 10
ERROR_LENGTH = 300


@dataclass
class WebhookReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not an instruction: following it would send the signed body
    (and the next one) wherever the receiver points."""

    def redirect_request(self, *args, **kwargs):
        return None


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


def _lease() -> timedelta:
    seconds = current_app.config.get("WEBHOOK_LEASE_SECONDS")
    return timedelta(seconds=float(seconds)) if seconds else LEASE


def _claim(now: datetime, limit: int = BATCH) -> tuple[str, list[int]]:
    token = uuid.uuid4().hex
    real = database_now()
    due = or_(
        and_(WebhookDelivery.status == ReminderStatus.PENDING, WebhookDelivery.due_at <= now),
        and_(WebhookDelivery.status == ReminderStatus.SENDING, WebhookDelivery.lease_until < real),
    )
    candidates = (
        select(WebhookDelivery.id)
        .where(due)
        .order_by(WebhookDelivery.due_at, WebhookDelivery.id)
        .limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = (
        db.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(candidates.scalar_subquery()))
            .values(
                status=ReminderStatus.SENDING,
                lease_until=real + _lease(),
                lease_token=token,
                attempts=WebhookDelivery.attempts + 1,
            )
            .returning(WebhookDelivery.id)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    db.session.commit()
    return token, sorted(ids)


def _post(delivery: WebhookDelivery) -> tuple[int | None, str | None]:
    """(HTTP status or None, what went wrong or None)."""
    endpoint = delivery.endpoint
    try:
        check_url(endpoint.url)  # again at each send: the name may point elsewhere now
    except EndpointError as error:
        return None, str(error)
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = int(database_now().timestamp())
    request = urllib.request.Request(  # noqa: S310  (https, or http only when allowed)
        endpoint.url,
        data=body,
        method="POST",
        headers=headers(endpoint.secret, timestamp, body, delivery.event_key, delivery.id),
    )
    timeout = float(current_app.config.get("WEBHOOK_TIMEOUT_SECONDS", 10))
    try:
        with _opener().open(request, timeout=timeout) as response:
            return response.status, None
    except urllib.error.HTTPError as error:
        said = error.read(ERROR_LENGTH).decode("utf-8", "replace").strip()
        where = (
            " (Loopkit does not follow redirects: give the final address)"
            if 300 <= error.code < 400
            else ""
        )
        return error.code, f"answered {error.code}{where}{': ' + said if said else ''}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return None, f"could not be reached: {reason}"


def _renew(token: str) -> None:
    db.session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.lease_token == token,
            WebhookDelivery.status == ReminderStatus.SENDING,
        )
        .values(lease_until=database_now() + _lease())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _finish(delivery_id: int, token: str, **values) -> bool:
    done = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.lease_token == token)
        .values(lease_until=None, lease_token=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return done.rowcount == 1


def deliver_due(now: datetime | None = None, stop: threading.Event | None = None) -> WebhookReport:
    """Send every delivery due at `now` (the database's clock unless a test says otherwise),
    a batch at a time, until none is left or `stop` is set."""
    report = WebhookReport()
    while stop is None or not stop.is_set():
        at = now or database_now()
        token, ids = _claim(at)
        if not ids:
            break
        for delivery_id in ids:
            delivery = db.session.get(WebhookDelivery, delivery_id)
            if stop is not None and stop.is_set():
                _finish(
                    delivery_id,
                    token,
                    status=ReminderStatus.PENDING,
                    attempts=delivery.attempts - 1,
                )
                continue
            if not delivery.endpoint.active:
                _finish(
                    delivery_id,
                    token,
                    status=ReminderStatus.CANCELLED,
                    last_error="The endpoint was paused before this was sent.",
                )
                continue
            _renew(token)  # what is left of the batch stays ours while this one is sent
            status, problem = _post(delivery)
            if problem is None and status is not None and 200 <= status < 300:
                _finish(
                    delivery_id,
                    token,
                    status=ReminderStatus.SENT,
                    sent_at=database_now(),
                    response_status=status,
                    last_error=None,
                )
                report.sent.append(delivery_id)
                continue
            problem = (problem or f"answered {status}")[:ERROR_LENGTH]
            if delivery.attempts >= MAX_ATTEMPTS:
                _finish(
                    delivery_id,
                    token,
                    status=ReminderStatus.FAILED,
                    response_status=status,
                    last_error=problem,
                )
                report.failed.append(delivery_id)
            else:
                wait = BACKOFF[min(delivery.attempts, len(BACKOFF)) - 1]
                _finish(
                    delivery_id,
                    token,
                    status=ReminderStatus.PENDING,
                    due_at=(now or database_now()) + wait,
                    response_status=status,
                    last_error=problem,
                )
                report.retrying.append(delivery_id)
    return report


def retry_now(actor: User, delivery: WebhookDelivery) -> None:
    """An admin sends a failed delivery again: due now, with its tries counted afresh."""
    delivery.status = ReminderStatus.PENDING
    delivery.due_at = database_now()
    delivery.attempts = 0
    db.session.flush()
    record_audit(actor, "webhook.retried", delivery)
