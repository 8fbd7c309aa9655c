"""Precomputed frames switched in the browser: PNG frames, their alt text, the explorer's stacks."""

import io
import re

import ipywidgets as W
import matplotlib.pyplot as plt
from PIL import Image

from d2lrnn.widgets import frames


def small_figure(title="x"):
    fig, ax = plt.subplots(figsize=(1.5, 1))
    ax.plot([0, 1, 2], [0, 1, 0])
    ax.set_title(title)
    return fig


def test_figure_png_is_a_small_palette_png_and_closes_the_figure():
    fig = small_figure()
    png = frames.figure_png(fig, dpi=50)
    assert png.startswith(b"\x89PNG")
    image = Image.open(io.BytesIO(png))
    assert image.mode == "P" and len(image.getcolors()) <= 64
    assert not plt.fignum_exists(fig.number)
    kept = small_figure()
    frames.figure_png(kept, close=False, tight=False)
    assert plt.fignum_exists(kept.number)
    plt.close(kept)


def test_frame_widget_is_an_image_with_escaped_alt_text():
    png = frames.figure_png(small_figure())
    w = frames.frame_widget(png, 'loss "before" & <after>')
    assert isinstance(w, W.HTML)
    assert w.value.startswith('<img src="data:image/png;base64,')
    assert 'alt="loss &quot;before&quot; &amp; &lt;after&gt;"' in w.value


def test_frame_explorer_shares_frames_with_the_same_key():
    calls = []

    def draw(a, b):
        calls.append((a, b))
        fig, ax = plt.subplots(figsize=(1, 1))
        ax.set_title(f"{a}")
        return fig

    box = frames.FrameExplorer(
        [("a", ["1", "2"], [1, 2], "buttons"), ("b", ["x", "y", "z"], [1, 2, 3], "slider")],
        draw,
        key=lambda a, b: a,  # b does not change the picture
    )
    assert box.num_frames == 2 and len(calls) == 2
    inner = box.frames.children[0]
    assert inner.children[0] is inner.children[2]


def test_frame_explorer_controls_stacks_links_and_default_alt_text():
    png = frames.figure_png(small_figure())
    box = frames.FrameExplorer(
        [
            ("size", ["small", "big"], [1, 2], "buttons"),
            ("speed", ["slow", "fast"], [0, 9], "slider"),
        ],
        lambda size, speed: png,  # PNG bytes are used as they are
    )
    buttons, slider = box.controls
    assert isinstance(buttons, W.ToggleButtons) and isinstance(slider, W.SelectionSlider)
    assert list(buttons.options) == ["small", "big"] and slider.description == "speed"
    assert box.num_frames == 4
    assert isinstance(box.frames, W.Stack) and all(
        isinstance(s, W.Stack) for s in box.frames.children
    )
    alts = [
        re.search(r'alt="([^"]+)"', leaf.value).group(1)
        for stack in box.frames.children
        for leaf in stack.children
    ]
    assert alts == [
        "size: small; speed: slow",
        "size: small; speed: fast",
        "size: big; speed: slow",
        "size: big; speed: fast",
    ]
    # One link for the outer stack, one for each inner stack: all in the browser.
    assert len(box.links) == 3
    pairs = {(link.source[0], link.target[0]) for link in box.links}
    assert (buttons, box.frames) in pairs
    assert all((slider, s) in pairs for s in box.frames.children)
    assert box.children[1] is box.frames


def test_with_ipywidgets_7_the_frames_sit_in_tabs_that_switch_the_same_way(monkeypatch):
    """ipywidgets 7 (Google Colab's 7.7.1) has no Stack: a Tab, labelled by the control."""
    png = frames.figure_png(small_figure())
    monkeypatch.delattr(W, "Stack", raising=False)
    box = frames.FrameExplorer(
        [
            ("size", ["small", "big"], [1, 2], "buttons"),
            ("speed", ["slow", "fast"], [0, 9], "slider"),
        ],
        lambda size, speed: png,
    )
    assert isinstance(box.frames, W.Tab) and all(isinstance(t, W.Tab) for t in box.frames.children)
    titles = [box.frames.get_title(i) for i in range(2)]
    assert titles == ["small", "big"] and box.frames.selected_index == 0
    assert [box.frames.children[0].get_title(i) for i in range(2)] == ["slow", "fast"]
    buttons, slider = box.controls
    pairs = {(link.source[0], link.target[0]) for link in box.links}
    assert (buttons, box.frames) in pairs and (slider, box.frames.children[1]) in pairs
    assert {link.target[1] for link in box.links} == {"selected_index"}


def test_frame_explorer_describe_gives_the_alt_text():
    png = frames.figure_png(small_figure())
    box = frames.FrameExplorer(
        [("n", ["one", "two"], [1, 2], "buttons")],
        lambda n: png,
        describe=lambda n: f"{n} line(s)",
    )
    assert ['alt="1 line(s)"' in c.value for c in box.frames.children] == [True, False]
    assert 'alt="2 line(s)"' in box.frames.children[1].value
