"""The PDF debrief packet: rendered ahead of time off the request path, cached on disk by a hash
of everything it shows, downloaded from the debrief page (or a whole opening as a zip).

Call `request_packet(loop)` in the transaction of any change a packet shows (a scorecard
submitted or amended, a decision made); the scheduler process renders it.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from .outbox import request_packet

__all__ = ["init_app", "request_packet"]

packets_cli = AppGroup("packets", help="The PDF debrief packets.")


@packets_cli.command("render")
@click.option("--all", "everything", is_flag=True, help="Request every open loop's packet first.")
def render_command(everything: bool) -> None:
    """Render every requested packet now (what the scheduler does each interval)."""
    from sqlalchemy import select

    from ..extensions import db
    from ..models import Loop, LoopStatus
    from .renderer import render_requested

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


def init_app(app: Flask) -> None:
    from .views import bp

    app.register_blueprint(bp)
    app.cli.add_command(packets_cli)
