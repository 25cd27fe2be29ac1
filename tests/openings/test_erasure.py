"""Candidate erasure: what an admin erases is gone from the database files, the packet cache and
the Maildir; anonymous counts and everyone else stay."""

from __future__ import annotations

import email
import io
import shutil
import threading
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, select, text
from sqlalchemy.pool import NullPool

from app.debriefs.decisions import record_decision
from app.erasure.candidates import compact_database
from app.extensions import db
from app.interviews.scorecards import amend_scorecard
from app.loops.planning import _mail_session, send_invitations
from app.models import (
    AuditEvent,
    Candidate,
    CandidateStatus,
    Loop,
    LoopStatus,
    Reminder,
    ReminderStatus,
    Scorecard,
)
from app.notify.dispatcher import dispatch_due
from app.notify.transports import _message_text
from app.openings.catalogue import candidate_counts
from app.packets import store
from app.storage.types import utcnow

from ..conftest import csrf_from, sign_in
from ..packets.conftest import pdf_text, run_renderer, submit

# Committed: erasure compacts the database files on connections of its own, which wait for
# (and would never see) a transaction kept open around the test.
pytestmark = pytest.mark.committed

CANARY = "Quillfeather-canary-7731"
SALARY = "Salary-canary-95k-EUR-base"
LENA = ("Lena Fischer", "lena.fischer@example.org")
ARJUN = ("Arjun Mehta", "arjun.mehta@example.org")


# ---- where erased text could linger ----


def _sqlite_files() -> list[Path]:
    main = Path(db.engine.url.database)
    return [p for p in (main, Path(f"{main}-wal"), Path(f"{main}-shm")) if p.exists()]


def _postgres_files() -> list[Path] | None:
    """The data files of our tables, their TOAST and indexes; None when not readable here."""
    db.session.execute(text("CHECKPOINT"))  # write dirty buffers out first
    root = Path(db.session.execute(text("SHOW data_directory")).scalar_one())
    relative = db.session.execute(
        text(
            "SELECT pg_relation_filepath(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 't', 'i') "
            "AND pg_relation_filepath(c.oid) IS NOT NULL"
        )
    ).scalars()
    db.session.commit()
    files = []
    for rel in relative:
        base = root / rel
        files += [p for p in [base, *base.parent.glob(base.name + ".*")] if p.is_file()]
    try:
        for path in files[:1]:
            path.read_bytes()
    except PermissionError:
        return None
    return files


def database_hits(needles) -> dict[str, list[str]]:
    """Needle -> where it was found in the database: bytes of the files, and on PostgreSQL also
    every row of every table read back as text."""
    db.session.commit()
    hits: dict[str, list[str]] = {}
    if db.engine.dialect.name == "sqlite":
        files = _sqlite_files()
    else:
        for table in db.metadata.sorted_tables:
            for needle in needles:
                found = db.session.execute(
                    text(f"SELECT count(*) FROM {table.name} t WHERE t::text ILIKE :n"),  # noqa: S608
                    {"n": f"%{needle}%"},
                ).scalar_one()
                if found:
                    hits.setdefault(needle, []).append(f"table {table.name}")
        db.session.commit()
        files = _postgres_files() or []
    for path in files:
        data = path.read_bytes().lower()
        for needle in needles:
            if needle.lower().encode() in data:
                hits.setdefault(needle, []).append(str(path))
    return hits


def maildir_hits(maildir: Path, needles) -> dict[str, list[str]]:
    """Needle -> mail files mentioning it, in their raw bytes or decoded (subjects are
    RFC 2047-encoded and bodies base64, so a raw search alone would miss them)."""
    hits: dict[str, list[str]] = {}
    for path in maildir.glob("*/*"):
        raw = path.read_bytes()
        decoded = _message_text(email.message_from_bytes(raw))
        for needle in needles:
            if needle.lower().encode() in raw.lower() or needle.casefold() in decoded:
                hits.setdefault(needle, []).append(path.name)
    return hits


def packet_hits(root: Path, needles) -> dict[str, list[str]]:
    hits: dict[str, list[str]] = {}
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        shown = pdf_text(data) if path.suffix == ".pdf" else ""
        for needle in needles:
            if needle.lower().encode() in data.lower() or needle.lower() in shown.lower():
                hits.setdefault(needle, []).append(str(path))
    return hits


# ---- the journey ----


@pytest.fixture
def clean_outside(app: Flask):
    """The packet cache and the Maildir are shared by the test run: start both empty."""
    packets = Path(app.instance_path) / "packets"
    maildir = Path(app.config["MAILDIR"])
    for folder in (packets, maildir):
        shutil.rmtree(folder, ignore_errors=True)
    yield packets, maildir
    for folder in (packets, maildir):
        shutil.rmtree(folder, ignore_errors=True)


def _lena(demo) -> Candidate:
    return next(c for c in demo.opening.candidates if c.name == LENA[0])


def _erase_as_admin(app: Flask, candidate_id: int, typed_name: str, reason="candidate_request"):
    client = app.test_client()
    assert sign_in(client, "admin@example.com").status_code == 302
    page = client.get(f"/candidates/{candidate_id}/erase")
    assert page.status_code == 200
    return client, client.post(
        f"/candidates/{candidate_id}/erase",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "confirm_name": typed_name,
            "reason": reason,
        },
    )


def test_erased_candidate_is_gone_from_database_files_packets_and_maildir(
    app: Flask, demo, priya_card, tomas_card, clean_outside
) -> None:
    packets_root, maildir = clean_outside
    lena = _lena(demo)
    lena_id, loop_id = lena.id, lena.loops[0].id
    arjun_id = next(c.id for c in demo.opening.candidates if c.name == ARJUN[0])

    submit(
        priya_card,
        stage_notes={"experience": f"{CANARY}: led the ledger split", "logistics": CANARY},
        summary=f"{CANARY} summary: strong on data modelling.",
        candidate_questions=f"{CANARY}: how often does the pager go off?",
        field_answers={"compensation_expectation": SALARY, "notice_period": CANARY},
        ratings={
            key: {
                "level": 3,
                "evidence": f"{CANARY} walked through the cursor pagination trade-offs in depth.",
                "not_assessed": False,
                "reason": "",
            }
            for key in priya_card.session.focus_competencies
        },
    )
    submit(tomas_card)
    errors = amend_scorecard(
        tomas_card.interviewer,
        tomas_card,
        {"summary": f"Amended after the call: {CANARY} mentioned a second offer."},
        f"Forgot {CANARY}'s remark about the queue",
        40,
    )
    assert errors == {}
    loop = db.session.get(Loop, loop_id)
    loop.opening.hire_threshold = 3.5  # hiring goes against the composite: a reason is kept
    record_decision(
        loop,
        demo.users["manager"],
        "hire",
        f"Hire: {CANARY} was the strongest.",
        override_reason=f"The composite undersells {CANARY}'s design work.",
    )
    assert loop.debrief.override_reason
    _mail_session(priya_card.session, "session_invite", priya_card.interviewer)  # an .ics too
    db.session.commit()
    report = dispatch_due(now=utcnow() + timedelta(days=3))
    assert report.sent and not report.failed
    run_renderer(app)
    db.session.commit()

    needles = [*LENA, CANARY, SALARY]
    # The searches find what is there before the erasure (so finding nothing after means it).
    assert set(database_hits(needles)) == set(needles)
    assert set(maildir_hits(maildir, needles)) >= {LENA[0]}
    packets = list(store.candidate_dir(lena_id).glob("*.pdf"))
    assert packets and CANARY in pdf_text(packets[0].read_bytes())

    client, response = _erase_as_admin(app, lena_id, "  lena   FISCHER ")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(f"/candidates/{lena_id}")
    page = client.get(f"/candidates/{lena_id}").get_data(as_text=True)
    assert f"Erased candidate #{lena_id}" in page and "Personal data erased" in page
    assert LENA[0] not in page and LENA[1] not in page

    assert database_hits(needles) == {}
    assert maildir_hits(maildir, needles) == {}
    assert not store.candidate_dir(lena_id).exists()
    assert packet_hits(packets_root, needles) == {}

    # Anonymous counts stay; the other candidate is untouched.
    db.session.expire_all()
    erased = db.session.get(Candidate, lena_id)
    assert erased.status == CandidateStatus.ERASED and erased.erased_at is not None
    assert candidate_counts(demo.users["admin"], [demo.opening]) == {demo.opening.id: 2}
    arjun = db.session.get(Candidate, arjun_id)
    assert (arjun.name, arjun.email, arjun.status) == (*ARJUN, CandidateStatus.ACTIVE)
    assert set(database_hits(list(ARJUN))) == set(ARJUN)
    cards = db.session.execute(
        select(Scorecard).join(Scorecard.session).where(Scorecard.session.has(loop_id=loop_id))
    ).scalars()
    kept = {(c.recommendation, tuple(r["level"] for r in c.ratings.values())) for c in cards}
    assert kept == {("yes", (3, 3, 3)), ("yes", (3, 3))}
    loop = db.session.get(Loop, loop_id)
    assert (loop.status, loop.debrief.decision) == (LoopStatus.DECIDED, "hire")

    # The audit trail keeps who, what and when; the erasure itself is recorded without a name.
    events = db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
    actions = [e.action for e in events]
    assert {"scorecard.amended", "debrief.decided", "candidate.erased"} <= set(actions)
    amended = next(e for e in events if e.action == "scorecard.amended")
    assert amended.actor_id == demo.users["tomas"].id
    assert amended.details["before"] == {"summary": "[erased]"}
    erasure = next(e for e in events if e.action == "candidate.erased")
    assert erasure.actor_id == demo.users["admin"].id
    assert erasure.details == {"reason": "candidate_request"}
    db.session.commit()


def test_erasing_an_open_loop_cancels_it_and_its_mail(app: Flask, demo, clean_outside) -> None:
    lena = _lena(demo)
    lena_id, loop = lena.id, lena.loops[0]
    send_invitations(loop)  # and they go out: the panel has something to cancel
    db.session.commit()
    dispatch_due(utcnow())
    pending = db.session.execute(
        select(Reminder.id).where(
            Reminder.loop_id == loop.id, Reminder.status == ReminderStatus.PENDING
        )
    ).all()
    assert pending
    db.session.commit()  # hold no SQLite snapshot across the request

    _, response = _erase_as_admin(app, lena_id, LENA[0], reason="no_longer_needed")
    assert response.status_code == 302

    db.session.expire_all()
    loop = db.session.get(Loop, loop.id)
    assert loop.status == LoopStatus.CANCELLED
    rows = db.session.execute(select(Reminder).where(Reminder.loop_id == loop.id)).scalars().all()
    waiting = [r for r in rows if r.status == ReminderStatus.PENDING]
    # Only the calendar cancellations wait to go, and they carry the erased name.
    assert waiting and {r.kind for r in waiting} <= {"session_cancel", "debrief_cancel"}
    assert all(LENA[0] not in (r.payload or {}).get("ics", "") for r in waiting)
    assert all(f"#{lena_id}" in r.payload["ics"] for r in waiting)
    # Drafts are retired: the panel can write nothing more about an erased candidate.
    assert all(s.scorecard is None for s in loop.sessions)
    db.session.commit()
    priya = app.test_client()
    assert sign_in(priya, "priya@example.com").status_code == 302
    session_id = loop.sessions[0].id
    assert priya.get(f"/interviews/{session_id}").status_code in (403, 404)


def test_a_wrong_name_erases_nothing_and_says_what_to_type(app: Flask, demo) -> None:
    lena_id = _lena(demo).id
    db.session.commit()
    _, response = _erase_as_admin(app, lena_id, "Lena Fisher", reason="")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "That is not the name shown: type Lena Fischer" in html
    assert "Choose why the candidate&#39;s data is erased." in html
    assert 'value="Lena Fisher"' in html  # what was typed stays
    db.session.expire_all()
    assert db.session.get(Candidate, lena_id).name == LENA[0]


def test_an_erased_candidate_is_no_longer_edited_or_planned(app: Flask, demo) -> None:
    lena_id = _lena(demo).id
    db.session.commit()
    client, response = _erase_as_admin(app, lena_id, LENA[0])
    assert response.status_code == 302
    page = client.get(f"/candidates/{lena_id}").get_data(as_text=True)
    assert "Edit candidate" not in page and "Plan a loop" not in page
    assert "Erase personal data" not in page
    assert client.get(f"/candidates/{lena_id}/edit").status_code == 403
    again = client.get(f"/candidates/{lena_id}/erase")
    assert again.status_code == 302  # already erased: back to the page, with a message


def test_an_erased_candidates_packet_is_gone_not_forever_preparing(app: Flask, demo) -> None:
    lena = _lena(demo)
    lena_id, loop_id, opening_id = lena.id, lena.loops[0].id, demo.opening.id
    db.session.commit()
    client, response = _erase_as_admin(app, lena_id, LENA[0])
    assert response.status_code == 302
    download = client.get(f"/loops/{loop_id}/packet.pdf")
    assert download.status_code == 410
    assert "personal data was erased" in download.get_data(as_text=True)
    # The opening's zip neither waits for nor lists the erased candidate's packet.
    bundle = client.get(f"/openings/{opening_id}/packets.zip")
    assert bundle.status_code == 200
    with zipfile.ZipFile(io.BytesIO(bundle.data)) as archive:
        assert archive.namelist() == ["README.txt"]
        assert f"loop {loop_id}" not in archive.read("README.txt").decode()


def test_compaction_leaves_its_lock_timeout_off_the_pooled_connection(app: Flask) -> None:
    """VACUUM FULL waits at most 10 s for its lock; the next request served on the same
    connection must wait for locks as the server's setting says, not give up after 10 s."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no lock timeout: there, compaction is a WAL checkpoint")
    db.session.remove()
    db.engine.dispose()  # an empty pool: the next checkout gets compaction's connection back
    with db.engine.connect() as connection:
        default = connection.exec_driver_sql("SHOW lock_timeout").scalar_one()
        connection.invalidate()
    assert compact_database(("reminders",)) == "postgresql: VACUUM FULL reminders"
    assert db.engine.pool.checkedin() == 1
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW lock_timeout").scalar_one() == default


def test_compaction_whose_server_connection_drops_names_the_tables_left(app: Flask) -> None:
    """The erasure has committed by then: a compaction that loses its connection says which
    tables it left for a VACUUM FULL by hand, and raises nothing."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server connection to lose")
    db.session.remove()
    outside_the_pool = create_engine(db.engine.url, poolclass=NullPool)
    said: list[str] = []

    def compact() -> None:
        with app.app_context():
            said.append(compact_database(("reminders", "scorecards")))

    with outside_the_pool.connect() as holder, outside_the_pool.connect() as admin:
        holder.exec_driver_sql("LOCK TABLE reminders IN ACCESS SHARE MODE")  # VACUUM waits
        compacting = threading.Thread(target=compact, daemon=True)
        compacting.start()
        waiting = None
        for _ in range(200):
            waiting = admin.exec_driver_sql(
                "SELECT pid FROM pg_stat_activity WHERE starts_with(query, 'VACUUM') "
                "AND wait_event_type = 'Lock'"
            ).scalar()
            admin.rollback()
            if waiting is not None:
                break
            time.sleep(0.05)
        assert waiting is not None, "the VACUUM never waited for the lock"
        admin.exec_driver_sql(f"SELECT pg_terminate_backend({int(waiting)})")
        compacting.join(timeout=30)
        holder.rollback()
    outside_the_pool.dispose()
    assert said == ["postgresql: VACUUM FULL ; busy, not yet: reminders, scorecards"]


def test_an_older_snapshot_open_during_the_erasure_does_not_keep_the_rows(
    app: Flask, demo, clean_outside
) -> None:
    """A report reading the database when the erasure commits still sees the erased rows, and
    VACUUM FULL copies rows some open snapshot can see into the new files. Compaction waits
    for such snapshots to end, so the rewritten files hold nothing erased."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's checkpoint waits for its readers itself")
    lena = _lena(demo)
    lena_id = lena.id
    assert set(database_hits(list(LENA))) == set(LENA)
    outside_the_pool = create_engine(db.engine.url, poolclass=NullPool)
    with outside_the_pool.connect() as report:
        # A snapshot taken now, on a table erasure does not touch (so no lock is in the way).
        report.exec_driver_sql("BEGIN ISOLATION LEVEL REPEATABLE READ")
        report.exec_driver_sql("SELECT count(*) FROM team_settings").scalar_one()
        finishing = threading.Timer(2.0, report.rollback)
        finishing.start()
        try:
            _client, response = _erase_as_admin(app, lena_id, LENA[0])
        finally:
            finishing.join()
    outside_the_pool.dispose()
    assert response.status_code == 302
    assert database_hits(list(LENA)) == {}


def test_compaction_that_outwaits_its_patience_says_the_rows_may_linger(app: Flask) -> None:
    """A snapshot still open when the wait is up: the tables are rewritten all the same, and
    the report (logged, and printed by `flask candidates`) says one was still open."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's checkpoint waits for its readers itself")
    app.config["ERASURE_SNAPSHOT_WAIT_SECONDS"] = 0.3
    db.session.remove()
    outside_the_pool = create_engine(db.engine.url, poolclass=NullPool)
    with outside_the_pool.connect() as report:
        report.exec_driver_sql("BEGIN ISOLATION LEVEL REPEATABLE READ")
        report.exec_driver_sql("SELECT count(*) FROM team_settings").scalar_one()
        said = compact_database(("reminders",))
        report.rollback()
    outside_the_pool.dispose()
    assert said == "postgresql: VACUUM FULL reminders; older snapshots still open"
