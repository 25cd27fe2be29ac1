"""Interview notes are user text: escaped in the print template, and WeasyPrint's fetcher serves
only the app's static files and small data: URLs. Nothing else is fetched, not even on loopback,
whether the URL is in notes or injected into CSS."""

from __future__ import annotations

import io
import urllib.request
from pathlib import Path

import pytest
from pypdf import PdfReader

from .conftest import client_for, pdf_text, run_renderer, squash, submit

# Renders real PDFs: run once, on SQLite (see the Makefile).
pytestmark = pytest.mark.pdf

PASSWD_MARK = "root:x:0:0"


def hostile_notes(canary_url: str) -> dict[str, str]:
    return {
        "pitch": '<img src="file:///etc/passwd"> <img src="/etc/passwd">',
        "experience": (
            f'<img src="{canary_url}/img-in-notes.png">'
            f'<link rel="stylesheet" href="{canary_url}/linked.css">'
            f'<a rel="attachment" href="file:///etc/passwd">attach</a>'
        ),
        "candidate-questions": (
            f"<style>@import url({canary_url}/imported.css); "
            f"body {{ background: url('{canary_url}/bg.png') }}</style>"
            f'<p style="background-image: url({canary_url}/inline-style.png)">styled</p>'
        ),
        "logistics": (
            f'</p></section><object data="file:///etc/passwd"></object>'
            f'<svg><image href="{canary_url}/svg.png"/></svg>'
            f"]]></style><style>p {{ content: url({canary_url}/breakout.png) }}</style>"
        ),
    }


def test_the_canary_server_answers(canary) -> None:
    """The canary is real: a request to it is seen (so 'no requests' below means something)."""
    with urllib.request.urlopen(f"{canary.url}/self-check", timeout=5) as response:  # noqa: S310
        assert response.read() == b"CANARY-SERVED-CONTENT"
    assert canary.requests == ["/self-check"]
    canary.requests.clear()


def test_urls_in_notes_are_shown_as_text_and_never_fetched(app, demo, priya_card, canary) -> None:
    notes = hostile_notes(canary.url)
    submit(
        priya_card,
        stage_notes=notes,
        summary=f"<img src='{canary.url}/summary.png'> <base href='{canary.url}/'>",
        candidate_questions=f"<link rel=stylesheet href={canary.url}/question.css>",
        field_answers={"compensation_expectation": f"<img src='{canary.url}/salary.png'>"},
    )
    run_renderer(app)
    pdf = client_for(app, "manager@example.com").get(
        f"/loops/{priya_card.session.loop_id}/packet.pdf"
    )
    assert pdf.status_code == 200

    assert canary.requests == [], "the renderer fetched a URL from the notes"
    text = pdf_text(pdf.data)
    assert PASSWD_MARK not in text and "CANARY-SERVED-CONTENT" not in text
    flat = squash(text)
    assert '<img src="file:///etc/passwd">' in flat, "markup in notes is text, shown as typed"
    assert f"@import url({canary.url}/imported.css);" in flat
    assert PdfReader(io.BytesIO(pdf.data)).attachments == {}


def test_the_fetcher_refuses_even_markup_and_css_that_reach_weasyprint(app, canary) -> None:
    """Defence in depth: if markup ever got through unescaped, nothing would be fetched."""
    from app.packets.renderer import shared_worker

    url = canary.url
    static = Path(app.static_folder).resolve()
    html = f"""<!doctype html><html><head>
      <link rel="stylesheet" href="{url}/linked.css">
      <link rel="stylesheet" href="file:///etc/passwd">
      <link rel="attachment" href="file:///etc/passwd">
      <style>
        @import url("{url}/imported.css");
        @import url("https://127.0.0.1:{canary.port}/tls.css");
        @font-face {{ font-family: X; src: url({url}/font.woff); }}
        body {{ background: url({url}/bg.png); font-family: X, sans-serif; }}
        p.a {{ background-image: url(file:///etc/passwd); }}
        p.b {{ list-style-image: url(ftp://127.0.0.1:{canary.port}/x.png); }}
      </style></head><body>
      <p class="a">visible text</p>
      <img src="file:///etc/passwd"><img src="{url}/img.png">
      <img src="file://{static}/../../../../etc/passwd">
      <img src="file://localhost/etc/passwd"><img src="file:///dev/urandom">
      <object data="file:///etc/passwd"></object><embed src="{url}/embed">
      <svg xmlns="http://www.w3.org/2000/svg">
        <image href="{url}/svg.png" width="10" height="10"/></svg>
      <a rel="attachment" href="file:///etc/passwd">attached</a>
      <img src="favicon.svg" alt="our own static file">
    </body></html>"""
    with app.app_context():
        result = shared_worker().render(html)

    assert canary.requests == [], "a URL reached the network"
    text = pdf_text(result.pdf)
    assert "visible text" in text
    assert PASSWD_MARK not in text and PASSWD_MARK.encode() not in result.pdf
    assert PdfReader(io.BytesIO(result.pdf)).attachments == {}
    refused = " ".join(result.refused)
    assert "file:///etc/passwd" in refused and url in refused
    assert "favicon.svg" not in refused, "the app's own static files are served"


@pytest.fixture
def fetcher(app):
    from app.packets.pdf import StaticOnlyFetcher

    return StaticOnlyFetcher(app.static_folder)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "file:///dev/urandom",
        "file:///proc/self/environ",
        "ftp://127.0.0.1/x",
        "gopher://127.0.0.1/x",
        "javascript:alert(1)",
        "data:text/plain," + "x" * 70_000,
    ],
)
def test_the_fetcher_refuses_without_touching_the_url(fetcher, url) -> None:
    from app.packets.pdf import RefusedURL

    with pytest.raises(RefusedURL):
        fetcher.fetch(url)


def test_the_fetcher_refuses_loopback_http_without_a_request(fetcher, canary) -> None:
    from app.packets.pdf import RefusedURL

    for url in (
        f"{canary.url}/",
        f"https://127.0.0.1:{canary.port}/",
        f"HTTP://127.0.0.1:{canary.port}/",
    ):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
    assert canary.requests == []


def test_the_fetcher_serves_static_files_and_small_data_urls_only(app, fetcher, tmp_path) -> None:
    from app.packets.pdf import RefusedURL, StaticOnlyFetcher

    static = Path(app.static_folder).resolve()
    css = fetcher.fetch((static / "css" / "packet.css").as_uri())
    assert css.content_type == "text/css" and b"@page" in css.read()
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    with pytest.raises(RefusedURL):  # .. that climbs out of the folder
        fetcher.fetch(f"file://{static}/css/../../../../etc/passwd")

    # A symlink inside the static folder that points outside it is refused too.
    root = tmp_path / "static"
    root.mkdir()
    (root / "ok.css").write_text("p { color: red }")
    (root / "escape.css").symlink_to("/etc/passwd")
    own = StaticOnlyFetcher(root)
    assert own.fetch((root / "ok.css").as_uri()).read() == b"p { color: red }"
    with pytest.raises(RefusedURL):
        own.fetch((root / "escape.css").as_uri())
