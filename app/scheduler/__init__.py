"""The scheduler process (`flask scheduler run`): reminders, packet renders, calibration and
the retention rule, each on an interval. It sits on top: it calls into notify, packets,
calibration and erasure."""

from __future__ import annotations

import logging

import click
from flask import Flask
from flask.cli import AppGroup, ScriptInfo

from .runner import run_scheduler

scheduler_cli = AppGroup("scheduler", help="The scheduler process (reminders, packets).")


@scheduler_cli.command("run")
@click.option("--interval", type=float, default=None, help="Seconds between dispatcher runs.")
def run_command(interval: float | None) -> None:
    """Run the scheduler in the foreground until SIGTERM or Ctrl-C."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # A run still going when the next is due is skipped by design (max_instances=1).
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    # The app itself, not the context-bound proxy: the jobs run on threads of their own.
    app = click.get_current_context().ensure_object(ScriptInfo).load_app()
    run_scheduler(app, interval or app.config["DISPATCH_INTERVAL_SECONDS"])


def init_app(app: Flask) -> None:
    app.cli.add_command(scheduler_cli)
