"""In real Chromium: the hiring manager opens a debrief where the panel disagrees, sees it
flagged, decides, and downloads the PDF packet (kept as a PNG of its first page)."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from app.extensions import db

from .conftest import ARTIFACTS
from .test_interview_journey import sign_in


def test_manager_decides_and_downloads_the_packet(
    app,
    live_server,
    page: Page,
    debrief_ready,
    tmp_path,
) -> None:
    loop = debrief_ready
    sign_in(page, live_server, "manager@example.com")
    page.goto(f"{live_server}/loops/{loop.id}/debrief")
    row = page.locator("tr[data-competency=api-design]")
    expect(row).to_have_class("disagreement")
    expect(row).to_contain_text("Disagreement")
    expect(page.get_by_text("The panel is split: some say yes, some say no")).to_be_visible()
    # Evidence is one click away.
    row.locator("td.level-4 summary").click()
    expect(row.locator("td.level-4 .evidence")).to_be_visible()

    page.get_by_label("No hire").check()
    page.get_by_label("Rationale (goes on the record and into the packet)").fill(
        "The panel split on API design; we lack depth on production work. Not this time."
    )
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decision recorded; the panel is told by mail.")).to_be_visible()
    expect(page.locator(".decision-outcome")).to_contain_text("No hire")

    # The packet is rendered off the request path: until then the download says so.
    page.get_by_role("link", name="Download the PDF packet").click()
    expect(page.get_by_text("Preparing", exact=False).first).to_be_visible()
    from app.packets.renderer import render_requested

    db.session.commit()
    # The waiting page keeps asking on its own and hands the file over once it is rendered.
    with page.expect_download(timeout=60_000) as waited:
        render_requested()
    assert waited.value.suggested_filename.startswith("debrief-packet-")
    assert Path(waited.value.path()).read_bytes().startswith(b"%PDF")
    expect(page.locator("#packet-status")).to_contain_text("Ready: your download has started")
    page.goto(f"{live_server}/loops/{loop.id}/debrief")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF packet").click()
    pdf = tmp_path / "packet.pdf"
    download.value.save_as(pdf)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(PdfReader(io.BytesIO(data)).pages)
    assert 3 <= pages <= 12, pages
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(ARTIFACTS / "debrief-packet-page1"),
        ],
        check=True,
    )
    assert (ARTIFACTS / "debrief-packet-page1.png").stat().st_size > 1000
