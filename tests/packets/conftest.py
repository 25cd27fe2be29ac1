"""Packet fixtures: scorecards with distinctive text, the renderer run as the scheduler runs it,
a loopback canary server, and PDFs read back with poppler's pdftotext and pypdf."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.etree import ElementTree

import pytest
from flask import Flask

from app.extensions import db
from app.interviews.scorecards import submit_scorecard
from app.models import Scorecard

EVIDENCE = "Walked through the pagination design and its cursor trade-offs, with numbers."
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(autouse=True)
def empty_packet_cache(app: Flask):
    """Ids restart between tests: never let one test find another's packets."""
    root = Path(app.instance_path) / "packets"
    shutil.rmtree(root, ignore_errors=True)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def fill(card: Scorecard, **overrides) -> Scorecard:
    """Give a scorecard everything submission needs, plus `overrides`."""
    card.ratings = {
        key: {"level": 3, "evidence": EVIDENCE, "not_assessed": False, "reason": ""}
        for key in card.session.focus_competencies
    }
    card.recommendation = "yes"
    for name, value in overrides.items():
        setattr(card, name, value)
    return card


def submit(card: Scorecard, **overrides) -> Scorecard:
    """Submit through the domain function (which also requests the packet), and commit."""
    fill(card, **overrides)
    # As if the interview had happened: Tomás's is tomorrow in the demo.
    errors = submit_scorecard(card.interviewer, card, min_evidence=40, now=card.session.ends_at)
    assert errors == {}, errors
    db.session.commit()
    return card


def client_for(app: Flask, email: str):
    """A client of its own, signed in as `email` (several people in one test)."""
    from ..conftest import sign_in

    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def run_renderer(app: Flask):
    """What the scheduler's render job does: its own app context, everything requested."""
    from app.packets.renderer import render_requested

    db.session.commit()  # the test's own transaction must not hold SQLite's write lock
    with app.app_context():
        report = render_requested()
    db.session.commit()  # and must not keep reading the snapshot from before the render
    assert not report.failed, report.failed
    return report


def pdf_text(pdf: bytes) -> str:
    """The PDF's text through poppler, without the bidi marks it adds around RTL runs."""
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return BIDI_CONTROLS.sub("", result.stdout.decode("utf-8"))


@dataclass(frozen=True)
class WordBox:
    text: str
    x_min: float
    x_max: float
    page_width: float


def word_boxes(pdf: bytes) -> list[WordBox]:
    """Every word of the PDF with where poppler found it on its page (points from the left)."""
    result = subprocess.run(
        ["pdftotext", "-bbox", "-enc", "UTF-8", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    )
    boxes = []
    # Our own PDF through poppler: trusted input.
    for page in ElementTree.fromstring(result.stdout).iterfind(".//{*}page"):  # noqa: S314
        width = float(page.get("width"))
        for word in page.iterfind("{*}word"):
            text = BIDI_CONTROLS.sub("", word.text or "")
            boxes.append(WordBox(text, float(word.get("xMin")), float(word.get("xMax")), width))
    return boxes


def squash(text: str) -> str:
    return " ".join(text.split())


def outline_titles(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))

    def walk(items):
        for item in items:
            if isinstance(item, list):
                yield from walk(item)
            else:
                yield item.title

    return list(walk(reader.outline))


class Canary:
    """A real HTTP server on 127.0.0.1 that records every request it receives."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        canary = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                canary.requests.append(self.path)
                body = b"CANARY-SERVED-CONTENT"
                self.send_response(200)
                self.send_header("Content-Type", "text/css")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def canary():
    server = Canary()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()
