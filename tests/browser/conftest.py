"""Fixtures for the browser tests: the built book on a local server, and headless Chromium.

The tests drive Debian's Chromium (``/usr/bin/chromium``, or ``$CHROMIUM``)
through Playwright for Python; no browser is downloaded. Every request that
leaves 127.0.0.1 is blocked and recorded, so a page that needs a third-party
host fails its test instead of silently loading from the internet.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def jupyterlab(work: Path, python: Path | str, env: dict[str, str], log_name: str):
    """JupyterLab run by ``python`` over the folder ``work`` on 127.0.0.1; yields its URL.

    Every cell is rendered (JupyterLab 4 otherwise attaches only the cells in
    view, and a test could not find a widget's output), no news, update or
    extension listing is fetched, and there is no token. ``env`` is the
    server's environment (its runtime, settings and workspace folders go
    under ``work``). Its log is copied to ``test-output/browser/<log_name>``.
    """
    settings = work / "settings" / "@jupyterlab"
    (settings / "notebook-extension").mkdir(parents=True)
    (settings / "notebook-extension" / "tracker.jupyterlab-settings").write_text(
        json.dumps({"windowingMode": "none"})
    )
    (settings / "apputils-extension").mkdir(parents=True)
    (settings / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    port = free_port()
    log_path = work / "jupyterlab.log"
    env = env | {
        "JUPYTER_RUNTIME_DIR": str(work / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(work / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(work / "workspaces"),
    }
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [
                str(python),
                "-m",
                "jupyterlab",
                "--no-browser",
                "--ip=127.0.0.1",
                f"--port={port}",
                f"--ServerApp.root_dir={work}",
                "--IdentityProvider.token=",
                "--ServerApp.password=",
                "--expose-app-in-browser",
                "--allow-root",  # CI runs as root in a container
                "--LabApp.extension_manager=readonly",  # no extension listing from PyPI
                "--LabApp.news_url=None",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            ],
            cwd=work,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        try:
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/api/status", timeout=2):
                        break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"JupyterLab did not start:\n{log_path.read_text()}")
                    time.sleep(0.5)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
            SHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(log_path, SHOTS / log_name)


# In the notebook on show: the index of the first code cell that matches ``pattern``, made
# the active cell, so that RUN_UP_TO runs every cell before it and then it.
PREPARE = """([pattern]) => {
  const nb = window.jupyterapp.shell.currentWidget;
  const re = new RegExp(pattern, 'm');
  const cells = nb.content.widgets;
  const i = cells.findIndex(
      c => c.model.type === 'code' && re.test(c.model.sharedModel.getSource()));
  if (i >= 0) nb.content.activeCellIndex = i;
  return i;
}"""

# Done when the kernel is idle and every code cell up to ``last`` has run, or one raised.
STATE = """([last]) => {
  const nb = window.jupyterapp.shell.currentWidget;
  const kernel = nb.sessionContext.session && nb.sessionContext.session.kernel;
  const cells = nb.content.widgets.slice(0, last + 1).filter(c => c.model.type === 'code');
  return {
    kernel: kernel ? kernel.status : 'none',
    cells: cells.length,
    pending: cells.filter(c => c.model.executionCount === null).length,
    running: cells.filter(c => c.model.executionState === 'running').length,
    errors: cells.flatMap(c => c.model.outputs.toJSON().filter(o => o.output_type === 'error')
        .map(o => `${c.model.sharedModel.getSource().slice(0, 60)}... -> ${o.ename}: ${o.evalue}`)),
  };
}"""

RUN_UP_TO = """() => window.jupyterapp.commands.execute('notebook:run-all-above')
  .then(() => window.jupyterapp.commands.execute('notebook:run-cell')).then(() => true)"""


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
