"""A student's path: JupyterLab opens a chapter's ``.md`` as a notebook, runs it, moves a widget.

JupyterLab is started on 127.0.0.1 in a temporary folder holding a copy of
chapter 3 (so that nothing it saves touches the repository), with
``--expose-app-in-browser`` so that the test can give JupyterLab's own
commands: open the file with jupytext's "Jupytext Notebook" viewer, run every
cell up to and including the clipping explorer's (the whole chapter runs to
the end in every environment of ``make test``). Then it checks that no cell
raised, drags the clipping explorer's slider and checks that the plot
changed, and saves a screenshot. A second
test builds chapter 7's beam-search explorer in a small notebook (a tiny
untrained model) and checks that its buttons and its step slider switch frames.
"""

from __future__ import annotations

import os
import re
import shutil
import sys

import pytest

from .conftest import PREPARE, ROOT, RUN_UP_TO, SHOTS, STATE, jupyterlab, watch
from .test_widgets import FINGERPRINT, drag_slider

CHAPTER = "03_rnn_from_scratch.md"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server, this environment's, over a folder with a copy of the chapter."""
    work = tmp_path_factory.mktemp("lab")
    shutil.copy(ROOT / "chapters" / CHAPTER, work / CHAPTER)
    with jupyterlab(work, sys.executable, dict(os.environ), "jupyterlab.log") as url:
        yield url


# The clipping explorer's cell: the test runs the chapter up to and including it (the whole
# chapter runs to the end in every environment of make test, without JupyterLab).
EXPLORER_CELL = r"^widgets\.clipping_explorer\("


def test_chapter_runs_in_jupyterlab_and_its_widget_responds(browser, lab):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    problems = watch(page, lab)
    page.goto(f"{lab}/lab?reset", wait_until="load")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started", timeout=60_000)
    page.evaluate("() => window.jupyterapp.started.then(() => true)")
    page.evaluate(
        "([path]) => window.jupyterapp.commands.execute("
        "'docmanager:open', {path: path, factory: 'Jupytext Notebook'}).then(() => true)",
        [CHAPTER],
    )
    page.wait_for_function(
        "() => { const w = window.jupyterapp.shell.currentWidget;"
        " return w && w.sessionContext && w.sessionContext.isReady; }",
        timeout=120_000,
    )
    last = page.evaluate(PREPARE, [EXPLORER_CELL])
    assert last > 10, f"no clipping explorer cell in {CHAPTER}"
    page.evaluate(RUN_UP_TO)
    page.wait_for_function(
        f"""([last]) => {{ const s = ({STATE})([last]);
            return s.kernel === 'idle' && s.running === 0
                && (s.pending === 0 || s.errors.length > 0); }}""",
        arg=[last],
        timeout=600_000,
        polling=1000,
    )
    state = page.evaluate(STATE, [last])
    assert state["errors"] == [], f"cells raised in JupyterLab: {state['errors']}"
    assert state["pending"] == 0 and state["cells"] > 10, state

    output = page.locator(".jp-OutputArea-output:has(.widget-slider)").first
    slider = output.locator(".widget-slider").first
    slider.scroll_into_view_if_needed()
    before = output.evaluate(FINGERPRINT)
    assert before, "the explorer shows no frame"
    drag_slider(page, slider, 1)
    page.wait_for_timeout(500)
    after = output.evaluate(FINGERPRINT)
    page.screenshot(path=str(SHOTS / "jupyterlab.png"))
    assert after and after != before, "dragging the slider did not change the plot"
    context.close()
    # JupyterLab's own requests stay on 127.0.0.1 (anything else was blocked).
    assert not problems.external, problems.external


# A small notebook that builds the beam-search explorer (chapter 7's) over a tiny untrained
# model: its frames are switched by jslink in JupyterLab too, with a kernel.
BEAM_NOTEBOOK = "beam_explorer_check.ipynb"
BEAM_CELLS = [
    "import random\n"
    "import d2lrnn  # first: its compatibility layer (d2lrnn.compat)\n"
    "import mxnet as mx\n"
    "from d2lrnn import gluon_adapter, seq2seq, translation\n"
    "from d2lrnn.widgets import beam_data, beam_explorer",
    "rng = random.Random(0)\n"
    "en, fr = 'i you he am are cold tired'.split(), 'je tu il suis es froid fatigué'.split()\n"
    "pairs = []\n"
    "for _ in range(60):\n"
    "    idx = [rng.randrange(len(en)) for _ in range(rng.randint(1, 4))]\n"
    "    pairs.append((' '.join(en[i] for i in idx) + ' .', ' '.join(fr[i] for i in idx) + ' .'))\n"
    "data = translation.translation_data(pairs, max_len=6, min_freq=1, num_val=3, num_test=3)\n"
    "model = seq2seq.EncoderDecoder(seq2seq.Encoder(len(data.src_vocab), 8, 16),\n"
    "                               seq2seq.Decoder(len(data.tgt_vocab), 8, 16))\n"
    "gluon_adapter.initialize(model, device=mx.cpu())",
    "beam_explorer(beam_data(model, data, ['i am cold .', 'you are tired .'], (1, 2), (0.0, 1.0),\n"
    "                        device=mx.cpu()))",
]


def beam_notebook() -> dict:
    cells = [
        {
            "id": f"cell-{i}",
            "cell_type": "code",
            "metadata": {},
            "source": src,
            "outputs": [],
            "execution_count": None,
        }
        for i, src in enumerate(BEAM_CELLS)
    ]
    return {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def test_beam_explorer_responds_in_jupyterlab(browser, lab):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    problems = watch(page, lab)
    page.goto(f"{lab}/lab?reset", wait_until="load")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started", timeout=60_000)
    page.evaluate("() => window.jupyterapp.started.then(() => true)")
    page.evaluate(
        "([path, nb]) => window.jupyterapp.serviceManager.contents.save(path,"
        " {type: 'notebook', format: 'json', content: nb}).then(() => true)",
        [BEAM_NOTEBOOK, beam_notebook()],
    )
    page.evaluate(
        "([path]) => window.jupyterapp.commands.execute("
        "'docmanager:open', {path: path, factory: 'Notebook'}).then(() => true)",
        [BEAM_NOTEBOOK],
    )
    page.wait_for_function(
        "([path]) => { const w = window.jupyterapp.shell.currentWidget;"
        " return w && w.context && w.context.path === path && w.sessionContext"
        " && w.sessionContext.isReady; }",
        arg=[BEAM_NOTEBOOK],
        timeout=120_000,
    )
    page.evaluate(
        "() => window.jupyterapp.commands.execute('notebook:run-all-cells').then(() => true)"
    )
    last = len(BEAM_CELLS) - 1
    page.wait_for_function(
        f"""([last]) => {{ const s = ({STATE})([last]);
            return s.kernel === 'idle' && s.running === 0
                && (s.pending === 0 || s.errors.length > 0); }}""",
        arg=[last],
        timeout=300_000,
        polling=1000,
    )
    state = page.evaluate(STATE, [last])
    assert state["errors"] == [], f"cells raised in JupyterLab: {state['errors']}"
    assert state["pending"] == 0 and state["cells"] == len(BEAM_CELLS), state

    box = page.locator(".jp-OutputArea-output .beam-explorer")
    assert box.count() == 1, "the notebook shows no beam explorer"
    box.scroll_into_view_if_needed()
    before = box.evaluate(FINGERPRINT)
    assert before, "the explorer shows no frame"
    # Two beams: the search cannot end at step 1, so step 2 is another frame.
    row = box.locator(".widget-toggle-buttons").filter(
        has=page.locator(".widget-label", has_text="beam size")
    )
    row.locator(".widget-toggle-button").filter(has_text=re.compile("^2$")).click()
    page.wait_for_timeout(500)
    two = box.evaluate(FINGERPRINT)
    assert two and two != before, "clicking beam size 2 did not change the frame"
    drag_slider(page, box.locator(".widget-slider"), 1)
    page.wait_for_timeout(500)
    after = box.evaluate(FINGERPRINT)
    page.screenshot(path=str(SHOTS / "jupyterlab-beam.png"))
    assert after and after != two, "dragging the step slider did not change the frame"
    context.close()
    assert not problems.external, problems.external
