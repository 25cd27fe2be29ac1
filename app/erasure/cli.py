"""`flask candidates erase-inactive`: the retention rule, run by hand (the scheduler runs it
daily)."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup

from .candidates import erase_inactive

candidates_cli = AppGroup("candidates", help="Candidates: retention and erasure.")


@candidates_cli.command("erase-inactive")
@click.option(
    "--months",
    type=click.IntRange(min=0),
    default=None,
    help="Inactivity that erases (default: LOOPKIT_RETENTION_MONTHS; 0: nothing is erased).",
)
@click.option(
    "--now",
    "now_text",
    default=None,
    help="Count inactivity up to this ISO time instead of now (e.g. 2027-01-31T00:00Z).",
)
def erase_inactive_command(months: int | None, now_text: str | None) -> None:
    """Erase the personal data of candidates without activity for N months."""
    months = int(current_app.config["RETENTION_MONTHS"]) if months is None else months
    if months == 0:
        click.echo("Retention is off (0 months): nothing erased.")
        return
    now = None
    if now_text:
        try:
            now = datetime.fromisoformat(now_text.replace("Z", "+00:00"))
        except ValueError:
            raise click.BadParameter(
                f"{now_text!r} is not an ISO time such as 2027-01-31T00:00Z", param_hint="--now"
            ) from None
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
    report = erase_inactive(months, now)
    click.echo(
        f"Erased {len(report.candidates)} candidate(s) inactive for {months} months"
        + (f": {', '.join(f'#{i}' for i in report.candidates)}" if report.candidates else "")
        + f". Mails removed: {report.mails_removed}."
        + (f" Database: {report.database}." if report.candidates else "")
    )
