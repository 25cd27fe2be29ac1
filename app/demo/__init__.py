"""A demo hiring team, so `make run` opens on something real: today's loop, and a past month
of decided ones behind it for calibration (see history.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from ..answers.bank import answers_for
from ..auth.accounts import create_user
from ..calibration.refresh import refresh_calibration
from ..extensions import db
from ..library.store import load_library
from ..loops.planning import add_session, schedule_debrief, send_invitations, start_loop
from ..models import Candidate, LoopStatus, Opening, RubricVersion, ScriptVersion, User
from ..web.timefmt import zone
from .answers import seed_answers, tick_asked
from .history import DEMO_PASSWORD, HISTORY_USERS, latest_version, seed_history

DEMO_USERS = [
    ("admin@example.com", "Ada Admin", "admin", "UTC"),
    ("manager@example.com", "Maya Okafor", "hiring_manager", "Europe/Berlin"),
    ("coordinator@example.com", "Cole Brennan", "coordinator", "Europe/London"),
    ("priya@example.com", "Priya Raman", "interviewer", "Europe/Berlin"),
    ("tomas@example.com", "Tomás Ortega", "interviewer", "Europe/Madrid"),
    ("kwame@example.com", "Kwame Mensah", "interviewer", "Africa/Accra"),
]

DEMO_PITCH = (
    "We run the payments platform behind 4,000 small shops. The backend team is eight people, "
    "owns its services end to end (including the pager, about one night a month), and ships "
    "several times a day. We are strong on testing and calm incident reviews; we are weaker on "
    "documentation and still untangling a ten-year-old monolith. Remote within Europe, two "
    "on-site weeks a year."
)


@dataclass
class DemoTeam:
    users: dict[str, User]
    opening: Opening


def seed_demo(now: datetime | None = None) -> DemoTeam:
    """Create the demo team. Expects the rubric library loaded. Flushes; the caller commits."""
    now = now or datetime.now(UTC)
    users = {
        email.split("@")[0]: create_user(email, name, role, DEMO_PASSWORD, tz)
        for email, name, role, tz in DEMO_USERS
    }
    backend = latest_version(RubricVersion, "backend-engineer")
    design = latest_version(RubricVersion, "system-design")
    staged = latest_version(ScriptVersion, "staged-45")
    design_script = latest_version(ScriptVersion, "system-design")

    opening = Opening(
        title="Senior Backend Engineer",
        hiring_manager=users["manager"],
        pitch_text=DEMO_PITCH,
        competency_keys=[
            "api-design",
            "data-modelling",
            "production-operations",
            "architecture-tradeoffs",
            "reliability-failure-modes",
        ],
        default_script_key="staged-45",
        default_rubric_key="backend-engineer",
        debrief_delay_minutes=30,
    )
    db.session.add(opening)
    lena = Candidate(
        opening=opening,
        name="Lena Fischer",
        email="lena.fischer@example.org",
        time_zone="Europe/Berlin",
    )
    arjun = Candidate(
        opening=opening,
        name="Arjun Mehta",
        email="arjun.mehta@example.org",
        time_zone="Asia/Kolkata",
        working_hours_start=time(10, 0),
        working_hours_end=time(18, 30),
    )
    db.session.add_all([lena, arjun])
    db.session.flush()

    # Today's session started at the last quarter hour, so it is still on (45 minutes) and on
    # the interviewer's home page whenever the demo is started; tomorrow's at 10:00 their time.
    priya_zone = zone(users["priya"].time_zone)
    local_now = now.astimezone(priya_zone)
    today_start = local_now.replace(
        minute=local_now.minute - local_now.minute % 15, second=0, microsecond=0
    )
    tomas_zone = zone(users["tomas"].time_zone)
    tomorrow = (now.astimezone(tomas_zone) + timedelta(days=1)).date()
    tomorrow_start = datetime.combine(tomorrow, time(10, 0), tomas_zone)

    loop = start_loop(lena, users["coordinator"])
    add_session(
        loop,
        users["priya"],
        staged,
        backend,
        today_start.astimezone(UTC),
        ["api-design", "data-modelling", "production-operations"],
        "https://meet.example.com/lena-backend",
    )
    add_session(
        loop,
        users["tomas"],
        design_script,
        design,
        tomorrow_start.astimezone(UTC),
        ["architecture-tradeoffs", "reliability-failure-modes"],
        "https://meet.example.com/lena-design",
    )
    db.session.refresh(loop)
    loop.status = LoopStatus.CONFIRMED
    schedule_debrief(loop)
    seed_answers(users["manager"], opening)
    return DemoTeam(users=users, opening=opening)


demo_cli = AppGroup("demo", help="Demo data for trying Loopkit out.")


@demo_cli.command("seed")
def seed_command() -> None:
    """Load the library and seed the demo team, only when there are no users yet."""
    report = load_library(current_app.config["RUBRICS_DIR"])
    for problem in report.problems:
        click.echo(f"skipped: {problem}", err=True)
    if db.session.execute(select(func.count(User.id))).scalar_one():
        db.session.commit()
        demo_admin = db.session.execute(
            select(User.id).where(User.email == DEMO_USERS[0][0])
        ).first()
        if demo_admin is None:
            click.echo("Users exist already: no demo data added.")
            return
        click.echo("Demo team already here.")
    else:
        now = datetime.now(UTC)
        team = seed_demo(now)
        # Invitations and reminders as a real confirmation writes them, so a new team sees
        # mail arrive in the Maildir within the first minutes of `make run`.
        send_invitations(team.opening.candidates[0].loops[0])
        history = seed_history(team.users, team.opening, now)
        tick_asked(history.cards, answers_for(team.users["manager"], team.opening), seed=11)
        db.session.commit()
        refresh_calibration()
        click.echo("Demo team created; its invitations are on their way to the outbox.")
        click.echo(
            f"A past month: {history.loops} decided loops, {history.scorecards} scorecards "
            "(see Calibration)."
        )
    click.echo(f"Sign in with any of these (password: {DEMO_PASSWORD}):")
    for email, name, role, _ in DEMO_USERS:
        click.echo(f"  {email:<26} {role:<15} {name}")
    for email, name, _, _ in HISTORY_USERS:
        click.echo(f"  {email:<26} {'interviewer':<15} {name}")


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_cli)
