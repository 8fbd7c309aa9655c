"""Numbers in the prose that a cell computes are glued, not typed.

A typed copy of a printed number goes stale the day the code changes (issue
18 found several). For every chapter, the test takes the prose of its
markdown (code cells, math, roles such as ``{glue:text}``, inline code and
links removed) and looks up each number in it that has a decimal point, a
thousands separator or three or more digits in the text that the chapter's
executed notebook printed, in any environment (``make execute-all`` saves
them under ``_build/executed/<env>/``). A number found there must be glued from the
cell that computes it, unless it is one of the chapter's constants in
``CONSTANTS``: a setting the reader chooses (a learning rate, a size, a
number of steps), which the code and the prose both state.
"""

import re

import nbformat
import pytest

from tests.notebooks.execute import EXECUTED
from tests.notebooks.runner import TIMING, toc_chapters

CHAPTERS = toc_chapters()

#: Per chapter, the numbers that the prose may state because they are settings, not results.
CONSTANTS = {
    "03_rnn_from_scratch": {"0.01", "0.5"},  # learning rates; the initial weights' scale
    "04_vanishing_exploding_gradients": {
        "0.9",
        "1.1",
        "1.5",
        "100",
        "256",
        "0.45",
        "400",
        "128",
    },  # radii, steps, the recall runs' settings
    "05_lstm_gru": {"1.1", "100", "128", "200", "500"},  # a radius, steps, units
    "06_deep_bidirectional": {"0.01", "0.2", "128", "216"},  # learning rate, dropout, units
    # the bucket (pools of 100); the learning rate; 1000 bootstrap resamples, and Bahdanau et
    # al.'s 1000 units a direction; the length-penalty exponents tried, 0, 0.5 and 1
    "07_machine_translation": {"100", "0.01", "1000", "0.5", "0.25"},  # 0.25: scheduled sampling
    "appendix_fast_layers": {"128", "256"},  # batch sizes and MiB of the worked sizes
}

#: In every chapter: the versions the book supports, which ``d2lrnn.doctor()`` prints in
#: the first cell and the prose names when it explains where the book runs.
PINNED_VERSIONS = {"3.11", "3.12", "3.13", "1.9.1", "1.23", "1.23.5", "1.24", "2.5"}

NUMBER = re.compile(r"(?<![\w.$^_{\\-])(\d{1,3}(?:,\d{3})+|\d+\.\d+|\d{3,})(?![\w.]*\d)")


def prose(markdown: str) -> str:
    """The markdown cells' text, without code, math, roles, inline code, links and front matter."""
    text = re.sub(r"^---\n.*?\n---\n", "", markdown, count=1, flags=re.S)
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    text = re.sub(r"\$[^$\n]+\$", " ", text)
    text = re.sub(r"\{[a-z:-]+\}`[^`]*`", " ", text)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\b(Check|Exercise|exercise) \d+\.\d+", " ", text)  # keys, not numbers
    return re.sub(r"\]\([^)]*\)", "]", text)


def printed(nb: nbformat.NotebookNode) -> str:
    """Everything the notebook printed as text (streams and plain-text results), but the
    lines that report timings, whose numbers change from run to run."""
    parts = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.output_type == "stream":
                parts.append(o.text)
            elif "text/plain" in o.get("data", {}) and "image/png" not in o["data"]:
                parts.append(o["data"]["text/plain"])
    return "\n".join(line for line in "\n".join(parts).split("\n") if not TIMING.search(line))


def typed_copies(markdown: str, output: str, constants: set[str]) -> list[str]:
    """The numbers of the prose that also appear in ``output`` and are not ``constants``."""
    found = []
    for line in prose(markdown).split("\n"):
        for m in NUMBER.finditer(line):
            n = m.group(1)
            if n in constants:
                continue
            if re.search(r"(?<![\d.,])" + re.escape(n) + r"(?!\d)", output):
                found.append(f"{n!r} in: {line.strip()}")
    return found


def test_the_check_finds_a_typed_copy_and_ignores_glue_math_and_code():
    output = "validation perplexity 5.10\n12,345 pairs\n"
    assert typed_copies("It reaches 5.10 on 12,345 pairs.", output, set()) == [
        "'5.10' in: It reaches 5.10 on 12,345 pairs.",
        "'12,345' in: It reaches 5.10 on 12,345 pairs.",
    ]
    glued = "It reaches {glue:text}`ppl:.2f` ($5.10$, `5.10`).\n```{code-cell}\nprint(5.10)\n```"
    assert typed_copies(glued, output, set()) == []
    assert typed_copies("At lr 5.10 it trains.", output, {"5.10"}) == []
    assert typed_copies("(Check 5.10.) See Exercise 5.10.", output, set()) == []


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_numbers_the_chapter_prints_are_glued_in_its_prose(path):
    executed = sorted(EXECUTED.glob(f"*/{path.name}"))
    assert executed, f"{path.name} was never executed: run `make execute` first"
    markdown = path.with_suffix(".md").read_text()
    output = "\n".join(printed(nbformat.read(p, as_version=4)) for p in executed)
    copies = typed_copies(markdown, output, CONSTANTS.get(path.stem, set()) | PINNED_VERSIONS)
    assert not copies, (
        f"{path.stem}: numbers the chapter prints are typed in its prose; glue them from the "
        "cell that computes them (or add a setting to CONSTANTS):\n" + "\n".join(copies)
    )
