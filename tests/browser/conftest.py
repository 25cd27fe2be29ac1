"""Browser journeys: Playwright driving Debian's Chromium (headless) against a live server.

The server is the test's own app, served on a loopback port by Werkzeug's threaded server in
this process, on the test's own committed copy of the database (every journey is marked
`committed`): starting one costs milliseconds, so each test gets its own."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import expect
from werkzeug.serving import make_server

from ..debriefs.test_debrief import debrief_ready  # noqa: F401  (a fixture the journeys share)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Page actions wait up to 10 s (the `page` fixture); assertions waited Playwright's default
# 5 s, which a stall of the 2-core machine (the server, Chromium and pytest on it) can exceed.
expect.set_options(timeout=15_000)

# Without these, Chromium keeps reaching for hosts this closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.committed)  # the server's threads read the data


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, (
        "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """The app on a free loopback port, one thread per request, until the block ends."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: errors.py answers
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The base URL of this test's app, serving what the test set up."""
    with serving(app) as base_url:
        yield base_url


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    # An uncaught error in any of the test's pages (a module that failed to load, a typo in a
    # handler) fails the journey, even where the assertions happen not to notice.
    thrown: list[str] = []
    context.on("weberror", lambda error: thrown.append(str(error.error)))
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert thrown == [], f"the page threw: {thrown}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report
