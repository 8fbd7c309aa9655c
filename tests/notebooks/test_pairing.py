"""Each chapter is a jupytext pair, chapters/NAME.md and NAME.ipynb, and the pair agrees.

The .md is what we edit; the .ipynb (without outputs) is what the book, Binder
and Colab open. `make sync` re-pairs them after an edit.
"""

from pathlib import Path

import jupytext
import nbformat
import pytest

from .runner import ROOT, toc_chapters

MARKDOWN = sorted((ROOT / "chapters").rglob("*.md"))


def test_every_chapter_is_in_the_toc():
    listed = {p.with_suffix(".md") for p in toc_chapters()}
    assert set(MARKDOWN) == listed


@pytest.mark.parametrize("md", MARKDOWN, ids=[p.stem for p in MARKDOWN])
def test_pair_is_in_sync(md: Path):
    ipynb = md.with_suffix(".ipynb")
    assert ipynb.exists(), f"{ipynb.name} is missing: run `make sync`"
    text_nb = jupytext.read(md)
    nb = nbformat.read(ipynb, as_version=4)
    assert [(c.cell_type, c.source, c.metadata) for c in nb.cells] == [
        (c.cell_type, c.source, c.metadata) for c in text_nb.cells
    ], f"{md.name} and {ipynb.name} differ: run `make sync`"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("md", MARKDOWN, ids=[p.stem for p in MARKDOWN])
def test_committed_notebook_has_no_outputs(md: Path):
    nb = nbformat.read(md.with_suffix(".ipynb"), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{md.with_suffix('.ipynb').name} holds outputs: clear them before committing"
            )
