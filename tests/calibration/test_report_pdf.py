"""The opening's calibration report as a PDF: the page's charts and figures, read back from
the real render, and nothing fetched that a user wrote."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.calibration.refresh import refresh_calibration
from app.extensions import db
from app.models import AuditEvent

from ..conftest import sign_in
from ..packets.conftest import canary, pdf_text  # noqa: F401  (fixture)
from .test_calibration import history  # noqa: F401  (fixture)

pytestmark = pytest.mark.pdf


def test_the_report_prints_the_dot_plot_the_figures_and_the_agreement(
    app,
    demo,
    history,  # noqa: F811
    canary,  # noqa: F811
) -> None:
    demo.opening.title = f'Senior Backend Engineer <img src="{canary.url}/title.png">'
    demo.users["tomas"].name = f'Tomás Ortega <link rel="stylesheet" href="{canary.url}/x.css">'
    db.session.commit()
    refresh_calibration()
    client = app.test_client()
    sign_in(client, "manager@example.com")
    response = client.get(f"/openings/{demo.opening.id}/calibration.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert (
        'filename="calibration-senior-backend-engineer-img-src-http-127-0-0-1'
        in (response.headers["Content-Disposition"])
    )
    pdf = response.get_data()
    text = re.sub(r"\s+", " ", pdf_text(pdf))
    assert "Calibration report" in text and "Leniency by interviewer" in text
    assert f'Senior Backend Engineer <img src="{canary.url}/title.png">' in text, "as text"
    assert "Agreement by competency" in text and "Running software in production" in text
    # Most lenient first, in the chart and the table alike; every figure beside its name.
    assert re.search(r"Tomás Ortega <link[^>]*> \d+ \+0\.\d\d", text), text[:2000]
    assert re.search(r"Kwame Mensah \d+ -0\.\d\d", text)
    assert re.search(r"Reliability and failure modes \d\.\d\d (reliable|tentative|low) 24 12", text)
    assert canary.requests == [], "the render fetched a URL a user wrote"
    db.session.commit()
    taken = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "calibration.report_downloaded")
    ).scalar_one()
    assert (taken.actor_id, taken.object_id) == (demo.users["manager"].id, demo.opening.id)
    assert PdfReader(io.BytesIO(pdf)).metadata.title.startswith("Calibration report")
