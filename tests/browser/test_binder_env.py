"""Binder's environment opens every chapter: JupyterLab and the kernel from binder/ alone.

``bash binder/verify.sh`` builds ``.binder-venv`` from exactly the files
repo2docker reads (binder/runtime.txt, requirements.txt, postBuild). Here
that venv's own ``jupyter lab`` serves a copy of the chapters (as a fresh
clone has them, with jupytext.toml) on 127.0.0.1, and headless Chromium opens
each chapter's ``.ipynb``, as the book's Binder button does, runs its cells up
to and including its setup cell (the first that imports from d2lrnn's modules;
before it, ``d2lrnn.doctor()``), and checks that none raised and that the
kernel is the venv's Python. One server and one page serve all
the chapters; each kernel is shut down before the next chapter opens.
"""

from __future__ import annotations

import os
import re
import shutil
import time

import pytest

from .conftest import PREPARE, ROOT, RUN_UP_TO, SHOTS, STATE, jupyterlab, watch

VENV = ROOT / os.environ.get("BINDER_VENV", ".binder-venv")
BUILT = VENV / ".built"
CHAPTERS = sorted(p.stem for p in (ROOT / "chapters").glob("*.md"))
# A chapter's setup cell imports from d2lrnn's modules (the doctor's cell before it
# imports d2lrnn alone): everything up to it, and it, must run.
SETUP_CELL = r"^\s*from d2lrnn[\s.]"


def lean_env() -> dict[str, str]:
    """The environment of a process started from the venv, with nothing of .venv in it."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    return env | {"PATH": f"{VENV / 'bin'}:{env.get('PATH', '')}", "VIRTUAL_ENV": str(VENV)}


@pytest.fixture(scope="module")
def binder_lab(tmp_path_factory):
    """The venv's JupyterLab over a copy of chapters/ and jupytext.toml; yields its URL."""
    if not BUILT.exists():
        pytest.skip(f"no Binder environment in {VENV.name}: build it with 'bash binder/verify.sh'")
    stale = [
        p.name
        for p in (ROOT / "binder").iterdir()
        if p.name in {"requirements.txt", "postBuild", "runtime.txt"}
        and p.stat().st_mtime > BUILT.stat().st_mtime
    ]
    if stale:
        pytest.fail(f"{VENV.name} is older than binder/{stale}: run 'bash binder/verify.sh'")
    work = tmp_path_factory.mktemp("binder")
    (work / "chapters").mkdir()
    for path in (ROOT / "chapters").iterdir():
        if path.suffix in {".md", ".ipynb"}:
            shutil.copy(path, work / "chapters" / path.name)
    shutil.copy(ROOT / "jupytext.toml", work / "jupytext.toml")
    # As in a fresh clone, a chapter's .md and .ipynb are equally new (jupytext
    # then reads the cells from the .md).
    now = time.time()
    for path in (work / "chapters").iterdir():
        os.utime(path, (now, now))
    env = lean_env() | {
        "JUPYTER_DATA_DIR": str(work / "data"),  # no user-level kernels
        "JUPYTER_CONFIG_DIR": str(work / "config"),
    }
    with jupyterlab(work, VENV / "bin" / "python", env, "jupyterlab-binder.log") as url:
        yield url


@pytest.fixture(scope="module")
def lab_page(browser, binder_lab):
    """One JupyterLab page for all the chapters; its problems are in ``page.problems``."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.problems = watch(page, binder_lab)
    page.goto(f"{binder_lab}/lab?reset", wait_until="load")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started", timeout=60_000)
    page.evaluate("() => window.jupyterapp.started.then(() => true)")
    yield page
    context.close()


OPEN = """async ([path, factory]) => {
  const w = await window.jupyterapp.commands.execute('docmanager:open', {path, factory});
  await w.context.ready;
  await w.sessionContext.ready;
  return true;
}"""

# What the kernel says about itself: its Python and where d2lrnn comes from.
WHOAMI = """async () => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  let out = '';
  const future = kernel.requestExecute({
    code: 'import sys, d2lrnn; print(sys.prefix); print(d2lrnn.__file__)',
    silent: false, store_history: false});
  future.onIOPub = msg => { if (msg.header.msg_type === 'stream') out += msg.content.text; };
  await future.done;
  return out;
}"""

CLOSE = """async () => {
  const w = window.jupyterapp.shell.currentWidget;
  await w.sessionContext.shutdown();
  w.context.model.dirty = false;  // no "save changes?" dialog
  w.dispose();
  return true;
}"""


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_starts_in_binder_env(lab_page, chapter):
    page = lab_page
    ipynb = ROOT / "chapters" / f"{chapter}.ipynb"
    # The book's Binder button opens the .ipynb; an unpaired .md opens through jupytext.
    path, factory = (
        (f"chapters/{chapter}.ipynb", "Notebook")
        if ipynb.exists()
        else (f"chapters/{chapter}.md", "Jupytext Notebook")
    )
    page.evaluate(OPEN, [path, factory])
    page.wait_for_function(
        "([path]) => { const w = window.jupyterapp.shell.currentWidget;"
        " return w && w.context && w.context.path === path && w.sessionContext.session"
        " && w.sessionContext.session.kernel"
        " && w.sessionContext.session.kernel.connectionStatus === 'connected'; }",
        arg=[path],
        timeout=120_000,
    )
    last = page.evaluate(PREPARE, [SETUP_CELL])
    assert last >= 0, f"{path}: no code cell imports from d2lrnn's modules"
    page.evaluate(RUN_UP_TO)
    page.wait_for_function(
        f"""([last]) => {{ const s = ({STATE})([last]);
            return s.kernel === 'idle' && s.running === 0
                && (s.pending === 0 || s.errors.length > 0); }}""",
        arg=[last],
        timeout=120_000,
        polling=500,
    )
    state = page.evaluate(STATE, [last])
    if state["errors"]:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"binder-{chapter}.png"))
    assert state["errors"] == [], f"{path} raised in Binder's environment: {state['errors']}"
    assert state["pending"] == 0 and state["cells"] >= 1, state
    prefix, d2lrnn_file = page.evaluate(WHOAMI).split()
    assert os.path.realpath(prefix) == os.path.realpath(VENV), f"kernel runs {prefix}, not {VENV}"
    assert re.search(r"/d2lrnn/__init__\.py$", d2lrnn_file), d2lrnn_file
    page.evaluate(CLOSE)
    # JupyterLab's own requests stay on 127.0.0.1 (anything else was blocked).
    assert not page.problems.external, page.problems.external
