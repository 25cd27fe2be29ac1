"""One palette for the rating levels, on the pages and in the PDF: defined once, ordered in
greyscale, apart for red-green colour blindness, and readable with its ink."""

from __future__ import annotations

import re
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEVELS = ROOT / "app" / "static" / "css" / "levels.css"

# Machado, Oliveira and Fernandes (2009): full deuteranopia, on linear RGB.
DEUTERANOPIA = (
    (0.367322, 0.860646, -0.227968),
    (0.280085, 0.672501, 0.047413),
    (-0.011820, 0.042940, 0.968881),
)


def palette() -> dict[str, str]:
    return dict(re.findall(r"--(level-\d(?:-ink)?):\s*(#[0-9a-fA-F]{6})", LEVELS.read_text()))


def linear(hex_colour: str) -> tuple[float, float, float]:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    return tuple(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)


def luminance(rgb: tuple[float, float, float]) -> float:
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]


def lab(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    x = (0.4124 * rgb[0] + 0.3576 * rgb[1] + 0.1805 * rgb[2]) / 0.95047
    y = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]
    z = (0.0193 * rgb[0] + 0.1192 * rgb[1] + 0.9505 * rgb[2]) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def simulated(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    return tuple(
        min(1.0, max(0.0, sum(m * c for m, c in zip(row, rgb, strict=True))))
        for row in DEUTERANOPIA
    )


def contrast(a: float, b: float) -> float:
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def test_four_levels_each_with_an_ink() -> None:
    colours = palette()
    assert sorted(colours) == sorted(
        [f"level-{n}" for n in range(1, 5)] + [f"level-{n}-ink" for n in range(1, 5)]
    )


def test_greyscale_print_keeps_the_order() -> None:
    colours = palette()
    grey = [luminance(linear(colours[f"level-{n}"])) for n in range(1, 5)]
    assert grey == sorted(grey), "lighter with each level"
    assert min(b - a for a, b in zip(grey, grey[1:], strict=False)) > 0.04, grey


def test_the_levels_stay_apart_for_deuteranopia() -> None:
    colours = palette()
    seen = {n: lab(simulated(linear(colours[f"level-{n}"]))) for n in range(1, 5)}
    for a, b in combinations(seen, 2):
        distance = sum((p - q) ** 2 for p, q in zip(seen[a], seen[b], strict=True)) ** 0.5
        assert distance > 20, f"levels {a} and {b} look alike to a deuteranope ({distance:.1f})"


def test_each_ink_reads_on_its_level() -> None:
    colours = palette()
    for n in range(1, 5):
        ratio = contrast(
            luminance(linear(colours[f"level-{n}"])), luminance(linear(colours[f"level-{n}-ink"]))
        )
        assert ratio >= 4.5, f"level {n}: contrast {ratio:.1f}"


def test_the_page_and_the_packet_use_this_palette_and_no_other() -> None:
    for stylesheet in ("app.css", "packet.css"):
        css = (ROOT / "app" / "static" / "css" / stylesheet).read_text()
        rules = [line for line in css.splitlines() if re.search(r"\.(level-|l)[1-4]\b", line)]
        assert rules and all("var(--level-" in rule for rule in rules), stylesheet
        assert not any(re.search(r"#[0-9a-fA-F]{3,6}", rule) for rule in rules), stylesheet
    assert "css/levels.css" in (ROOT / "templates" / "base.html").read_text()
    assert "css/levels.css" in (ROOT / "templates" / "pdf" / "packet.html").read_text()
