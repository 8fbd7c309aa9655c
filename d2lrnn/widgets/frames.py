"""Kernel-less interactive figures: precomputed frames switched in the browser.

Every explorer of the book is a :class:`FrameExplorer`: a set of
precomputed frames (PNG images with alt text, in ``ipywidgets.Stack``
containers) switched by its controls through ``ipywidgets.jslink``, which
runs in the browser. Moving a control only shows another frame: nothing is
computed, so the response is immediate in JupyterLab with a kernel and in the
published HTML book without one.

``Stack`` is new in ipywidgets 8. With ipywidgets 7 (Google Colab's 7.7.1)
the frames sit in ``Tab`` containers instead, which switch the same way
(``selected_index``) and show their frames' labels as tabs.
"""

from __future__ import annotations

import base64
import html
import io

import ipywidgets as W
import matplotlib.pyplot as plt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from ..checks import check_bool, check_choice, check_int, check_str

__all__ = ["FrameExplorer", "encode_png", "figure_png", "frame_widget", "switcher"]


def figure_png(fig, dpi: int = 80, close: bool = True, tight: bool = True) -> bytes:
    """Render a matplotlib figure to compact PNG bytes (and close it, unless ``close=False``).

    The explorers embed hundreds of frames in a page, so each frame is
    reduced to a 64-colour palette: about four times smaller, and line plots
    look the same. ``tight`` crops the frame to what is drawn, with
    ``savefig.pad_inches`` around it, as ``savefig(bbox_inches="tight")`` does.

    Speed matters here (an explorer renders hundreds of frames): the figure is
    drawn once and its pixels are taken from the canvas, where ``savefig``
    would draw it twice (once for the tight box, or for the layout engine)
    and encode a PNG only to decode it again; and the palette comes from
    Pillow's fast octree (the median cut gave the same-looking frames, 4%
    larger and 9 ms slower). 45 ms a frame instead of 95 ms for a frame like
    the vanishing-gradient explorer's.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    dpi = check_int(dpi, "dpi", 10)
    close, tight = check_bool(close, "close"), check_bool(tight, "tight")
    image = _pixels(fig, dpi, tight)
    if close:
        plt.close(fig)
    return encode_png(image)


def encode_png(image: Image.Image) -> bytes:
    """An RGB(A) image as compact PNG bytes: a 64-colour palette, as :func:`figure_png` makes."""
    if not isinstance(image, Image.Image):
        raise TypeError(f"image must be a PIL Image, got {type(image).__name__}")
    image = image.convert("RGB").quantize(colors=64, method=Image.Quantize.FASTOCTREE)
    out = io.BytesIO()
    image.save(out, format="png", optimize=True)
    return out.getvalue()


def _pixels(fig: Figure, dpi: int, tight: bool) -> Image.Image:
    """The figure drawn at ``dpi``, as an RGB image (cropped to what is drawn if ``tight``)."""
    canvas = fig.canvas
    box = None
    if isinstance(canvas, FigureCanvasAgg):
        old = fig.dpi
        fig.set_dpi(dpi)
        try:
            canvas.draw()
            width, height = canvas.get_width_height()
            image = Image.frombuffer(
                "RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1
            ).convert("RGB")
            if tight:
                inches = fig.get_tightbbox(canvas.get_renderer())
                box = inches.padded(plt.rcParams["savefig.pad_inches"])
        finally:
            fig.set_dpi(old)
        if not tight:
            return image
        left, right = round(box.x0 * dpi), round(box.x1 * dpi)
        top, bottom = round(height - box.y1 * dpi), round(height - box.y0 * dpi)
        if 0 <= left < right <= width and 0 <= top < bottom <= height:
            return image.crop((left, top, right, bottom))
    # Another backend's canvas, or drawn beyond the figure's edges: savefig.
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight" if tight else None)
    return Image.open(buf).convert("RGB")


def frame_widget(png: bytes, alt: str) -> W.HTML:
    """One frame: the PNG as an ``<img>`` with alt text (``W.Image`` has no ``alt``)."""
    if not isinstance(png, bytes) or not png.startswith(b"\x89PNG"):
        raise TypeError(f"png must be the bytes of a PNG image, got {type(png).__name__}")
    check_str(alt, "alt")
    if not alt.strip():
        raise ValueError("alt must describe the frame for readers who cannot see it, got ''")
    src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return W.HTML(f'<img src="{src}" alt="{html.escape(alt, quote=True)}" style="max-width: 100%">')


def switcher(children: list, labels: list[str]) -> W.Box:
    """A container that shows one of ``children`` at a time, by its ``selected_index``.

    ipywidgets 8's ``Stack``; with ipywidgets 7, which has none, a ``Tab`` whose
    tabs are ``labels`` (clicking one is one more way to switch).
    """
    if not isinstance(children, (list, tuple)) or not all(
        isinstance(c, W.Widget) for c in children
    ):
        raise TypeError(f"children must be a list of widgets, got {children!r}")
    if not isinstance(labels, (list, tuple)) or len(labels) != len(children):
        raise ValueError(
            f"labels must name every one of the {len(children)} children, got {labels!r}"
        )
    if hasattr(W, "Stack"):
        return W.Stack(children, selected_index=0)
    tab = W.Tab(children)
    for i, label in enumerate(labels):
        tab.set_title(i, str(label))
    tab.selected_index = 0
    return tab


class FrameExplorer(W.VBox):
    """Controls over a grid of precomputed figures, switched in the browser.

    ``controls`` is a list of ``(description, labels, values, kind)`` with
    ``kind`` either ``'slider'`` (a ``SelectionSlider``) or ``'buttons'``
    (``ToggleButtons``). ``draw(*values)`` returns the matplotlib figure (or
    PNG bytes) for one value of every control; it is called once per combination, up front,
    except that combinations with the same ``key(*values)`` (when given)
    share one frame, for controls that do not affect every setting.
    ``describe(*values)`` gives each frame's alt text, for readers who
    cannot see it; by default, the controls' descriptions and labels.

    The frames sit in nested ``Stack`` widgets, one level per control, and
    each control's ``index`` is ``jslink``-ed to the ``selected_index`` of
    every ``Stack`` at its level. Moving a control therefore only switches
    which frame is visible, in the browser, with or without a kernel.
    """

    def __init__(self, controls: list, draw, key=None, describe=None):
        if not isinstance(controls, (list, tuple)) or not controls:
            raise ValueError(f"controls must be a non-empty list, got {controls!r}")
        for i, control in enumerate(controls):
            if not (isinstance(control, (list, tuple)) and len(control) == 4):
                raise ValueError(
                    f"controls[{i}] must be (description, labels, values, kind), got {control!r}"
                )
            description, labels, values, kind = control
            check_str(description, f"controls[{i}] description")
            check_choice(kind, f"controls[{i}] kind", ("slider", "buttons"))
            if not len(values) or len(labels) != len(values):
                raise ValueError(
                    f"controls[{i}] must have as many labels as values (at least one), got "
                    f"{len(labels)} and {len(values)}"
                )
        for name, fn in (("draw", draw), ("key", key), ("describe", describe)):
            if fn is not None and not callable(fn):
                raise TypeError(f"{name} must be a function, got {type(fn).__name__}")
        if draw is None:
            raise TypeError("draw must be a function of one value of every control")
        style = {"description_width": "initial"}
        self.controls = []
        for description, labels, _, kind in controls:
            if kind == "buttons":
                widget = W.ToggleButtons(options=list(labels), description=description, style=style)
            else:
                widget = W.SelectionSlider(
                    options=list(labels),
                    description=description,
                    style=style,
                    continuous_update=True,
                    # Wide enough for a long label and a track to drag (the
                    # default width left "largest singular value ..." no track).
                    layout=W.Layout(width="100%", max_width="640px"),
                )
            self.controls.append(widget)
        self.links: list = []  # kept so that the links live as long as the view
        self.num_frames = 0
        values = [c[2] for c in controls]
        labels = [c[1] for c in controls]
        cache: dict = {}

        def describe_frame(chosen: tuple) -> str:
            if describe is not None:
                return describe(*chosen)
            return "; ".join(
                f"{c[0]}: {c[1][c[2].index(v)]}" for c, v in zip(controls, chosen, strict=True)
            )

        def build(level: int, chosen: tuple):
            if level == len(values):
                k = key(*chosen) if key else chosen
                if k not in cache:
                    self.num_frames += 1
                    frame = draw(*chosen)
                    if not isinstance(frame, bytes):
                        frame = figure_png(frame)
                    cache[k] = frame_widget(frame, describe_frame(chosen))
                return cache[k]
            stack = switcher(
                [build(level + 1, chosen + (v,)) for v in values[level]], list(labels[level])
            )
            self.links.append(W.jslink((self.controls[level], "index"), (stack, "selected_index")))
            return stack

        self.frames = build(0, ())
        super().__init__([W.VBox(self.controls), self.frames])
