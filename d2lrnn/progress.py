"""Live training progress: an animated plot in a notebook, one line per epoch elsewhere."""

from __future__ import annotations

import math
import sys
import time

import matplotlib.pyplot as plt

from .checks import check_choice, check_int, check_number, check_str

MODES = ("auto", "plot", "text", "none")

__all__ = ["MODES", "Progress", "in_notebook"]


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where figures can be displayed and updated)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _check_perplexity(value: object, arg: str) -> float:
    """A perplexity: a number >= 1, or infinite (a mean loss beyond float's range, 709 nats)."""
    if isinstance(value, float) and value == math.inf:
        return value
    return check_number(value, arg, 1)


class Progress:
    """Report perplexity and speed after every epoch.

    ``mode='plot'`` draws train and validation perplexity in one figure that
    is updated in place (in JupyterLab and in the executed book alike), with
    the latest figures in its title (a single output, which the book can
    caption); ``'text'`` prints one line per epoch (or every ``every``
    epochs); ``'none'`` stays silent; ``'auto'`` picks ``'plot'`` in a
    notebook and ``'text'`` elsewhere.
    """

    def __init__(self, num_epochs: int, mode: str = "auto", title: str = "", every: int = 1):
        check_choice(mode, "mode", MODES)
        num_epochs = check_int(num_epochs, "num_epochs", 1)
        check_str(title, "title")
        every = check_int(every, "every", 1)
        self.mode = ("plot" if in_notebook() else "text") if mode == "auto" else mode
        self.num_epochs, self.title, self.every = num_epochs, title, every
        self.epochs: list[int] = []
        self.train: list[float] = []
        self.val: list[float] = []
        self.start = time.perf_counter()
        self._fig = self._handle = None

    def _status(self, epoch: int, train: float, val: float | None, tokens_per_sec: float) -> str:
        val_s = f", val perplexity {val:.2f}" if val is not None else ""
        return (
            f"{self.title + ': ' if self.title else ''}epoch {epoch}/{self.num_epochs}, "
            f"train perplexity {train:.2f}{val_s}, {tokens_per_sec / 1e3:.0f}k tokens/s"
        )

    def update(self, epoch: int, train: float, val: float | None, tokens_per_sec: float) -> None:
        """Record one epoch's perplexities and speed, and show them."""
        check_int(epoch, "epoch", 1)
        train = _check_perplexity(train, "train")
        if val is not None:
            val = _check_perplexity(val, "val")
        check_number(tokens_per_sec, "tokens_per_sec", 0)
        self.epochs.append(epoch)
        self.train.append(train)
        if val is not None:
            self.val.append(val)
        status = self._status(epoch, train, val, tokens_per_sec)
        if self.mode == "text":
            if epoch % self.every == 0 or epoch == self.num_epochs:
                print(status, file=sys.stdout, flush=True)
        elif self.mode == "plot":
            self._draw(status)

    def _draw(self, status: str) -> None:
        from IPython.display import display

        if self._fig is None:
            self._fig, self._ax = plt.subplots(figsize=(5, 3))
            self._handle = display(self._fig, display_id=True)
        ax = self._ax
        ax.cla()
        finite = lambda values: [v if math.isfinite(v) else math.nan for v in values]  # noqa: E731
        ax.plot(self.epochs, finite(self.train), "-", label="train")
        if self.val:
            ax.plot(self.epochs[: len(self.val)], finite(self.val), "--", label="validation")
        ax.set_xlim(1, max(2, self.num_epochs))
        ax.set_xlabel("epoch")
        ax.set_ylabel("perplexity")
        ax.set_yscale("log")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
        ax.set_title(status.replace(", train", "\ntrain"), fontsize=9)
        self._handle.update(self._fig)

    def close(self) -> None:
        """Stop updating; the last figure stays displayed (and is not shown twice)."""
        if self._fig is not None:
            plt.close(self._fig)
