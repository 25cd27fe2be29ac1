"""Library files cannot hurt the app: expansion bombs, huge files and unknown tags are refused
with file and line before anything is built, and a refused file never reaches interviewers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.library.source import MAX_FILE_BYTES
from app.library.store import check_files, load_library
from app.models import RubricVersion

from .test_validation import RUBRIC, SCRIPT, write

# The classic nested-alias bomb: nine levels of nine aliases each ask for 9**9 strings.
LAUGHS = "kind: rubric\nl0: &l0 lol\n" + "".join(
    f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]\n" for n in range(1, 10)
)


def problems(path: Path) -> list[str]:
    checked, _ = check_files([path])
    return [str(p) for item in checked for p in item.problems]


def test_a_nested_alias_bomb_is_refused_at_its_first_alias(tmp_path: Path) -> None:
    bomb = write(tmp_path, "laughs.yaml", LAUGHS)
    assert len(LAUGHS) < 600
    found = problems(bomb)
    assert found[-1].startswith(f"{bomb}:3: l1[0]: alias *l0 is not allowed")
    assert "anchor &l0 is not allowed" in found[0]


def test_an_anchor_alone_is_refused_with_its_field(tmp_path: Path) -> None:
    text = RUBRIC.replace("title: Tiny rubric", "title: &name Tiny rubric")
    path = write(tmp_path, "anchored.yaml", text)
    assert problems(path) == [
        f"{path}:3: title: anchor &name is not allowed: rubric files do not share values "
        "between places"
    ]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("!!python/object/apply:os.system ['touch pwned']", "!!python/object/apply:os.system"),
        ("!!python/name:os.system", "!!python/name:os.system"),
        ("!include secrets.yaml", "!include"),
        ("!!binary aGVsbG8=", "!!binary"),
    ],
)
def test_an_explicit_tag_is_named_with_file_and_line(
    tmp_path: Path, value: str, shown: str
) -> None:
    text = RUBRIC.replace("title: Tiny rubric", f"title: {value}")
    path = write(tmp_path, "tagged.yaml", text)
    assert problems(path) == [
        f"{path}:3: title: tag {shown} is not allowed: library files hold plain text, numbers, "
        "true/false, lists and mappings only"
    ]
    assert not (tmp_path / "pwned").exists()


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    # Valid YAML all through: only its size is wrong.
    padding = "".join(f"# padding line {n:07d} {'x' * 60}\n" for n in range(30_000))
    path = write(tmp_path, "huge.yaml", RUBRIC + padding)
    size = path.stat().st_size
    assert size > 2 * 1024 * 1024
    assert problems(path) == [
        f"{path}:1: (file): is {size:,} bytes; a library file may hold at most "
        f"{MAX_FILE_BYTES:,} bytes (256 KB): split it into several rubrics or scripts"
    ]


def test_a_file_just_under_the_limit_is_read(tmp_path: Path) -> None:
    room = MAX_FILE_BYTES - len(RUBRIC.encode()) - 1
    path = write(tmp_path, "roomy.yaml", RUBRIC + "#" * (room - 1) + "\n")
    assert path.stat().st_size <= MAX_FILE_BYTES
    assert problems(path) == []


def test_nesting_deeper_than_any_rubric_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "deep.yaml", "kind: rubric\ntitle: " + "[" * 5000 + "]" * 5000 + "\n")
    (found,) = problems(path)
    assert found.startswith(f"{path}:2: title[0]")
    assert "nested more than 32 levels deep" in found


def test_validate_names_the_problem_and_never_shows_a_traceback(app, tmp_path: Path) -> None:
    bomb = write(tmp_path, "laughs.yaml", LAUGHS)
    result = app.test_cli_runner().invoke(args=["rubrics", "validate", str(bomb)])
    assert result.exit_code == 1
    assert f"{bomb}:3: l1[0]: alias *l0 is not allowed" in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_validate_accepts_a_directory(app, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    shipped = runner.invoke(args=["rubrics", "validate", app.config["RUBRICS_DIR"]])
    assert shipped.exit_code == 0, shipped.output
    count = len(list(Path(app.config["RUBRICS_DIR"]).glob("*.yaml")))
    assert f"{count} file(s) valid." in shipped.output

    write(tmp_path, "tiny.yaml", RUBRIC)
    write(tmp_path, "tiny-script.yaml", SCRIPT)
    bad = write(tmp_path, "tagged.yaml", RUBRIC.replace("title: Tiny rubric", "title: !x y"))
    mixed = runner.invoke(args=["rubrics", "validate", str(tmp_path)])
    assert mixed.exit_code == 1
    assert f"{bad}:3: title: tag !x is not allowed" in mixed.output
    assert "1 problem(s) in 1 of 3 file(s)." in mixed.output


def test_load_skips_hostile_files_and_loads_the_rest(app, tmp_path: Path) -> None:
    shutil.copy(Path(app.config["RUBRICS_DIR"]) / "backend-engineer.yaml", tmp_path)
    write(tmp_path, "laughs.yaml", LAUGHS)
    write(
        tmp_path,
        "tagged.yaml",
        RUBRIC.replace("key: tiny", "key: tagged").replace(
            "title: Tiny rubric", "title: !!python/object:os.system x"
        ),
    )
    write(tmp_path, "huge.yaml", RUBRIC.replace("key: tiny", "key: huge") + "#" * MAX_FILE_BYTES)
    report = load_library(tmp_path)
    db.session.commit()
    assert report.added == ["rubric backend-engineer v1"]
    skipped = {p.file.rsplit("/", 1)[-1] for p in report.problems}
    assert skipped == {"laughs.yaml", "tagged.yaml", "huge.yaml"}
    keys = set(db.session.execute(select(RubricVersion.key)).scalars())
    assert "tagged" not in keys and "huge" not in keys
