"""A slow mail server: the dispatcher sends over several SMTP connections at once, so a burst
is not held up mail by mail, while each person's mails still arrive one after another in the
order they fell due, each once."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.notify.dispatcher import dispatch_due
from app.notify.outbox import queue_mail
from app.storage.types import utcnow

from .conftest import Inbox, SmtpServer


def test_a_burst_goes_over_several_connections_each_persons_mail_in_order(app, demo) -> None:
    inbox = Inbox(delay=0.2, concurrent=True)
    server = SmtpServer(inbox)
    server.start()
    app.config.update(
        SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_STARTTLS=False, OUTBOX_SMTP_CONNECTIONS=4
    )
    people = [demo.users[name] for name in ("priya", "tomas", "kwame", "manager", "coordinator")]
    start = utcnow() - timedelta(minutes=10)
    for n in range(20):
        person = people[n % len(people)]
        queue_mail(
            "ready_for_debrief",
            person,
            f"burst.{n}",
            loop=demo.opening.candidates[0].loops[0],
            due_at=start + timedelta(seconds=n),
        )
    db.session.commit()
    try:
        report = dispatch_due()
    finally:
        server.stop()
    assert len(report.sent) == 20 and report.failed == report.retrying == []
    ids = [m["Message-ID"] for m in inbox.messages]
    assert len(set(ids)) == 20, "each mail once"
    assert inbox.most_at_once > 1, "several conversations under way at once"
    assert inbox.most_at_once <= 4, "no more than the connections allowed"
    for person in people:
        theirs = [m["Message-ID"] for m in inbox.messages if m["To"].endswith(f"<{person.email}>")]
        assert theirs == sorted(theirs, key=lambda i: int(i.split(".")[1].split("@")[0])), person
