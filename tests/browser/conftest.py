"""Fixtures for the browser tests: the built book on a local server, and headless Chromium.

The tests drive Debian's Chromium (``/usr/bin/chromium``, or ``$CHROMIUM``)
through Playwright for Python; no browser is downloaded. Every request that
leaves 127.0.0.1 is blocked and recorded, so a page that needs a third-party
host fails its test instead of silently loading from the internet.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "test-output" / "browser"
CHROMIUM_ARGS = [
    # As root in a container, and with no network but the loopback: the
    # background services would only fill the log with refused connections.
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail(
            f"no Chromium at {path}: install Debian's package (apt-get install chromium), "
            "as 'make test' does, or set CHROMIUM to a Chromium binary"
        )
    return path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep pytest's output readable
        pass


@pytest.fixture(scope="session")
def site() -> str:
    """The built book (``_build/html``) served on a free port of 127.0.0.1; yields its URL."""
    if not (HTML / "index.html").exists():
        pytest.fail(f"no built book in {HTML}: run 'make book' first")
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class Problems:
    """What went wrong while a page loaded: console errors, failed and external requests."""

    console: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.console or self.failed or self.external)


def watch(page, local_prefix: str) -> Problems:
    """Record the page's problems; block every request that does not go to ``local_prefix``."""
    problems = Problems()
    page.on(
        "console",
        lambda m: problems.console.append(f"{m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: problems.console.append(f"uncaught: {e}"))
    page.on(
        "requestfailed",
        lambda r: (
            problems.failed.append(f"{r.url} ({r.failure})")
            if r.url.startswith(local_prefix)
            else None
        ),
    )
    page.on(
        "response",
        lambda r: problems.failed.append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None,
    )

    def route(route):
        url = route.request.url
        if url.startswith(local_prefix) or url.startswith("data:") or url.startswith("blob:"):
            route.continue_()
        else:
            problems.external.append(url)
            route.abort()

    page.route("**/*", route)
    return problems


@pytest.fixture
def page(browser, site):
    """A fresh page (1280 x 900) whose problems are in ``page.problems``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    p = context.new_page()
    p.problems = watch(p, site)
    yield p
    context.close()
