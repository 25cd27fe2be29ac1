"""The packet outbox: requests to render a loop's packet, written in the same transaction as the
change that makes the old packet stale. The renderer claims one loop's requests at a time with a
lease (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite serialises writers), renders, and deletes
what it claimed; a renderer that dies leaves a lease that expires and is taken again."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select, update

from ..extensions import db
from ..models import Loop, PacketRequest
from ..storage.types import utcnow

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
BACKOFF = (
    timedelta(seconds=10),
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
)


def request_packet(loop: Loop, reason: str = "changed") -> PacketRequest:
    """Ask for the loop's packet to be rendered (both variants). Call it in the transaction of
    the change: a scorecard submitted or amended, a decision made or changed. Flushes."""
    row = PacketRequest(loop_id=loop.id, reason=reason[:40], requested_at=utcnow())
    db.session.add(row)
    db.session.flush()
    return row


def _claimable(now: datetime):
    return and_(
        PacketRequest.attempts < MAX_ATTEMPTS,
        or_(PacketRequest.lease_until.is_(None), PacketRequest.lease_until < now),
    )


def pending(loop_id: int) -> bool:
    """Whether a render of this loop is requested and will still be tried."""
    row = db.session.execute(
        select(PacketRequest.id)
        .where(PacketRequest.loop_id == loop_id, PacketRequest.attempts < MAX_ATTEMPTS)
        .limit(1)
    ).first()
    return row is not None


def ensure_requested(loop_id: int, reason: str = "download") -> bool:
    """A download found no fresh packet: request one unless a request is already waiting.
    Returns whether a row was added. Flushes."""
    if pending(loop_id):
        return False
    db.session.add(PacketRequest(loop_id=loop_id, reason=reason, requested_at=utcnow()))
    db.session.flush()
    return True


@dataclass(frozen=True)
class Claim:
    token: str
    loop_id: int
    ids: list[int]


def claim_next(now: datetime | None = None, lease: timedelta = LEASE) -> Claim | None:
    """Take the lease on every claimable request of the loop asked for longest ago; commits."""
    now = now or utcnow()
    postgres = db.session.get_bind().dialect.name == "postgresql"
    first = (
        select(PacketRequest.loop_id)
        .where(_claimable(now))
        .order_by(PacketRequest.requested_at, PacketRequest.id)
        .limit(1)
    )
    if postgres:
        first = first.with_for_update(skip_locked=True)
    loop_id = db.session.execute(first).scalar_one_or_none()
    if loop_id is None:
        db.session.commit()
        return None
    token = uuid.uuid4().hex
    rows = select(PacketRequest.id).where(PacketRequest.loop_id == loop_id, _claimable(now))
    if postgres:
        rows = rows.with_for_update(skip_locked=True)
    ids = (
        db.session.execute(
            update(PacketRequest)
            .where(PacketRequest.id.in_(rows.scalar_subquery()))
            .values(
                lease_token=token,
                lease_until=now + lease,
                attempts=PacketRequest.attempts + 1,
            )
            .returning(PacketRequest.id)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    db.session.commit()
    if not ids:
        return None
    return Claim(token, loop_id, sorted(ids))


def finish(claim: Claim) -> None:
    """Rendered: drop the claimed requests and any given-up ones of the loop; commits."""
    db.session.execute(
        delete(PacketRequest)
        .where(
            PacketRequest.loop_id == claim.loop_id,
            or_(
                PacketRequest.lease_token == claim.token,
                PacketRequest.attempts >= MAX_ATTEMPTS,
            ),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def fail(claim: Claim, error: str, now: datetime | None = None) -> None:
    """Not rendered: hand the requests back with a backoff (given up after MAX_ATTEMPTS)."""
    now = now or utcnow()
    rows = db.session.execute(
        select(PacketRequest).where(PacketRequest.lease_token == claim.token)
    ).scalars()
    for row in rows:
        wait = BACKOFF[min(row.attempts, len(BACKOFF)) - 1]
        row.lease_token = None
        row.lease_until = now + wait
        row.last_error = error[:2000]
    db.session.commit()
