"""Numbers the prose quotes from a cell: MyST-NB's ``glue``, wherever the chapter runs.

The HTML book is built with MyST-NB, whose ``glue(name, value)`` stores a
cell's value so that the prose can insert it (``{glue:text}`name```): the
number in the sentence is the number the cell computed. A student's
environment (Binder's lean image, ``binder/``) has no MyST-NB, which would
bring the whole Sphinx build stack along. There :func:`glue` does what
``myst_nb.glue`` does for the notebook itself: it shows the value when
``display`` is true and nothing otherwise.

``seeds`` states how many seeds (independent training runs) a glued result
summarises, for the book's protocol: a sentence that compares two glued
results, one of them from fewer than three seeds, fails
``tests/book/test_seed_claims.py``. Results that involve no training run
(a count, a setting, a size) leave it out.
"""

from __future__ import annotations

from .checks import check_bool, check_int, check_str

__all__ = ["glue"]


def glue(name: str, variable: object, display: bool = True, seeds: int | None = None) -> None:
    """Store ``variable`` under ``name`` for the book's prose (MyST-NB), and show it if ``display``.

    ``seeds``: how many seeds the result comes from (at least 1), when it
    comes from training runs; the book's tests read it from the chapter's
    code (see the module docstring). Without MyST-NB installed, only shows
    the value (when ``display``). Any other import failure of MyST-NB is
    raised, not hidden.
    """
    check_str(name, "name")
    display = check_bool(display, "display")
    if seeds is not None:
        check_int(seeds, "seeds", 1)
    try:
        from myst_nb import glue as myst_glue
    except ModuleNotFoundError as error:
        if error.name != "myst_nb":
            raise
        if display:
            from IPython.display import display as show

            show(variable)
        return
    myst_glue(name, variable, display)
