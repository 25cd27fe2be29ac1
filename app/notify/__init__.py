"""Reminders and mail: the outbox, the dispatcher, transports, calendar invites."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from .dispatcher import dispatch_due

reminders_cli = AppGroup("reminders", help="The reminder outbox.")


@reminders_cli.command("dispatch")
def dispatch_command() -> None:
    """Send what is due now, once."""
    report = dispatch_due()
    click.echo(
        f"{len(report.sent)} sent, {len(report.retrying)} to retry, {len(report.failed)} failed."
    )


def init_app(app: Flask) -> None:
    app.cli.add_command(reminders_cli)
