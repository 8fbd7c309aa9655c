"""The explorers in the static HTML book respond to their controls, with no kernel.

Each explorer is a set of precomputed frames switched in the browser by
``jslink`` (see :mod:`d2lrnn.widgets`). These tests drag its sliders and click
its buttons as a reader would and check that another frame is shown.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from .conftest import SHOTS
from .test_book import load

# A fingerprint of the images on show in ``root``: a hash of each visible
# image's data URL (PNGs all end alike, so the whole URL is hashed).
FINGERPRINT = """(root) => Array.from(root.querySelectorAll('img'))
  .filter(i => i.offsetParent !== null && i.getBoundingClientRect().width > 0)
  .map(i => {
    let h = 5381;
    for (let k = 0; k < i.src.length; k++) h = (h * 33 + i.src.charCodeAt(k)) | 0;
    return i.src.length + ':' + h;
  }).join('|')"""

# The frame on show in the cell output that holds the ``index``-th explorer.
VISIBLE_FRAME = f"""([index]) => {{
  const cells = Array.from(document.querySelectorAll('.cell_output'))
      .filter(c => c.querySelector('.widget-slider'));
  return ({FINGERPRINT})(cells[index]);
}}"""


def explorer(page, index: int):
    cells = page.locator(".cell_output").filter(has=page.locator(".widget-slider"))
    return cells.nth(index)


def frame(page, index: int) -> str:
    shown = page.evaluate(VISIBLE_FRAME, [index])
    assert shown, "no frame on show"
    return shown


#: (what, milliseconds from the action to the new frame on show), Playwright's round trip included.
TIMINGS: list[tuple[str, float]] = []


@pytest.fixture(scope="module", autouse=True)
def save_timings():
    """Write every control's response time to ``test-output/browser/widget-timings.json``."""
    yield
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "widget-timings.json").write_text(json.dumps(TIMINGS, indent=1, ensure_ascii=False))


def expect_new_frame(page, index: int, before: str, what: str, since: float) -> str:
    page.wait_for_function(
        f"(args) => {{ const f = ({VISIBLE_FRAME})([args[0]]); return f && f !== args[1]; }}",
        arg=[index, before],
        timeout=5_000,
    )
    TIMINGS.append((what, 1000 * (time.perf_counter() - since)))
    after = frame(page, index)
    assert after != before, f"{what} did not change the frame"
    return after


def drag_slider(page, slider, steps: int) -> None:
    """Drag the slider's handle ``steps`` positions to the right (negative: left) with the mouse."""
    slider.scroll_into_view_if_needed()
    track = slider.locator(".noUi-target").bounding_box()
    handle = slider.locator(".noUi-handle").bounding_box()
    options = int(float(slider.locator(".noUi-handle").get_attribute("aria-valuemax") or 1)) + 1
    x0, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    x1 = x0 + steps * track["width"] / max(1, options - 1)
    page.mouse.move(x0, y)
    page.mouse.down()
    page.mouse.move(x1, y, steps=8)
    page.mouse.up()


def open_explorer(page, site, chapter: str, num_sliders: int):
    """Load the chapter; return its first explorer, its sliders and the frame on show."""
    load(page, site, f"chapters/{chapter}.html")
    box = explorer(page, 0)
    sliders = box.locator(".widget-slider")
    assert sliders.count() == num_sliders
    return box, sliders, frame(page, 0)


SHOWN_ALT = """(root) => Array.from(root.querySelectorAll('img'))
  .filter(i => i.offsetParent !== null && i.getBoundingClientRect().width > 0)
  .map(i => i.getAttribute('alt')).join('|')"""


def shown_alt(box) -> str:
    """The alt text of the one frame on show: what it says it shows."""
    alt = box.evaluate(SHOWN_ALT)
    assert alt and "|" not in alt, f"one frame must be on show, got {alt!r}"
    return alt


def readouts(box) -> list[str]:
    """The values the explorer's sliders show, in order."""
    return [t.strip() for t in box.locator(".widget-slider .widget-readout").all_inner_texts()]


def test_clipping_explorer_responds(page, site):
    box, sliders, shown = open_explorer(page, site, "03_rnn_from_scratch", 2)
    for i in range(2):  # learning rate, then the threshold: drag, then keys
        for how in ("drag", "ArrowRight"):
            start = time.perf_counter()
            if how == "drag":
                drag_slider(page, sliders.nth(i), 1)
            else:
                sliders.nth(i).locator(".noUi-handle").press(how)
            shown = expect_new_frame(page, 0, shown, f"clipping: {how} on slider {i}", start)
            # The frame on show is the one of the settings the sliders show, not just another.
            lr, theta = readouts(box)
            expected = f"Training with learning rate {lr} and clipping threshold {theta}."
            assert shown_alt(box).startswith(expected), (expected, shown_alt(box))
    assert not page.problems, page.problems


def test_vanishing_explorer_responds(page, site):
    box, slider, shown = open_explorer(page, site, "04_vanishing_exploding_gradients", 1)
    start = time.perf_counter()
    drag_slider(page, slider, 2)
    shown = expect_new_frame(page, 0, shown, "vanishing: drag the λ₁ slider", start)
    (radius,) = readouts(box)
    assert f"largest singular value λ₁ = {radius}:" in shown_alt(box), shown_alt(box)
    # Each click must show the frame of the setting clicked: its alt text names it.
    clicks = [
        ("RNN activation", "relu", "for a RNN with relu"),
        ("RNN activation", "sigmoid", "for a RNN with sigmoid"),
        ("sequence length T", "100", "T = 100,"),
        ("cell", "LSTM", "for a LSTM with keep-gate bias"),
        ("LSTM/GRU keep-gate bias", "5", "for a LSTM with keep-gate bias 5,"),
        ("cell", "GRU", "for a GRU with keep-gate bias 5,"),
        ("cell", "RNN", "for a RNN with sigmoid"),
    ]
    for description, label, says in clicks:
        row = box.locator(".widget-toggle-buttons").filter(
            has=page.locator(".widget-label", has_text=description)
        )
        button = row.locator(".widget-toggle-button").filter(has_text=re.compile(f"^{label}$"))
        assert button.count() == 1, f"no button {label!r} under {description!r}"
        start = time.perf_counter()
        button.click()
        shown = expect_new_frame(page, 0, shown, f"vanishing: {description} = {label}", start)
        assert says in shown_alt(box), (says, shown_alt(box))
    start = time.perf_counter()
    slider.locator(".noUi-handle").press("ArrowLeft")
    expect_new_frame(page, 0, shown, "vanishing: ArrowLeft on the λ₁ slider", start)
    (radius,) = readouts(box)
    assert f"λ₁ = {radius}:" in shown_alt(box) and "T = 100," in shown_alt(box), shown_alt(box)
    assert not page.problems, page.problems


# The beam-search explorer (chapter 7) is found by its own CSS class, not by its place
# among the page's explorers; each of its frames says in its alt text what it shows.
BEAM_CHAPTER = "chapters/07_machine_translation.html"
BEAM = ".beam-explorer"
VISIBLE_ALT = SHOWN_ALT
STEP_OF = re.compile(r"with beam size (\d+), step (\d+) of (\d+):")


def beam_state(box) -> tuple[str, str, int, int, int]:
    """The frame on show: its fingerprint, alt text, and the beam size, step and steps it shows."""
    shown, alt = box.evaluate(FINGERPRINT), box.evaluate(VISIBLE_ALT)
    assert shown and "|" not in alt, f"one frame must be on show, got {alt!r}"
    match = STEP_OF.search(alt)
    assert match, f"the frame's alt text does not say what it shows: {alt!r}"
    return (shown, alt, *(int(g) for g in match.groups()))


def expect_new_beam_frame(page, box, before: str, what: str, since: float) -> tuple:
    page.wait_for_function(
        f"([root, before]) => {{ const f = ({FINGERPRINT})(root); return f && f !== before; }}",
        arg=[box.element_handle(), before],
        timeout=5_000,
    )
    TIMINGS.append((what, 1000 * (time.perf_counter() - since)))
    return beam_state(box)


def beam_buttons(page, box, description: str):
    row = box.locator(".widget-toggle-buttons").filter(
        has=page.locator(".widget-label", has_text=description)
    )
    assert row.count() == 1, f"no buttons {description!r}"
    return row.locator(".widget-toggle-button")


def click(buttons, label: str) -> None:
    button = buttons.filter(has_text=re.compile(f"^{re.escape(label)}$"))
    assert button.count() == 1, f"no button {label!r}"
    button.click()


def test_beam_explorers_respond(page, site):
    """Both of chapter 7's explorers: the word model's, and the attention model's, whose every
    frame also says where the new hypotheses looked."""
    load(page, site, BEAM_CHAPTER)
    boxes = page.locator(BEAM)
    assert boxes.count() == 2, f"{BEAM_CHAPTER} must hold two beam explorers"
    for i in range(boxes.count()):
        check_beam_explorer(page, boxes.nth(i), attends=i == 1)
    assert not page.problems, page.problems


def check_beam_explorer(page, box, attends: bool):
    box.scroll_into_view_if_needed()
    slider = box.locator(".widget-slider")
    assert slider.count() == 1 and "decoding step" in slider.inner_text()
    handle = slider.locator(".noUi-handle")
    num_steps = int(float(handle.get_attribute("aria-valuemax"))) + 1
    sentences = beam_buttons(page, box, "sentence").all_inner_texts()
    beams = beam_buttons(page, box, "beam size").all_inner_texts()
    alphas = beam_buttons(page, box, "length normalisation α").all_inner_texts()
    assert len(sentences) > 1 and len(beams) > 1 and len(alphas) > 1, (sentences, beams, alphas)
    shown, alt, k, t, n = beam_state(box)
    assert alt.startswith(f'Beam search of "{sentences[0]}" with beam size {beams[0]}, step 1 of')
    assert ("Attention behind each new token: " in alt) == attends, alt

    # The largest beam: its search cannot end at step 1 (one hypothesis at most finishes there).
    start = time.perf_counter()
    click(beam_buttons(page, box, "beam size"), beams[-1])
    shown, alt, k, t, n = expect_new_beam_frame(page, box, shown, "beam: largest beam", start)
    assert (k, t) == (int(beams[-1]), 1) and n >= 2, alt
    start = time.perf_counter()
    drag_slider(page, slider, 1)
    shown, alt, k, t, n = expect_new_beam_frame(
        page, box, shown, "beam: drag the step slider", start
    )
    assert t == 2, alt
    # To the slider's end: the search's last step, with the chosen translation.
    start = time.perf_counter()
    drag_slider(page, slider, num_steps)
    if n > 2:
        shown, alt, k, t, n = expect_new_beam_frame(
            page, box, shown, "beam: drag to the end", start
        )
    page.wait_for_timeout(200)
    shown, alt, k, t, n = beam_state(box)
    assert t == n and "The chosen translation: " in alt, alt
    # alpha ranks the finished hypotheses on show at the end.
    start = time.perf_counter()
    click(beam_buttons(page, box, "length normalisation α"), alphas[-1])
    shown, alt, k, t, n = expect_new_beam_frame(page, box, shown, "beam: α", start)
    assert f"log P / len^α with α = {alphas[-1]}:" in alt, alt
    start = time.perf_counter()
    click(beam_buttons(page, box, "sentence"), sentences[1])
    shown, alt, k, t, n = expect_new_beam_frame(page, box, shown, "beam: another sentence", start)
    assert alt.startswith(f'Beam search of "{sentences[1]}"') and t == n, alt
    # One step back from the slider's end: a new frame unless this search ended earlier.
    start = time.perf_counter()
    handle.press("ArrowLeft")
    if n == num_steps:
        shown, alt, k, t, n = expect_new_beam_frame(page, box, shown, "beam: ArrowLeft", start)
        assert t == n - 1, alt
    assert ("looked most at" in alt) == attends, alt
