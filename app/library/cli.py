from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from .store import check_files, expand_paths, library_files, load_library

rubrics_cli = AppGroup("rubrics", help="Validate and load the rubric and script library.")


@rubrics_cli.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def validate_command(paths: tuple[Path, ...]) -> None:
    """Check files or folders (default: the library); print `file:line: field: problem`."""
    library = library_files(current_app.config["RUBRICS_DIR"])
    targets = expand_paths(paths) if paths else library
    if not targets:
        click.echo("No .yaml or .yml files to check.", err=True)
        sys.exit(1)
    chosen = {p.resolve() for p in targets}
    context = [p for p in library if p.resolve() not in chosen]
    checked, _ = check_files(targets, context)
    problems = sorted(p for item in checked for p in item.problems)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        broken = len({p.file for p in problems})
        click.echo(f"{len(problems)} problem(s) in {broken} of {len(checked)} file(s).", err=True)
        sys.exit(1)
    click.echo(f"{len(checked)} file(s) valid.")


@rubrics_cli.command("load")
@click.option("--strict", is_flag=True, help="Exit non-zero when any file was skipped.")
def load_command(strict: bool) -> None:
    """Store new versions of changed files; skip broken ones (and say why)."""
    report = load_library(current_app.config["RUBRICS_DIR"])
    db.session.commit()
    for line in report.added:
        click.echo(f"added {line}")
    click.echo(f"{len(report.added)} added, {len(report.unchanged)} unchanged.")
    for problem in report.problems:
        click.echo(f"skipped: {problem}", err=True)
    if report.problems and strict:
        sys.exit(1)
