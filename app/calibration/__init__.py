"""Calibration: how each interviewer rates against the rest of their panels, and how well
panels agree per competency, recomputed by the scheduler and read by pages and a PDF report."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from .refresh import refresh_calibration
from .views import bp

calibration_cli = AppGroup("calibration", help="Calibration figures.")


@calibration_cli.command("refresh")
def refresh_command() -> None:
    """Recompute the calibration figures now (the scheduler does it on an interval)."""
    report = refresh_calibration()
    click.echo(
        f"Calibration: {report.scorecards} scorecards, {report.tallies} tallies, "
        f"{report.agreements} agreements in {report.seconds:.2f} s"
    )


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(calibration_cli)
