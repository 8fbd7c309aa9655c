"""The two explorers in the static HTML book respond to their controls, with no kernel.

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


def test_clipping_explorer_responds(page, site):
    box, sliders, shown = open_explorer(page, site, "03_rnn_from_scratch", 2)
    for i in range(2):  # learning rate, then the threshold: drag, then keys
        start = time.perf_counter()
        drag_slider(page, sliders.nth(i), 1)
        shown = expect_new_frame(page, 0, shown, f"clipping: drag slider {i}", start)
        start = time.perf_counter()
        sliders.nth(i).locator(".noUi-handle").press("ArrowRight")
        shown = expect_new_frame(page, 0, shown, f"clipping: ArrowRight on slider {i}", start)
    assert not page.problems, page.problems


def test_vanishing_explorer_responds(page, site):
    box, slider, shown = open_explorer(page, site, "04_vanishing_exploding_gradients", 1)
    start = time.perf_counter()
    drag_slider(page, slider, 2)
    shown = expect_new_frame(page, 0, shown, "vanishing: drag the λ₁ slider", start)
    clicks = [
        ("RNN activation", "relu"),
        ("RNN activation", "sigmoid"),
        ("sequence length T", "100"),
        ("cell", "LSTM"),
        ("LSTM/GRU keep-gate bias", "5"),
        ("cell", "GRU"),
        ("cell", "RNN"),
    ]
    for description, label in clicks:
        row = box.locator(".widget-toggle-buttons").filter(
            has=page.locator(".widget-label", has_text=description)
        )
        button = row.locator(".widget-toggle-button").filter(has_text=re.compile(f"^{label}$"))
        assert button.count() == 1, f"no button {label!r} under {description!r}"
        start = time.perf_counter()
        button.click()
        shown = expect_new_frame(page, 0, shown, f"vanishing: {description} = {label}", start)
    start = time.perf_counter()
    slider.locator(".noUi-handle").press("ArrowLeft")
    expect_new_frame(page, 0, shown, "vanishing: ArrowLeft on the λ₁ slider", start)
    assert not page.problems, page.problems
