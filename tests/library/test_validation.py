"""Every malformed library file is reported as file:line: field, and breaks only itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.library.source import Problem
from app.library.store import check_files, library_files, load_library
from app.models import RubricVersion, ScriptVersion

RUBRIC = """\
kind: rubric
key: tiny
title: Tiny rubric
scale:
  - label: Clear gap
    points: no-hire
  - label: Below the bar
    points: no-hire
  - label: At the bar
    points: hire
  - label: Raises the bar
    points: hire
competencies:
  - key: tiny-skill
    name: Tiny skill
    description: Something small but real.
    probes:
      - Tell me about the last time you did it.
    anchors:
      - Could not describe doing it.
      - Did it with a lot of help.
      - Did it alone and explained the choices.
      - Taught others and improved how the team does it.
"""

SCRIPT = """\
kind: script
key: tiny-script
title: Tiny script
stages:
  - key: only
    title: The only stage
    minutes: 5
    questions:
      - ask: Why did that project matter to the business?
        competencies: [tiny-skill]
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_for(tmp_path: Path, name: str, text: str, *, with_valid: bool = True) -> list[Problem]:
    if with_valid:
        write(tmp_path, "tiny.yaml", RUBRIC)
        write(tmp_path, "tiny-script.yaml", SCRIPT)
    target = write(tmp_path, name, text)
    context = [p for p in library_files(tmp_path) if p != target]
    checked, _ = check_files([target], context)
    return [p for item in checked for p in item.problems]


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_the_fixtures_themselves_are_valid(tmp_path: Path) -> None:
    write(tmp_path, "tiny.yaml", RUBRIC)
    write(tmp_path, "tiny-script.yaml", SCRIPT)
    checked, _ = check_files(library_files(tmp_path))
    assert [p for item in checked for p in item.problems] == []


def test_shipped_library_is_valid() -> None:
    directory = Path(__file__).resolve().parents[2] / "rubrics"
    checked, _ = check_files(library_files(directory))
    assert [str(p) for item in checked for p in item.problems] == []
    keys = {(item.kind, item.key) for item in checked}
    assert {
        ("script", "staged-45"),
        ("script", "system-design"),
        ("script", "pair-coding"),
        ("rubric", "backend-engineer"),
        ("rubric", "system-design"),
        ("rubric", "engineering-manager"),
    } <= keys
    staged = next(i for i in checked if i.key == "staged-45").document.value
    assert [(s["key"], s["minutes"]) for s in staged["stages"]] == [
        ("pitch", 5),
        ("experience", 20),
        ("candidate-questions", 10),
        ("logistics", 5),
        ("next-steps", 5),
    ]
    logistics = {f["key"]: f for f in staged["stages"][3]["fields"]}
    assert logistics["compensation_expectation"]["private"] is True


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    text = RUBRIC.replace("title: Tiny rubric", "title: [Tiny rubric")
    problem = only(problems_for(tmp_path, "broken.yaml", text, with_valid=False))
    assert problem.file.endswith("broken.yaml")
    assert problem.field == "(yaml)"
    assert problem.line in (3, 4)
    assert "not valid YAML" in problem.message


def test_missing_field(tmp_path: Path) -> None:
    text = RUBRIC.replace("    description: Something small but real.\n", "")
    text = text.replace("key: tiny\n", "key: other\n").replace("tiny-skill", "other-skill")
    problem = only(problems_for(tmp_path, "missing.yaml", text))
    assert (problem.line, problem.field) == (14, "competencies[0].description")
    assert "required" in problem.message
    assert str(problem).endswith(
        "missing.yaml:14: competencies[0].description: is required but missing"
    )


@pytest.mark.parametrize("count", [3, 5])
def test_anchors_must_be_exactly_four(tmp_path: Path, count: int) -> None:
    anchors = "".join(f"      - Level {n} behaviour described.\n" for n in range(count))
    head, _, _ = RUBRIC.partition("    anchors:\n")
    text = (head + "    anchors:\n" + anchors).replace("key: tiny\n", "key: odd\n")
    text = text.replace("tiny-skill", "odd-skill")
    problem = only(problems_for(tmp_path, f"levels{count}.yaml", text))
    assert (problem.line, problem.field) == (19, "competencies[0].anchors")
    assert f"has {count} anchored levels" in problem.message and "exactly 4" in problem.message


def test_scale_of_five_levels(tmp_path: Path) -> None:
    text = RUBRIC.replace(
        "    points: hire\n  - label: Raises the bar\n    points: hire\n",
        "    points: hire\n  - label: Raises the bar\n    points: hire\n"
        "  - label: Exceptional\n    points: hire\n",
    )
    text = text.replace("key: tiny\n", "key: five\n").replace("tiny-skill", "five-skill")
    problem = only(problems_for(tmp_path, "five.yaml", text))
    assert (problem.line, problem.field) == (4, "scale")
    assert "exactly 4" in problem.message and "midpoint" in problem.message


def test_a_level_without_a_direction_is_refused(tmp_path: Path) -> None:
    text = RUBRIC.replace("  - label: Below the bar\n    points: no-hire\n", "  - Below the bar\n")
    text = text.replace("key: tiny\n", "key: plain\n").replace("tiny-skill", "plain-skill")
    problem = only(problems_for(tmp_path, "plain.yaml", text))
    assert (problem.line, problem.field) == (7, "scale[1]")
    assert "which way it points" in problem.message and "points: no-hire" in problem.message


def test_a_scale_leaning_towards_hire_is_refused(tmp_path: Path) -> None:
    text = RUBRIC.replace(
        "  - label: Below the bar\n    points: no-hire\n",
        "  - label: Below the bar\n    points: hire\n",
    )
    text = text.replace("key: tiny\n", "key: lean\n").replace("tiny-skill", "lean-skill")
    problem = only(problems_for(tmp_path, "lean.yaml", text))
    assert (problem.line, problem.field) == (4, "scale")
    assert "3 of 4 levels point towards hire" in problem.message


def test_levels_run_weakest_first(tmp_path: Path) -> None:
    text = RUBRIC.replace(
        "  - label: Clear gap\n    points: no-hire\n", "  - label: Clear gap\n    points: hire\n"
    ).replace(
        "  - label: Raises the bar\n    points: hire\n",
        "  - label: Raises the bar\n    points: no-hire\n",
    )
    text = text.replace("key: tiny\n", "key: upside\n").replace("tiny-skill", "upside-skill")
    problem = only(problems_for(tmp_path, "upside.yaml", text))
    assert (problem.line, problem.field) == (6, "scale[0].points")
    assert "weakest first" in problem.message


@pytest.mark.parametrize("direction", ["neutral", "either", "None"])
def test_a_direction_is_hire_or_no_hire(tmp_path: Path, direction: str) -> None:
    text = RUBRIC.replace(
        "  - label: At the bar\n    points: hire\n",
        f"  - label: At the bar\n    points: {direction}\n",
    )
    text = text.replace("key: tiny\n", "key: dir\n").replace("tiny-skill", "dir-skill")
    problem = only(problems_for(tmp_path, "dir.yaml", text))
    assert (problem.line, problem.field) == (10, "scale[2].points")
    assert "must be `hire` or `no-hire`" in problem.message


@pytest.mark.parametrize(
    "label",
    ["Mixed", "Needs another interview", "Maybe", "Borderline", "Bring back for one more chat"],
)
def test_neutral_outcome_is_rejected(tmp_path: Path, label: str) -> None:
    text = RUBRIC.replace("  - label: Below the bar\n", f"  - label: {label}\n")
    text = text.replace("key: tiny\n", "key: fence\n").replace("tiny-skill", "fence-skill")
    problem = only(problems_for(tmp_path, "fence.yaml", text))
    assert (problem.line, problem.field) == (7, "scale[1].label")
    assert "must judge the candidate" in problem.message
    assert "'needs another interview' is not an outcome" in problem.message


def test_a_deferring_anchor_is_rejected(tmp_path: Path) -> None:
    text = RUBRIC.replace(
        "      - Did it with a lot of help.\n", "      - We would want more data first.\n"
    )
    text = text.replace("key: tiny\n", "key: anchor\n").replace("tiny-skill", "anchor-skill")
    problem = only(problems_for(tmp_path, "anchor.yaml", text))
    assert (problem.line, problem.field) == (21, "competencies[0].anchors[1]")
    assert "more interviews, data or time" in problem.message and "'more data'" in problem.message


def test_unknown_competency_in_script(tmp_path: Path) -> None:
    text = SCRIPT.replace("key: tiny-script", "key: lost").replace(
        "[tiny-skill]", "[no-such-skill]"
    )
    problem = only(problems_for(tmp_path, "lost.yaml", text))
    assert (problem.line, problem.field) == (10, "stages[0].questions[0].competencies[0]")
    assert "unknown competency 'no-such-skill'" in problem.message


def test_duplicate_keys_are_rejected(tmp_path: Path) -> None:
    text = RUBRIC.replace("title: Tiny rubric\n", "title: Tiny rubric\ntitle: Second title\n")
    problem = only(problems_for(tmp_path, "dup.yaml", text, with_valid=False))
    assert (problem.line, problem.field) == (4, "title")
    assert "duplicate key" in problem.message and "line 3" in problem.message


def test_wrong_type(tmp_path: Path) -> None:
    text = SCRIPT.replace("key: tiny-script", "key: typed").replace("minutes: 5", "minutes: five")
    problem = only(problems_for(tmp_path, "typed.yaml", text))
    assert (problem.line, problem.field) == (7, "stages[0].minutes")
    assert "whole number" in problem.message


def test_empty_stage_list(tmp_path: Path) -> None:
    text = "kind: script\nkey: empty\ntitle: Nothing here\nstages: []\n"
    problem = only(problems_for(tmp_path, "empty.yaml", text))
    assert (problem.line, problem.field) == (4, "stages")
    assert "at least 1" in problem.message


def test_unknown_field_lists_the_known_ones(tmp_path: Path) -> None:
    text = SCRIPT.replace("key: tiny-script", "key: extra").replace(
        "    minutes: 5\n", "    minutes: 5\n    mood: cheerful\n"
    )
    problem = only(problems_for(tmp_path, "extra.yaml", text))
    assert (problem.line, problem.field) == (8, "stages[0].mood")
    assert "unknown field" in problem.message and "talking_points" in problem.message


def test_competency_keys_are_unique_across_the_library(tmp_path: Path) -> None:
    text = RUBRIC.replace("key: tiny\n", "key: copycat\n")
    problem = only(problems_for(tmp_path, "copycat.yaml", text))
    assert (problem.line, problem.field) == (14, "competencies[0].key")
    assert "already defined in" in problem.message and "tiny.yaml" in problem.message


def test_choice_field_needs_options_and_no_fence(tmp_path: Path) -> None:
    text = SCRIPT.replace("key: tiny-script", "key: choices") + (
        "    fields:\n"
        "      - key: risk\n"
        "        label: Risk tolerance\n"
        "        type: choice\n"
        "        options: [Low, Undecided, High]\n"
    )
    problem = only(problems_for(tmp_path, "choices.yaml", text))
    assert (problem.line, problem.field) == (15, "stages[0].fields[0].options[1]")


def test_broken_file_beside_valid_ones_leaves_them_loaded(app, tmp_path: Path) -> None:
    write(tmp_path, "tiny.yaml", RUBRIC)
    write(tmp_path, "tiny-script.yaml", SCRIPT)
    write(
        tmp_path,
        "zz-broken.yaml",
        RUBRIC.replace("key: tiny\n", "key: broken\n").replace("  - Raises the bar\n", ""),
    )
    report = load_library(tmp_path)
    db.session.commit()
    assert [p.file.rsplit("/", 1)[-1] for p in report.problems] == ["zz-broken.yaml"]
    assert db.session.execute(select(RubricVersion.key)).scalars().all() == ["tiny"]
    assert db.session.execute(select(ScriptVersion.key)).scalars().all() == ["tiny-script"]
