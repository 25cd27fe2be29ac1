"""The packet outbox: requests to render a loop's packet, written in the same transaction as the
change that makes the old packet stale. The renderer claims one loop's requests at a time with a
lease (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite serialises writers), renders, and deletes
what it claimed; a renderer that dies leaves a lease that expires and is taken again."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select, update

from ..extensions import db
from ..models import Loop, PacketRequest
from ..storage.types import utcnow

LEASE = timedelta(minutes=5)
# A render that failed this often is given up: the same input would fail the same way, and a
# person (the hiring manager or an admin) sees why and decides whether to try again.
MAX_ATTEMPTS = 3
BACKOFF = (timedelta(seconds=10), timedelta(minutes=1))


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


def _still_tried(now: datetime):
    """Waiting to be tried (again), or being rendered right now (even on its last attempt)."""
    return or_(PacketRequest.attempts < MAX_ATTEMPTS, PacketRequest.lease_until >= now)


def pending(loop_id: int) -> bool:
    """Whether a render of this loop is requested and will still be tried."""
    row = db.session.execute(
        select(PacketRequest.id)
        .where(PacketRequest.loop_id == loop_id, _still_tried(utcnow()))
        .limit(1)
    ).first()
    return row is not None


@dataclass(frozen=True)
class Failure:
    """A packet given up after MAX_ATTEMPTS renders, and why, in words for the people who
    see it (the hiring manager, admins)."""

    loop_id: int
    error: str
    failed_at: datetime

    @property
    def reason(self) -> str:
        error = self.error
        if "RenderTimeout" in error or "longer than" in error:
            return (
                "Laying it out took longer than the renderer allows, on every attempt. "
                "This usually means a scorecard with extraordinarily long notes."
            )
        if "out of memory" in error or "MemoryError" in error:
            return "It needed more memory than the renderer may use, on every attempt."
        if "exited" in error or not error:
            return "The renderer stopped while preparing it, on every attempt."
        return f"The renderer reported: {error[:300]}"


def failure(loop_id: int) -> Failure | None:
    """The loop's packet as given up, unless a render of it is still to come."""
    return failures([loop_id]).get(loop_id)


def failures(loop_ids: list[int]) -> dict[int, Failure]:
    """`failure` for many loops in one query: the given-up ones, by loop id."""
    now = utcnow()
    rows = db.session.execute(
        select(
            PacketRequest.loop_id,
            PacketRequest.last_error,
            PacketRequest.lease_until,
            PacketRequest.attempts,
        )
        .where(PacketRequest.loop_id.in_(loop_ids))
        .order_by(PacketRequest.id.desc())
    ).all()
    found: dict[int, Failure] = {}
    still_tried: set[int] = set()
    for row in rows:
        if row.attempts < MAX_ATTEMPTS or (row.lease_until or now) > now:
            still_tried.add(row.loop_id)
        elif row.loop_id not in found:  # the newest given-up request says why
            found[row.loop_id] = Failure(row.loop_id, row.last_error or "", row.lease_until or now)
    return {loop_id: f for loop_id, f in found.items() if loop_id not in still_tried}


def given_up(limit: int = 50) -> list[Failure]:
    """Loops whose packet was given up and not requested since, most recent first."""
    now = utcnow()
    still_tried = select(PacketRequest.loop_id).where(_still_tried(now))
    rows = db.session.execute(
        select(
            PacketRequest.loop_id,
            func.max(PacketRequest.last_error),
            func.max(PacketRequest.lease_until),
        )
        .where(PacketRequest.loop_id.not_in(still_tried))
        .group_by(PacketRequest.loop_id)
        .order_by(func.max(PacketRequest.lease_until).desc(), PacketRequest.loop_id)
        .limit(limit)
    ).all()
    return [Failure(loop_id, error or "", at or now) for loop_id, error, at in rows]


def given_up_count() -> int:
    now = utcnow()
    still_tried = select(PacketRequest.loop_id).where(_still_tried(now))
    return db.session.execute(
        select(func.count(func.distinct(PacketRequest.loop_id))).where(
            PacketRequest.loop_id.not_in(still_tried)
        )
    ).scalar_one()


def ensure_requested(loop_id: int, reason: str = "download") -> bool:
    """A download found no fresh packet: request one unless a request is waiting or was given
    up (a given-up packet is retried only when someone asks: `retry`). Returns whether a row
    was added. Flushes."""
    exists = db.session.execute(
        select(PacketRequest.id).where(PacketRequest.loop_id == loop_id).limit(1)
    ).first()
    if exists is not None:
        return False
    db.session.add(PacketRequest(loop_id=loop_id, reason=reason, requested_at=utcnow()))
    db.session.flush()
    return True


def retry(loop_id: int, reason: str = "retry") -> None:
    """Someone asked to try a given-up packet again: forget the failures, request it anew."""
    db.session.execute(
        delete(PacketRequest)
        .where(PacketRequest.loop_id == loop_id, PacketRequest.attempts >= MAX_ATTEMPTS)
        .execution_options(synchronize_session=False)
    )
    db.session.add(PacketRequest(loop_id=loop_id, reason=reason[:40], requested_at=utcnow()))
    db.session.flush()


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
    """Not rendered: hand the requests back with a backoff, or give them up after
    MAX_ATTEMPTS (then `failure` tells whoever downloads it why); commits."""
    now = now or utcnow()
    rows = db.session.execute(
        select(PacketRequest).where(PacketRequest.lease_token == claim.token)
    ).scalars()
    for row in rows:
        given_up = row.attempts >= MAX_ATTEMPTS
        row.lease_token = None
        # Given up: lease_until records when, and no renderer takes it again.
        row.lease_until = now if given_up else now + BACKOFF[min(row.attempts, len(BACKOFF)) - 1]
        row.last_error = error[:2000]
    db.session.commit()
