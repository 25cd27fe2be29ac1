"""WeasyPrint rendering with a locked-down URL fetcher.

Imports WeasyPrint at module level: only the packet renderer's worker process (and tests)
import this module, never the web app. Everything WeasyPrint would fetch (images, stylesheets,
`@import`, `@font-face`, attachments, SVG references, CSS `url()`) goes through
`StaticOnlyFetcher`: it serves files inside the app's static folder and small `data:` URLs and
refuses anything else without making a request. Redirects are off.
"""

from __future__ import annotations

import mimetypes
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

MAX_DATA_URL_CHARS = 64 * 1024
MAX_STATIC_FILE_BYTES = 4 * 1024 * 1024


class RefusedURL(ValueError):
    """A URL the packet renderer will not fetch (WeasyPrint logs it and goes on without it)."""


class StaticOnlyFetcher(URLFetcher):
    """Serves `file:` URLs whose resolved path lies inside `static_root`, and small `data:` URLs.

    Every other URL (other `file:` paths, `http(s):` including loopback, any other scheme) is
    refused by raising, before any I/O."""

    def __init__(self, static_root: str | Path, **kwargs) -> None:
        kwargs["allow_redirects"] = False
        kwargs.setdefault("timeout", 5)
        super().__init__(**kwargs)
        self.static_root = Path(static_root).resolve()
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            if len(url) > MAX_DATA_URL_CHARS:
                return self._refuse(url, "data: URL too large")
            # urllib's DataHandler decodes it in memory: no I/O, no network.
            return super().fetch(url, headers)
        if scheme == "file":
            return self._static_file(url)
        return self._refuse(url, f"scheme {scheme or '(none)'!r} is not allowed")

    def _static_file(self, url: str) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return self._refuse(url, "file: URL with a host")
        try:
            path = Path(url2pathname(unquote(parts.path))).resolve(strict=True)
        except (OSError, RuntimeError, ValueError):
            return self._refuse(url, "no such file")
        if not path.is_relative_to(self.static_root) or not path.is_file():
            return self._refuse(url, "outside the static folder")
        if path.stat().st_size > MAX_STATIC_FILE_BYTES:
            return self._refuse(url, "static file too large")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type == "text/css":
            content_type += "; charset=utf-8"
        return URLFetcherResponse(
            path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type}
        )

    def _refuse(self, url: str, why: str):
        self.refused.append(url[:200])
        raise RefusedURL(f"refused {url[:200]!r}: {why}")


@dataclass
class RenderedPDF:
    pdf: bytes
    pages: int
    seconds: float  # WeasyPrint's own time: parse, lay out, write
    refused: list[str]


def render_pdf(html: str, static_root: str | Path) -> RenderedPDF:
    """Render an HTML string to PDF, relative URLs resolved against `static_root`."""
    fetcher = StaticOnlyFetcher(static_root)
    started = time.perf_counter()
    document = HTML(
        string=html, base_url=str(Path(static_root).resolve()) + "/", url_fetcher=fetcher
    ).render()
    pdf = document.write_pdf()
    return RenderedPDF(pdf, len(document.pages), time.perf_counter() - started, fetcher.refused)
