from __future__ import annotations

import click
from flask.cli import AppGroup

from ..extensions import db
from ..models import Role
from .accounts import AccountError, create_user

users_cli = AppGroup("users", help="Manage Loopkit user accounts.")


@users_cli.command("create")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), prompt=True)
@click.option("--time-zone", default="UTC", show_default=True, help="IANA name, e.g. Europe/Berlin")
@click.password_option(help="At least 10 characters; prompted for when omitted.")
def create_command(email: str, name: str, role: str, time_zone: str, password: str) -> None:
    """Create a user who can sign in."""
    try:
        user = create_user(email, name, role, password, time_zone)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}.")
