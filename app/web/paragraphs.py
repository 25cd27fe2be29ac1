"""User text as paragraphs, each with the writing direction its own text calls for.

A note may mix an Arabic paragraph with an English one. Browsers could guess with
`dir="auto"`, but WeasyPrint ignores it, so the direction is decided here, once, from each
paragraph's first strongly directional character (the rule of the Unicode bidi algorithm),
and both the pages (`text|paragraphs` in templates) and the PDF packet write it out as
`dir="rtl"` or `dir="ltr"`.
"""

from __future__ import annotations

import unicodedata

from flask import Flask

RIGHT_TO_LEFT = frozenset({"R", "AL"})


def direction(text: str, default: str = "ltr") -> str:
    """ "rtl" or "ltr" from the first strongly directional character; `default` when none."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in RIGHT_TO_LEFT:
            return "rtl"
        if kind == "L":
            return "ltr"
    return default


def split_paragraphs(text: str | None) -> list[str]:
    """Blank lines split paragraphs; single newlines stay lines within one."""
    blocks = (text or "").replace("\r\n", "\n").split("\n\n")
    return [block.strip() for block in blocks if block.strip()]


def paragraphs(text: str | None) -> list[dict[str, str]]:
    """Each paragraph of `text` as {"text", "dir"}: plain data, so a packet can hash it."""
    return [{"text": block, "dir": direction(block)} for block in split_paragraphs(text)]


def init_app(app: Flask) -> None:
    app.add_template_filter(paragraphs, "paragraphs")
    app.add_template_filter(direction, "direction")
