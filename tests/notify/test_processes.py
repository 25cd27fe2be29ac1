"""The dispatcher as real processes: restarted mid-run, and two of them racing over one
database (SQLite file or PostgreSQL). Every reminder reaches the SMTP server exactly once."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Reminder
from app.notify.outbox import queue_mail
from app.storage.types import utcnow

from ..interviews.gunicorn_server import ROOT, server_environment
from .conftest import Inbox, SmtpServer

# Committed: the scheduler and dispatchers are processes of their own.
pytestmark = pytest.mark.committed


def flask_process(
    database_url: str,
    instance_dir: Path,
    smtp_port: int,
    *args: str,
    first_run: str = "",
    settings: dict[str, str] | None = None,
):
    """`flask *args` in a process of its own; `first_run` is Python code run before the CLI;
    `settings` are more LOOPKIT_* variables."""
    env = server_environment(database_url, instance_dir)
    env.update(
        FLASK_APP="app",
        LOOPKIT_SMTP_HOST="127.0.0.1",
        LOOPKIT_SMTP_PORT=str(smtp_port),
        LOOPKIT_SMTP_STARTTLS="false",
        LOOPKIT_DISPATCH_INTERVAL_SECONDS="0.2",
        **(settings or {}),
    )
    command = f"{first_run}\nfrom flask.cli import main\nmain()"
    return subprocess.Popen(
        [sys.executable, "-c", command, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run_scheduler_until(
    database_url: str,
    instance_dir: Path,
    smtp_port: int,
    done,
    settings: dict[str, str] | None = None,
) -> None:
    """A scheduler process of its own, run until `done()` holds (at most a minute), then
    stopped as a deploy would; it must exit cleanly."""
    process = flask_process(
        database_url, instance_dir, smtp_port, "scheduler", "run", settings=settings
    )
    try:
        deadline = time.time() + 60
        while not done() and time.time() < deadline:
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output


def queue_due(demo, count: int) -> None:
    """`count` reminders due a minute ago, for a spread of recipients."""
    people = list(demo.users.values())
    loop = demo.opening.candidates[0].loops[0]
    due = utcnow() - timedelta(minutes=1)
    for n in range(count):
        queue_mail("ready_for_debrief", people[n % len(people)], f"race.{n}", loop=loop, due_at=due)
    db.session.commit()


def sent_count() -> int:
    db.session.expire_all()
    count = db.session.execute(
        select(func.count(Reminder.id)).where(Reminder.status == "sent")
    ).scalar_one()
    db.session.commit()
    return count


def assert_each_once(inbox: Inbox, expected: int) -> None:
    ids = Counter(m["Message-ID"] for m in inbox.messages)
    duplicates = {k: v for k, v in ids.items() if v > 1}
    assert duplicates == {}
    assert len(ids) == expected


@pytest.fixture
def slow_smtp():
    inbox = Inbox(delay=0.01)
    server = SmtpServer(inbox)
    server.start()
    yield server
    server.stop()


# Enough that the first dispatcher is still sending (about 15 ms a mail) for seconds after
# the test has seen its tenth mail and stops it.
DUE = 200


def test_restarted_dispatcher_sends_each_pending_reminder_once(
    app, demo, database_url, instance_dir, slow_smtp
) -> None:
    queue_due(demo, DUE)
    first = flask_process(database_url, instance_dir, slow_smtp.port, "scheduler", "run")
    try:
        try:
            slow_smtp.inbox.wait_for(10)
        except AssertionError:
            first.terminate()
            raise AssertionError(first.communicate(timeout=10)[0]) from None
    finally:
        first.send_signal(signal.SIGTERM)  # stopped mid-run, as a deploy would
        output, _ = first.communicate(timeout=30)
    assert first.returncode == 0, output
    assert "stopping the scheduler" in output
    assert 10 <= sent_count() < DUE, "the first run was interrupted with reminders still due"

    second = flask_process(database_url, instance_dir, slow_smtp.port, "scheduler", "run")
    try:
        slow_smtp.inbox.wait_for(DUE)
        deadline = time.time() + 20
        while sent_count() < DUE and time.time() < deadline:
            time.sleep(0.1)
    finally:
        second.send_signal(signal.SIGINT)  # Ctrl-C stops it cleanly too
        output, _ = second.communicate(timeout=30)
    assert second.returncode == 0, output
    assert sent_count() == DUE
    assert_each_once(slow_smtp.inbox, DUE)


def test_two_dispatchers_share_500_reminders_without_sending_any_twice(
    app, demo, database_url, instance_dir
) -> None:
    inbox = Inbox()
    server = SmtpServer(inbox)
    server.start()
    try:
        queue_due(demo, 500)
        racers = [
            flask_process(database_url, instance_dir, server.port, "reminders", "dispatch")
            for _ in range(2)
        ]
        outputs = [racer.communicate(timeout=120)[0] for racer in racers]
        assert [r.returncode for r in racers] == [0, 0], outputs
        sent_by_each = [int(out.strip().splitlines()[-1].split()[0]) for out in outputs]
        assert sum(sent_by_each) == 500, outputs
        assert sent_count() == 500
        assert_each_once(inbox, 500)
    finally:
        server.stop()


def test_a_second_stop_signal_while_stopping_is_not_an_error(
    app, database_url, instance_dir, slow_smtp
) -> None:
    """Ctrl-C in `make run` reaches the scheduler, then the script's cleanup sends SIGTERM."""
    process = flask_process(database_url, instance_dir, slow_smtp.port, "scheduler", "run")
    try:
        lines = []
        for line in process.stdout:  # wait until its signal handlers are in place
            lines.append(line)
            if "scheduler started" in line:
                break
        process.send_signal(signal.SIGINT)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    output = "".join(lines) + output
    assert process.returncode == 0, output
    assert "Traceback" not in output
    assert "scheduler stopped" in output


# The stop signal arrives while APScheduler, on the main thread, is handing a due job to its
# thread pool: inside `submit()`, which holds the pool's lock. `os.kill` runs the handler
# before it returns, so the signal lands there every time, not once in a while.
SIGNAL_DURING_SUBMIT = """
import os, signal
from concurrent.futures import ThreadPoolExecutor

add_worker = ThreadPoolExecutor._adjust_thread_count  # called by submit() under its lock

def add_worker_after_a_stop_signal(pool):
    if not getattr(ThreadPoolExecutor, "signalled", False):
        ThreadPoolExecutor.signalled = True
        print("signalling inside submit()", flush=True)
        os.kill(os.getpid(), signal.SIGINT)
    add_worker(pool)

ThreadPoolExecutor._adjust_thread_count = add_worker_after_a_stop_signal
"""


def test_a_stop_signal_while_a_job_is_being_submitted_stops_the_scheduler(
    app, database_url, instance_dir, slow_smtp
) -> None:
    """A handler that shut the scheduler down itself waited for the lock its own thread held."""
    process = flask_process(
        database_url,
        instance_dir,
        slow_smtp.port,
        "scheduler",
        "run",
        first_run=SIGNAL_DURING_SUBMIT,
    )
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        raise AssertionError(f"the scheduler hung on its stop signal:\n{output}") from None
    assert "signalling inside submit()" in output
    assert process.returncode == 0, output
    assert "Traceback" not in output
    assert "scheduler stopped" in output
