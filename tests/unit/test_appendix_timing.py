"""The appendix's timing claims (issue 27): a difference inside the rounds' spread is a tie,
and every number and verdict its prose states about a timing is glued by a code cell.

The appendix times each version in interleaved rounds and reports the median with the
interquartile range (IQR); ``compare`` calls one version faster or slower than another only
when their IQRs do not overlap. The prose quotes those verdicts (glued words), never a
verdict of its own drawn from two medians.
"""

import re
import statistics

import pytest

from tests.chapter_code import chapter_path, code_cells, define

APPENDIX = "appendix_fast_layers"
TIE = "as fast (within the noise)"


@pytest.fixture(scope="module")
def ns() -> dict:
    return define(
        APPENDIX, ["quartiles", "spread", "compare"], namespace={"statistics": statistics}
    )


def test_overlapping_iqrs_are_a_tie_whichever_median_is_lower(ns):
    old = [10.0, 10.5, 11.0, 11.5, 12.0, 12.5, 13.0]  # median 11.5, IQR 10.5 to 12.5
    new = [9.0, 10.0, 10.4, 10.6, 11.0, 14.0, 20.0]  # median 10.6, IQR 10.0 to 14.0
    ratio, low, high, verdict = ns["compare"]({"new": new, "old": old}, "new", "old")
    assert ratio == pytest.approx(11.5 / 10.6) and ratio > 1  # the medians alone say "faster"
    assert low == pytest.approx(10.5 / 14.0) and high == pytest.approx(12.5 / 10.0)
    assert verdict == TIE


def test_separate_iqrs_give_faster_and_slower_and_one_bad_round_does_not_matter(ns):
    runs = {"fast": [10, 11, 12, 13, 14, 15, 16], "slow": [20, 21, 22, 23, 24, 25, 90]}
    ratio, low, high, verdict = ns["compare"](runs, "fast", "slow")
    assert (ratio, low, high, verdict) == (pytest.approx(23 / 13), 21 / 15, 25 / 11, "faster")
    assert ns["compare"](runs, "slow", "fast")[3] == "slower"
    assert ns["compare"](runs, "fast", "fast")[3] == TIE


def test_spread_is_the_median_and_the_iqr(ns):
    assert ns["spread"]([7, 1, 6, 2, 5, 3, 4]) == "4.0 ms (IQR 2.0 to 6.0)"
    assert ns["spread"]([0.3, 0.1, 0.2], 3) == "0.200 ms (IQR 0.100 to 0.300)"  # 3 rounds: min-max


def prose() -> str:
    """The appendix's markdown without its front matter and its code cells."""
    text = re.sub(r"^---\n.*?\n---\n", "", chapter_path(APPENDIX).read_text(), count=1, flags=re.S)
    return re.sub(r"```\{code-cell\}.*?```", " ", text, flags=re.S)


def test_every_name_the_prose_quotes_is_glued_by_a_code_cell():
    used = set(re.findall(r"\{glue:text\}`(\w+)", prose()))
    patterns = []  # glue(f"{key}_ms", ...) glues every name that fits \w+_ms
    for cell in code_cells(APPENDIX):
        for m in re.finditer(r'glue\(f?"([^"]+)"', cell):
            patterns.append(re.sub(r"\\\{[^}]*\\\}", r"\\w+", re.escape(m.group(1))))
    assert used and not [n for n in sorted(used) if not any(re.fullmatch(p, n) for p in patterns)]


def test_the_prose_types_no_timing_and_no_decimal_number():
    text = re.sub(r"\{[a-z:-]+\}`[^`]*`", " ", prose())  # roles: glue, ref, cite
    text = re.sub(r"\$\$.*?\$\$|\$[^$\n]+\$|`[^`]*`", " ", text, flags=re.S)  # maths, inline code
    text = re.sub(r"\bCheck \d+\.\d+|\d+\.\d+\.\d+", " ", text)  # exercise keys, versions
    assert not re.findall(r"\d+(?:\.\d+)?\s*(?:ms|milliseconds?|%)|\d+\.\d+", text)
