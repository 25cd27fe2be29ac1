"""Reminders and mail: the outbox, the dispatcher, transports, calendar invites."""

from __future__ import annotations

import logging

import click
from flask import Flask, current_app
from flask.cli import AppGroup

scheduler_cli = AppGroup("scheduler", help="The scheduler process (reminders).")
reminders_cli = AppGroup("reminders", help="The reminder outbox.")


@scheduler_cli.command("run")
@click.option("--interval", type=float, default=None, help="Seconds between dispatcher runs.")
def run_command(interval: float | None) -> None:
    """Run the scheduler in the foreground until SIGTERM or Ctrl-C."""
    from .scheduler import run_scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # A run still going when the next is due is skipped by design (max_instances=1).
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    app = current_app._get_current_object()
    run_scheduler(app, interval or app.config["DISPATCH_INTERVAL_SECONDS"])


@reminders_cli.command("dispatch")
def dispatch_command() -> None:
    """Send what is due now, once."""
    from .dispatcher import dispatch_due

    report = dispatch_due()
    click.echo(
        f"{len(report.sent)} sent, {len(report.retrying)} to retry, {len(report.failed)} failed."
    )


def init_app(app: Flask) -> None:
    app.cli.add_command(scheduler_cli)
    app.cli.add_command(reminders_cli)
