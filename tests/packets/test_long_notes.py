"""How long notes are laid out in the packet: every word kept, very many short lines run
together so a render stays cheap, and each paragraph in the direction of its own text."""

from __future__ import annotations

import pytest

from app.packets.content import FIELD_LINES, SCORECARD_LINES, lay_out
from app.web.paragraphs import direction, paragraphs


def lines(count: int, word: str = "a") -> list[dict[str, str]]:
    return paragraphs("\n\n".join(f"{word}{n}" for n in range(count)))


def test_a_field_of_very_many_lines_is_run_together_and_keeps_every_word() -> None:
    ordinary, long = lay_out([lines(FIELD_LINES), lines(FIELD_LINES + 1)])
    assert not ordinary["compact"] and len(ordinary["paras"]) == FIELD_LINES
    assert long["compact"] and len(long["paras"]) == 1
    text = long["paras"][0]["text"]
    assert text.startswith("a0 ¶ a1 ¶ ") and text.endswith(f" ¶ a{FIELD_LINES}")
    assert long["long"]


def test_lines_within_one_paragraph_count_and_are_kept_apart_by_a_slash() -> None:
    (note,) = lay_out([paragraphs("\n".join(f"line{n}" for n in range(FIELD_LINES + 1)))])
    assert note["compact"]
    assert note["paras"][0]["text"].startswith("line0 / line1 / line2")


def test_a_scorecard_with_too_many_lines_runs_its_longest_fields_together() -> None:
    sizes = [140, 140, 140, 140, 140, 100, 3]
    laid_out = lay_out([lines(size) for size in sizes])
    compact = [note["compact"] for note in laid_out]
    kept = sum(size for size, runs in zip(sizes, compact, strict=True) if not runs)
    assert kept <= SCORECARD_LINES
    assert compact[-1] is False and compact[-2] is False, "the short fields stay as written"
    assert sum(compact) == 2


def test_compacted_text_keeps_each_direction_run_apart() -> None:
    mixed = paragraphs("\n\n".join(["שלום"] * 100 + ["hello"] * 100))
    (note,) = lay_out([mixed])
    assert note["compact"]
    assert [p["dir"] for p in note["paras"]] == ["rtl", "ltr"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Explained the cache", "ltr"),
        ("شرح المرشح", "rtl"),
        ("המועמד הסביר", "rtl"),
        ("3 ملاحظات", "rtl"),  # digits are weak: the first letter decides
        ("«API» تصميم", "ltr"),  # the first strong character is the Latin A
        ("— 42 —", "ltr"),  # nothing strong: the page's own direction
        ("", "ltr"),
    ],
)
def test_direction_follows_the_first_strong_character(text: str, expected: str) -> None:
    assert direction(text) == expected
