"""Browser journeys: Playwright driving Debian's Chromium (headless) against a live server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import expect

from ..debriefs.test_debrief import debrief_ready  # noqa: F401  (a fixture the journeys share)
from ..interviews.gunicorn_server import GunicornServer

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Page actions wait up to 10 s (the `page` fixture); assertions waited Playwright's default
# 5 s, which a stall of the 2-core machine (gunicorn, Chromium and pytest on it) can exceed.
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


@pytest.fixture(scope="session")
def gunicorn_server(database_url: str, instance_dir: Path, _schema) -> Iterator[GunicornServer]:
    """The production server (gunicorn, two workers) on the test database, once per run."""
    server = GunicornServer(database_url, instance_dir, workers=2).start()
    yield server
    server.stop()


@pytest.fixture
def live_server(app: Flask, gunicorn_server: GunicornServer) -> str:
    """The base URL of the app under gunicorn, serving what this test's `app` fixture set up.

    The test's own app shares the database and the instance folder (mail, packets) with it."""
    return gunicorn_server.base_url


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report
