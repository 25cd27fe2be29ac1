"""Versions are immutable: editing a file adds one, loading again adds none."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.library.store import load_library
from app.models import RubricVersion

from .test_validation import RUBRIC, SCRIPT, write


def versions(key: str) -> list[RubricVersion]:
    return list(
        db.session.execute(
            select(RubricVersion).where(RubricVersion.key == key).order_by(RubricVersion.version)
        ).scalars()
    )


def test_editing_a_rubric_adds_a_version_and_keeps_the_old_text(app, tmp_path: Path) -> None:
    write(tmp_path, "tiny.yaml", RUBRIC)
    write(tmp_path, "tiny-script.yaml", SCRIPT)
    first = load_library(tmp_path)
    db.session.commit()
    assert sorted(first.added) == ["rubric tiny v1", "script tiny-script v1"]

    again = load_library(tmp_path)
    db.session.commit()
    assert again.added == [] and len(again.unchanged) == 2

    edited = RUBRIC.replace(
        "Did it with a lot of help.", "Needed step-by-step guidance throughout."
    )
    write(tmp_path, "tiny.yaml", edited)
    load_library(tmp_path)
    db.session.commit()
    db.session.expire_all()

    old, new = versions("tiny")
    assert (old.version, new.version) == (1, 2)
    assert old.source_text == RUBRIC
    assert old.definition["competencies"][0]["anchors"][1] == "Did it with a lot of help."
    assert (
        new.definition["competencies"][0]["anchors"][1]
        == "Needed step-by-step guidance throughout."
    )
    assert old.content_hash != new.content_hash


def test_shipped_library_loads_idempotently(app) -> None:
    source = Path(app.config["RUBRICS_DIR"])
    first = load_library(source)
    db.session.commit()
    assert not first.problems
    assert len(first.added) == len(list(source.glob("*.yaml")))
    second = load_library(source)
    assert second.added == []


def test_validate_command_prints_file_line_field(app, tmp_path: Path) -> None:
    shutil.copy(Path(app.config["RUBRICS_DIR"]) / "backend-engineer.yaml", tmp_path / "be.yaml")
    three_levels = RUBRIC.replace("  - label: At the bar\n    points: hire\n", "")
    broken = write(tmp_path, "broken.yaml", three_levels)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["rubrics", "validate", str(broken)])
    assert result.exit_code == 1
    assert f"{broken}:4: scale: has 3 levels" in result.output
    ok = runner.invoke(args=["rubrics", "validate"])
    assert ok.exit_code == 0, ok.output
    assert "file(s) valid" in ok.output
