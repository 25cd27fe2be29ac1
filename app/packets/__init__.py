"""The PDF debrief packet: rendered ahead of time off the request path, cached on disk by a hash
of everything it shows, downloaded from the debrief page (or a whole opening as a zip).

A packet is requested in the transaction of any change it shows: this package connects to
the scorecard and decision hooks of the features below it. The scheduler process renders it.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..debriefs.decisions import decision_changed
from ..extensions import db
from ..interviews.scorecards import scorecard_amended, scorecard_submitted
from ..models import CandidateStatus, Loop, LoopStatus, Scorecard
from . import outbox
from .outbox import request_packet
from .renderer import render_requested
from .views import bp

__all__ = ["failed_packets", "init_app", "request_packet"]

packets_cli = AppGroup("packets", help="The PDF debrief packets.")


@packets_cli.command("render")
@click.option("--all", "everything", is_flag=True, help="Request every open loop's packet first.")
def render_command(everything: bool) -> None:
    """Render every requested packet now (what the scheduler does each interval)."""
    if everything:
        for loop in db.session.execute(
            select(Loop).where(Loop.status != LoopStatus.CANCELLED)
        ).scalars():
            request_packet(loop, "cli")
        db.session.commit()
    report = render_requested()
    for item in report.rendered:
        click.echo(
            f"loop {item.loop_id} {item.variant}: {item.pages} pages in {item.seconds:.2f} s"
        )
    for loop_id, error in report.failed:
        click.echo(f"loop {loop_id}: not rendered: {error}", err=True)
    click.echo(
        f"{len(report.rendered)} rendered, {len(report.fresh)} already fresh, "
        f"{len(report.failed)} failed."
    )


def _on_scorecard_submitted(scorecard: Scorecard) -> None:
    request_packet(scorecard.session.loop, "scorecard submitted")


def _on_scorecard_amended(scorecard: Scorecard) -> None:
    request_packet(scorecard.session.loop, "scorecard amended")


def _on_decision_changed(loop: Loop, change: str) -> None:
    request_packet(loop, change)


def failed_packets(limit: int = 50) -> list[tuple[Loop, outbox.Failure]]:
    """Given-up packets with their loops (two queries), most recent first, for admins."""
    failures = outbox.given_up(limit)
    if not failures:
        return []
    loops = {
        loop.id: loop
        for loop in db.session.execute(
            select(Loop)
            .options(joinedload(Loop.candidate))
            .where(Loop.id.in_([f.loop_id for f in failures]))
        ).scalars()
    }
    return [
        (loops[f.loop_id], f)
        for f in failures
        if f.loop_id in loops and loops[f.loop_id].candidate.status != CandidateStatus.ERASED
    ]


def packet_failure(loop_id: int) -> outbox.Failure | None:
    """For the debrief page (a feature below this one): the packet, if it was given up."""
    return outbox.failure(loop_id)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_global(packet_failure, "packet_failure")
    app.cli.add_command(packets_cli)
    # Connecting again (another app in the same process) is a no-op.
    scorecard_submitted.connect(_on_scorecard_submitted)
    scorecard_amended.connect(_on_scorecard_amended)
    decision_changed.connect(_on_decision_changed)
