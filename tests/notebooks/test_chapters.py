"""Every chapter executes top to bottom in a fresh kernel, with no error.

That the chapters print the same numbers every time is checked after the
book build, against the book's own execution (tests/book), so that no chapter
runs a third time.
"""

import pytest

from .runner import execute, toc_chapters

CHAPTERS = toc_chapters()


def test_the_book_has_chapters():
    assert len(CHAPTERS) >= 2


@pytest.mark.notebook
@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_executes(path, executed):
    nb, seconds = execute(path)
    executed[path] = (nb, seconds)
    print(f"{path.name}: executed in {seconds:.1f} s")
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors
    images = sum(
        "image/png" in o.get("data", {})
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
    )
    assert images > 0, "every chapter draws at least one figure"
