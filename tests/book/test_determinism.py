"""Two executions of every chapter print the same numbers.

Run after ``make notebooks`` (which saves each executed chapter under
``test-output/notebooks``) and ``make book`` (whose executed copies are in
``_build/jupyter_execute``): the two are independent executions in fresh
kernels, so comparing them checks determinism without running any chapter a
third time. Speeds are masked (``runner.text_outputs``).
"""

import nbformat
import pytest

from tests.notebooks.runner import OUTPUT, ROOT, text_outputs, toc_chapters

CHAPTERS = toc_chapters()
BOOK = ROOT / "_build" / "jupyter_execute" / "chapters"


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_prints_the_same_numbers_in_the_test_run_and_the_book(path):
    tested, built = OUTPUT / path.name, BOOK / path.name
    assert tested.exists(), f"{tested} is missing: run `make notebooks` first"
    assert built.exists(), f"{built} is missing: run `make book` first"
    a = text_outputs(nbformat.read(tested, as_version=4))
    b = text_outputs(nbformat.read(built, as_version=4))
    assert len(a) == len(b)
    for i, (x, y) in enumerate(zip(a, b)):
        assert x == y, f"code cell {i} of {path.name} printed different text in two executions"
