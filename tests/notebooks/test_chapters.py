"""Every chapter, executed in every environment, ran cleanly and printed the same numbers.

``tests/notebooks/execute.py`` (``make execute-all``) executes the chapters in
each environment of ``make test`` (Python 3.11 with numpy 1.23.5, 3.13 with
numpy 2, a Colab-like 3.13, and a few chapters on 3.12) and saves them under
``_build/executed/<env>/``. These tests read them there:

* each execution is of today's code, library and environment (not stale),
  ran to the end without an error, and drew its figures;
* every environment printed the same text as the reference environment (the
  first of ``D2LRNN_ENVS``, the book's): the same numbers, to the last digit
  (each comparison's count of numbers goes to ``test-output/cross-environment/``).
  These are independent executions in fresh kernels, so this is also the
  determinism check. What differs by design is compared without it: the
  doctor's line, which names the Python, numpy and platform; the first cell,
  which prints only on Colab (what it installed; its own test is below);
  timings (``runner.text_outputs``). And one tolerance: an error magnitude
  printed in scientific notation below 1e-6 (the gradient checks' tolerance)
  is compared as "below 1e-6", not digit by digit. Those are float64
  round-off errors of numpy's own arithmetic (chapter 3's hand-written BPTT
  against autograd and finite differences, chapter 4's Jacobian products),
  and numpy's builds differ in their last bits: numpy 1.23.5 and 2.5 bundle
  different OpenBLAS releases and vectorised maths. Measured: 1.1e-08 on one,
  1.2e-08 on the other, 4.8e-16 and 4.0e-16. What the chapters claim of them
  (far below the tolerance) holds in both; every other number, MXNet's
  included, is equal to the last digit;
* in the Colab-like environment, the first chapter's first cell installed what
  Colab lacks, and every package Colab has is still at Colab's version.

``D2LRNN_ENVS`` (set by ``make test``) lists the environments that must be
there; without it, whatever has been executed is checked.
"""

from __future__ import annotations

import json
import os
import re

import nbformat
import pytest

from requirements import lock
from tests.notebooks.execute import EXECUTED, ROOT, Environment, up_to_date
from tests.notebooks.runner import text_outputs, toc_chapters

CHAPTERS = toc_chapters()
REQUIRED = os.environ.get("D2LRNN_ENVS", "").split()
ORDER = ["3.11", "3.13", "3.12", "colab"]
FOUND = sorted(
    (p.name for p in EXECUTED.iterdir() if p.is_dir()) if EXECUTED.exists() else [],
    key=lambda name: ORDER.index(name) if name in ORDER else len(ORDER),
)
ENVS = REQUIRED or FOUND
#: Per environment and chapter, how many numbers were compared and how many were equal.
REPORT = ROOT / "test-output" / "cross-environment"
REFERENCE = ENVS[0] if ENVS else None
#: The lines that name the environment, compared without what they name.
ENVIRONMENT_LINES = re.compile(r"^(d2lrnn doctor: ).*$", re.M)
#: Round-off: a number in scientific notation below 1e-6 (see the module's docstring).
ROUND_OFF = re.compile(r"(?<![\w.])-?\d\.\d+e-(0[7-9]|[1-9]\d)\b")


def environment(name: str) -> Environment:
    venv = ROOT / ".venvs" / name
    return Environment(name, venv, colab=name == "colab")


def executions() -> list[tuple[str, object]]:
    """(env, chapter) for every chapter each environment executed (or must have)."""
    pairs = []
    for env in ENVS:
        for chapter in CHAPTERS:
            if (EXECUTED / env / chapter.name).exists() or env != "3.12":
                pairs.append((env, chapter))
    return pairs


def read(env: str, chapter) -> nbformat.NotebookNode:
    path = EXECUTED / env / chapter.name
    assert path.exists(), f"{path} is missing: run `make execute-all` first"
    return nbformat.read(path, as_version=4)


def printed(nb: nbformat.NotebookNode) -> list[str]:
    """What each code cell printed, but the first (Colab's), the doctor's line without what
    it names, and timings masked."""
    return [ENVIRONMENT_LINES.sub(r"\1(environment)", text) for text in text_outputs(nb)[1:]]


def comparable(nb: nbformat.NotebookNode) -> list[str]:
    """What :func:`printed` gives, round-off below 1e-6 as such: what is compared across envs."""
    return [ROUND_OFF.sub("(below 1e-6)", text) for text in printed(nb)]


NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?(?:e[-+]\d+)?(?![\w.]*\d)")


def tally(reference: list[str], other: list[str]) -> dict[str, int]:
    """How many numbers the reference printed, how many the other printed equal, and how many
    differ within the round-off tolerance (scientific notation, below 1e-6 in both)."""
    counts = {"numbers": 0, "equal": 0, "round_off": 0}
    for a, b in zip(reference, other):
        ours, theirs = NUMBER.findall(a), NUMBER.findall(b)
        counts["numbers"] += len(ours)
        for x, y in zip(ours, theirs):
            if x == y:
                counts["equal"] += 1
            elif ROUND_OFF.fullmatch(x) and ROUND_OFF.fullmatch(y):
                counts["round_off"] += 1
    return counts


def test_the_tally_counts_numbers_equal_and_round_off():
    ours, theirs = ["loss 3.5, 1,234 pairs, 1.1e-08", "x"], ["loss 3.5, 1,234 pairs, 1.2e-08", "y"]
    assert tally(ours, theirs) == {"numbers": 3, "equal": 2, "round_off": 1}
    assert tally(["ppl 4.86"], ["ppl 4.87"]) == {"numbers": 1, "equal": 0, "round_off": 0}


def test_the_tolerance_is_round_off_only():
    line = "W_xh  5.3e-16  1.1e-08 | loss 3.831420 | 2.5e-06 | 0.0e+00 | 1e-06 | 7.0e-07"
    assert ROUND_OFF.sub("~", line) == "W_xh  ~  ~ | loss 3.831420 | 2.5e-06 | 0.0e+00 | 1e-06 | ~"


def test_the_book_has_chapters_and_environments():
    assert len(CHAPTERS) >= 2
    assert ENVS, "nothing executed: run `make execute-all` (or `make test`)"
    for name in REQUIRED:
        assert (EXECUTED / name).is_dir(), f"{name} was not executed: run `make execute-all`"


@pytest.mark.parametrize(
    "env, chapter", executions(), ids=[f"{e}-{c.stem}" for e, c in executions()]
)
def test_chapter_executed_cleanly_with_todays_code(env, chapter):
    nb = read(env, chapter)
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors, f"{chapter.stem} raised in {env}: see {EXECUTED / env / chapter.name}"
    images = sum(
        "image/png" in o.get("data", {})
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
    )
    assert images > 0, "every chapter draws at least one figure"
    assert up_to_date(environment(env), chapter), (
        f"the {env} execution of {chapter.stem} is of older code: run `make execute-all`"
    )


@pytest.mark.parametrize(
    "env, chapter",
    [(e, c) for e, c in executions() if e != REFERENCE],
    ids=[f"{e}-{c.stem}" for e, c in executions() if e != REFERENCE],
)
def test_every_environment_prints_what_the_reference_prints(env, chapter):
    reference, other = read(REFERENCE, chapter), read(env, chapter)
    counts = tally(printed(reference), printed(other))
    REPORT.mkdir(parents=True, exist_ok=True)
    (REPORT / f"{env}-{chapter.stem}.json").write_text(json.dumps(counts))
    ours, theirs = comparable(reference), comparable(other)
    assert len(ours) == len(theirs)
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if a != b:
            diff = [(x, y) for x, y in zip(a.split("\n"), b.split("\n")) if x != y][:5]
            i += 1  # the first code cell is not compared
            pytest.fail(
                f"code cell {i} of {chapter.stem} printed different text in {REFERENCE} and "
                f"{env}:\n" + "\n".join(f"  {REFERENCE}: {x}\n  {env}: {y}" for x, y in diff)
            )


@pytest.mark.skipif("colab" not in ENVS, reason="no Colab-like execution")
def test_colab_first_cell_installed_what_colab_lacks_and_kept_the_rest():
    said = []
    for chapter in CHAPTERS:
        first = read("colab", chapter).cells
        code = next(c for c in first if c.cell_type == "code")
        said.append("".join(o.get("text", "") for o in code.outputs).strip())
    # The chapter that ran first in its run installed, the others found it all there.
    assert all(s.startswith("d2lrnn on Colab: installed ") for s in said), said
    assert any("installed mxnet==1.9.1, sacrebleu==2.6.0" in s for s in said), said
    assert all("kept Colab's numpy 2.1.3, IPython 7.34.0, ipywidgets 7.7.1" in s for s in said)
    python = ROOT / ".venvs" / "colab" / "bin" / "python"
    if python.exists():
        import subprocess

        frozen = subprocess.run(
            [str(python), "-m", "pip", "list", "--format=freeze"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        have = {lock.canonical(n): v for n, _, v in (x.partition("==") for x in frozen.split())}
        colab = lock.read_pins(ROOT / "requirements" / "colab.txt")
        changed = {n: (v, have.get(n)) for n, (_, v) in colab.items() if have.get(n) != v}
        assert not changed, f"Colab's packages replaced (pinned, now): {changed}"
        assert have["mxnet"] == "1.9.1" and "d2lrnn" in have
