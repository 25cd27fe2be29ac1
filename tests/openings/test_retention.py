"""The retention rule: candidates without activity for N months are erased; recent ones stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from app.erasure.candidates import erase_inactive
from app.extensions import db
from app.models import AuditEvent, Candidate, CandidateStatus, Loop

# Committed: retention erases, and erasure compacts the database files on connections of its
# own; the scheduler process reads the data too.
pytestmark = pytest.mark.committed

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)


def _age(candidate: Candidate, days: int) -> None:
    """Make the candidate and everything of their loops `days` old, as seen from NOW."""
    moment = NOW - timedelta(days=days)
    candidate.created_at = candidate.last_activity_at = moment
    for loop in candidate.loops:
        loop.created_at = moment
        loop.confirmed_at = moment
        for session in loop.sessions:
            length = session.ends_at - session.starts_at
            session.starts_at, session.ends_at = moment - length, moment
            if session.scorecard is not None:
                session.scorecard.updated_at = moment
        if loop.debrief is not None:
            loop.debrief.starts_at = loop.debrief.ends_at = moment


def _candidates(demo) -> tuple[Candidate, Candidate]:
    by_name = {c.name: c for c in demo.opening.candidates}
    return by_name["Lena Fischer"], by_name["Arjun Mehta"]


def test_candidates_inactive_for_the_retention_period_are_erased(app: Flask, demo) -> None:
    lena, arjun = _candidates(demo)
    _age(lena, 25 * 30)  # interviewed two years and a month ago
    _age(arjun, 11 * 30)  # added eleven months ago
    lena_id, arjun_id = lena.id, arjun.id
    db.session.commit()

    report = erase_inactive(24, now=NOW)

    assert report.candidates == [lena_id]
    db.session.expire_all()
    lena, arjun = db.session.get(Candidate, lena_id), db.session.get(Candidate, arjun_id)
    assert lena.status == CandidateStatus.ERASED and lena.name == f"Erased candidate #{lena_id}"
    assert lena.erased_at == NOW
    assert (arjun.name, arjun.status) == ("Arjun Mehta", CandidateStatus.ACTIVE)
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "candidate.erased")
    ).scalar_one()
    assert event.actor_id is None and event.details == {"reason": "retention"}
    assert db.session.execute(select(Loop).where(Loop.candidate_id == lena_id)).scalars().all()
    # Run again: nothing left to erase.
    db.session.commit()
    assert erase_inactive(24, now=NOW).candidates == []


def test_recent_work_on_a_loop_keeps_an_old_candidate(app: Flask, demo) -> None:
    lena, _ = _candidates(demo)
    _age(lena, 30 * 30)
    lena.loops[0].sessions[0].scorecard.updated_at = NOW - timedelta(days=20)  # notes last month
    lena_id = lena.id
    db.session.commit()

    assert erase_inactive(24, now=NOW).candidates == []
    db.session.expire_all()
    assert db.session.get(Candidate, lena_id).name == "Lena Fischer"


def test_zero_months_turns_retention_off(app: Flask, demo) -> None:
    lena, arjun = _candidates(demo)
    _age(lena, 100 * 30)
    _age(arjun, 100 * 30)
    db.session.commit()
    assert erase_inactive(0, now=NOW).candidates == []
    db.session.commit()
    statuses = set(db.session.execute(select(Candidate.status)).scalars())
    assert statuses == {CandidateStatus.ACTIVE}


def test_the_cli_erases_inactive_candidates_up_to_a_given_time(app: Flask, demo) -> None:
    lena, arjun = _candidates(demo)
    _age(lena, 7 * 30)
    _age(arjun, 2 * 30)
    lena_id = lena.id
    db.session.commit()

    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["candidates", "erase-inactive", "--months", "6", "--now", "2030-06-01T12:00Z"]
    )

    assert result.exit_code == 0, result.output
    assert f"Erased 1 candidate(s) inactive for 6 months: #{lena_id}." in result.output
    db.session.expire_all()
    names = set(db.session.execute(select(Candidate.name)).scalars())
    assert names == {f"Erased candidate #{lena_id}", "Arjun Mehta"}

    bad = runner.invoke(args=["candidates", "erase-inactive", "--now", "next tuesday"])
    assert bad.exit_code == 2 and "not an ISO time" in bad.output


def test_the_scheduler_process_runs_the_retention_rule(
    app: Flask, demo, database_url: str, tmp_path
) -> None:
    import signal
    import subprocess
    import sys
    import time

    from ..interviews.gunicorn_server import ROOT, server_environment

    lena, arjun = _candidates(demo)
    now = datetime.now(UTC)
    moment = now - timedelta(days=8 * 30)
    lena.created_at = lena.last_activity_at = moment
    for loop in lena.loops:
        loop.created_at = loop.confirmed_at = moment
        for session in loop.sessions:
            session.starts_at, session.ends_at = moment - timedelta(hours=1), moment
            session.scorecard.updated_at = moment
        loop.debrief.starts_at = loop.debrief.ends_at = moment
    lena_id, arjun_id = lena.id, arjun.id
    db.session.commit()

    env = server_environment(database_url, tmp_path / "instance")
    env.update(FLASK_APP="app", LOOPKIT_RETENTION_MONTHS="6")
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "scheduler", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and process.poll() is None:
            db.session.expire_all()
            status = db.session.get(Candidate, lena_id).status
            db.session.commit()
            if status == CandidateStatus.ERASED:
                break
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0]
    assert status == CandidateStatus.ERASED, output
    assert db.session.get(Candidate, arjun_id).status == CandidateStatus.ACTIVE
    db.session.commit()
