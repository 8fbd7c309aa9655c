"""Two executions of every chapter print the same numbers.

Run after ``make notebooks`` (which saves each executed chapter under
``test-output/notebooks``) and ``make book`` (whose executions are stored in
its jupyter-cache, ``_build/.jupyter_cache``): the two are independent
executions in fresh kernels, so comparing them checks determinism without
running any chapter a third time. Speeds are masked (``runner.text_outputs``).

The cache holds the notebooks exactly as the kernel produced them; the copies
in ``_build/jupyter_execute`` are not used, because myst-nb's stream merging
leaves duplicated stream fragments in them.
"""

import nbformat
import pytest
from jupyter_cache import get_cache

from tests.notebooks.runner import OUTPUT, ROOT, text_outputs, toc_chapters

CHAPTERS = toc_chapters()
CACHE = ROOT / "_build" / ".jupyter_cache"


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_prints_the_same_numbers_in_the_test_run_and_the_book(path):
    tested = OUTPUT / path.name
    assert tested.exists(), f"{tested} is missing: run `make notebooks` first"
    assert CACHE.exists(), f"{CACHE} is missing: run `make book` first"
    record = get_cache(CACHE).match_cache_notebook(nbformat.read(path, as_version=4))
    a = text_outputs(nbformat.read(tested, as_version=4))
    b = text_outputs(get_cache(CACHE).get_cache_bundle(record.pk).nb)
    assert len(a) == len(b)
    for i, (x, y) in enumerate(zip(a, b)):
        assert x == y, f"code cell {i} of {path.name} printed different text in two executions"
