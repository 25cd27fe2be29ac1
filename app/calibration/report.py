"""The opening's calibration report as a PDF: the charts and tables of the page, laid out for
print and rendered by the packet's locked-down render worker (no URL a user wrote is fetched,
and the web process never imports WeasyPrint)."""

from __future__ import annotations

from flask import render_template

from ..models import Opening
from ..packets.renderer import shared_worker
from ..storage.types import utcnow
from ..web.timefmt import local_time
from .figures import (
    AGREEMENT_MARKS,
    Calibration,
    agreement_rows,
    leniency_domain,
    leniency_rows,
)

TEMPLATE = "pdf/calibration.html"


def chart_context(calibration: Calibration) -> dict:
    """What the page and the PDF both pass to the chart macros."""
    return {
        "leniency_rows": leniency_rows(calibration.interviewers),
        "leniency_half": leniency_domain(f.leniency for f in calibration.interviewers),
        "agreement_charts": [
            {"opening": group[0].opening, "rows": agreement_rows(group)}
            for group in calibration.agreements_by_opening()
        ],
        "agreement_marks": AGREEMENT_MARKS,
    }


def report_html(opening: Opening, calibration: Calibration) -> str:
    return render_template(
        TEMPLATE,
        opening=opening,
        calibration=calibration,
        created=local_time(utcnow(), "%d %b %Y, %H:%M"),
        **chart_context(calibration),
    )


def render_report(html: str) -> bytes:
    return shared_worker().render(html).pdf
