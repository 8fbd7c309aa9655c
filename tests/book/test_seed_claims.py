"""The book's protocol: a sentence that compares glued results rests on at least 3 seeds.

A chapter tags a glued result that comes from training runs with the number
of seeds it summarises, ``glue(name, value, seeds=k)``
(:func:`d2lrnn.notebook.glue`). This test reads those tags from each
chapter's code cells and fails on a sentence of its prose that refers to two
or more glued values (``{glue:text}`name```), uses a word of comparison
("lower", "beats", "than", ...), and refers to a value from fewer than 3
seeds. One run may be described ("this run reaches 15.9"); it may not be
set against another setting's run.
"""

import ast
import re

import pytest

from tests.notebooks.runner import toc_chapters

CHAPTERS = {p.stem: p.with_suffix(".md") for p in toc_chapters()}

COMPARISON = re.compile(
    r"\b(beats?|better|worse|best|worst|higher|lower|faster|slower|more|fewer|less|above|"
    r"below|than|outperforms?|exceeds?|improves?|helps?|hurts?|wins?|loses?|rises?|falls?|"
    r"drops?|gains?)\b",
    re.IGNORECASE,
)
GLUED = re.compile(r"\{glue:text\}`([A-Za-z_][A-Za-z0-9_]*)")
CODE_CELL = re.compile(r"```\{code-cell\}[^\n]*\n(.*?)```", re.S)


def tagged_seeds(markdown: str) -> dict[str, int]:
    """``{name: seeds}`` of every ``glue(name, ..., seeds=k)`` call in the code cells with a
    literal ``k``. An f-string name gives a regular expression, its ``{...}`` parts standing
    for any word (``f"ss_{key}"``: ``ss_\\w+``)."""
    out = {}
    for cell in CODE_CELL.findall(markdown):
        body = "\n".join(line for line in cell.splitlines() if not line.startswith((":", "---")))
        try:
            tree = ast.parse(body)
        except SyntaxError:
            continue  # a cell with IPython magics; glue calls are not in those
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "glue"):
                continue
            name = node.args[0] if node.args else None
            seeds = next((k.value for k in node.keywords if k.arg == "seeds"), None)
            if not isinstance(seeds, ast.Constant):
                continue
            if isinstance(name, ast.Constant):
                out[re.escape(name.value)] = seeds.value
            elif isinstance(name, ast.JoinedStr):
                parts = [re.escape(v.value) if isinstance(v, ast.Constant) else r"\w+"
                         for v in name.values]  # fmt: skip
                out["".join(parts)] = seeds.value
    return out


def seeds_of(name: str, tags: dict[str, int]) -> int | None:
    """The seeds a glued ``name`` is tagged with (the fewest, if several tags match)."""
    found = [k for pattern, k in tags.items() if re.fullmatch(pattern, name)]
    return min(found) if found else None


def sentences(markdown: str) -> list[str]:
    """The prose's sentences: markdown outside code cells, math and front matter, split at
    '. ', '! ' or '? ' before a capital letter, a glue role or a bracket."""
    text = re.sub(r"^---\n.*?\n---\n", "", markdown, count=1, flags=re.S)
    text = re.sub(r"```.*?```", "\n\n", text, flags=re.S)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    out = []
    for paragraph in re.split(r"\n\s*\n", text):
        flat = " ".join(paragraph.split())
        out += [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z({*])", flat) if s]
    return out


def violations(markdown: str) -> list[str]:
    """Sentences that compare glued values, one of them from fewer than 3 seeds."""
    seeds = tagged_seeds(markdown)
    bad = []
    for sentence in sentences(markdown):
        names = set(GLUED.findall(sentence))
        few = sorted(n for n in names if (seeds_of(n, seeds) or 3) < 3)
        if len(names) >= 2 and few and COMPARISON.search(sentence):
            bad.append(f"{sentence}  [from fewer than 3 seeds: {', '.join(few)}]")
    return bad


@pytest.mark.parametrize("chapter", list(CHAPTERS))
def test_no_sentence_compares_results_from_fewer_than_three_seeds(chapter):
    markdown = CHAPTERS[chapter].read_text()
    found = violations(markdown)
    assert not found, "\n".join(found)


SAMPLE = """
```{code-cell} ipython3
for key in ("ppl", "bleu"):
    glue(f"fwd_{key}", 1.0, display=False, seeds=1)
glue("one_a", 1.5, display=False, seeds=1)
glue("one_b", 1.7, display=False, seeds=1)
glue("three_a", 1.5, display=False, seeds=3)
glue("three_b", 1.7, display=False, seeds=3)
glue("count", 12, display=False)
```

PROSE
"""


@pytest.mark.parametrize(
    "prose, caught",
    [
        ("The GRU is better: {glue:text}`one_a:.2f` against {glue:text}`one_b:.2f`.", True),
        ("It beats the RNN ({glue:text}`three_a` and {glue:text}`one_b`).", True),
        ("Perplexity falls from {glue:text}`three_a:.2f` to {glue:text}`three_b:.2f`, lower.",
         False),
        ("On {glue:text}`count` sentences this run reaches {glue:text}`one_a:.1f`.", False),
        ("This run reaches {glue:text}`one_a:.1f`, above the target.", False),
        ("Seed 0 gives {glue:text}`one_a` and {glue:text}`one_b`.", False),
        ("Fine. Then {glue:text}`one_a` is lower than {glue:text}`one_b` here.", True),
        ("{glue:text}`fwd_ppl` is lower than {glue:text}`three_a`.", True),
    ],
)  # fmt: skip
def test_the_check_catches_comparisons_of_single_seed_results(prose, caught):
    found = violations(SAMPLE.replace("PROSE", prose))
    assert bool(found) == caught, found


def test_the_tags_are_read_from_the_code():
    tags = tagged_seeds(SAMPLE)
    assert tags == {r"fwd_\w+": 1, "one_a": 1, "one_b": 1, "three_a": 3, "three_b": 3}
    assert seeds_of("fwd_bleu", tags) == 1 and seeds_of("fwd", tags) is None
    assert seeds_of("count", tags) is None


def test_the_chapters_tag_their_single_seed_results():
    """The check only has teeth if the chapters tag what they glue from training runs."""
    tags = {ch: tagged_seeds(path.read_text()) for ch, path in CHAPTERS.items()}
    assert sum(len(t) for t in tags.values()) >= 20, tags
    for ch in ("04_vanishing_exploding_gradients", "05_lstm_gru", "06_deep_bidirectional",
               "07_machine_translation"):  # fmt: skip
        assert 1 in tags[ch].values() and 3 in tags[ch].values(), (ch, tags[ch])
