"""Random and adversarial library files: every one ends in a clean verdict, never an exception.

Valid rubric text is cut, spliced with YAML's sharper features (anchors, aliases, tags, flow
collections, directives, odd bytes) and checked; the answer is either "valid" or problems that
each name the file and a line inside it.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.library.store import check_files

from ..library.test_validation import RUBRIC, SCRIPT
from .conftest import hostile_settings
from .strategies import NASTY_STRINGS

FRAGMENTS = [
    "&a ",
    "*a",
    "<<: *a\n",
    "!!python/object/apply:os.system ['id']",
    "!!binary aGk=",
    "!local x",
    "%YAML 1.1\n---\n",
    "---\n",
    "...\n",
    "? ",
    ": ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    "'",
    '"',
    "|\n",
    ">-\n",
    "#",
    "\t",
    "\n  ",
    "key: ",
    "scale:\n",
    "points: hire\n",
    "points: maybe\n",
    "label: Undecided\n",
    "\x00",
    "\ufeff",
    "\u202e",
    "9" * 400,
    "~",
    "null",
    "yes",
    "0x1F",
    ".inf",
    "2026-12-06",
    "[" * 40,
    "{a: " * 40,
]


@st.composite
def hostile_library_text(draw) -> str:
    base = draw(st.sampled_from([RUBRIC, SCRIPT]))
    cuts = draw(st.lists(st.integers(0, len(base)), min_size=1, max_size=4))
    text = base
    for cut in sorted(cuts, reverse=True):
        piece = draw(st.sampled_from(FRAGMENTS + NASTY_STRINGS))
        text = text[:cut] + piece + text[cut:]
    return text


@given(text=hostile_library_text())
@hostile_settings()
def test_every_hostile_file_gets_a_verdict_with_file_and_line(text: str, tmp_path_factory) -> None:
    path = tmp_path_factory.mktemp("hostile") / "fuzzed.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    (checked,), _ = check_files([path])
    lines = text.count("\n") + 1
    for problem in checked.problems:
        assert problem.file == str(path)
        assert 1 <= problem.line <= lines, problem
        assert problem.message and problem.field
    if not checked.problems:
        assert checked.kind in ("rubric", "script") and checked.key
