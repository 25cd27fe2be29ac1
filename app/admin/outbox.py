"""The outbox as admins read it: deliveries that failed for good or are waiting to be tried
again after a failure, with what each was, to whom, the last error and the next try.

A page costs a fixed number of statements whatever it holds: the count and the page (with
recipient and loop's candidate joined in)."""

from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import case, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Loop, Reminder, ReminderStatus
from ..notify.outbox import needs_attention

PER_PAGE = 50


def list_troubled(page: int = 1) -> Pagination:
    """Failed first, then those retrying; the most recently due first within each."""
    statement = (
        select(Reminder)
        .options(
            joinedload(Reminder.recipient),
            joinedload(Reminder.loop).joinedload(Loop.candidate),
        )
        .where(needs_attention())
        .order_by(
            case((Reminder.status == ReminderStatus.FAILED, 0), else_=1),
            Reminder.due_at.desc(),
            Reminder.id.desc(),
        )
    )
    return db.paginate(statement, page=max(page, 1), per_page=PER_PAGE, error_out=False)
