"""Exercises in the built book: numbered, each with a folded solution whose executed output opens.

Every chapter has at least four exercises, each with a solution in a dropdown
that starts closed. Opening the solutions shows the executed cells' output:
the verdict of every self-check the chapter registers, each "correct", and
no traceback.
"""

from __future__ import annotations

import re

import pytest

from d2lrnn.exercises.core import exercises

from .test_book import CHAPTERS, load

SOLUTIONS = """() => Array.from(document.querySelectorAll('div.solution')).map(s => ({
    title: s.querySelector('.admonition-title').innerText.trim(),
    dropdown: s.classList.contains('dropdown'),
}))"""


#: The chapter of each page's exercises ("3.1" is chapter 3's; the appendix's are numbered 8).
NUMBER = {path: i + 1 for i, path in enumerate(CHAPTERS)}
VERDICT = re.compile(r"Exercise (\d+\.\d+): (correct|not yet|not attempted yet)")


@pytest.mark.parametrize("path", CHAPTERS)
def test_exercises_are_numbered_fold_and_open_on_their_executed_checks(page, site, path):
    """One load of each chapter: its exercises are numbered, each solution is folded until
    a click, and opening them shows every registered check of the chapter passing (its
    executed output: "Exercise 3.1: correct."), no solution failing its check or raising."""
    load(page, site, path)
    number = page.locator("div.exercise .caption-number").all_inner_texts()
    assert len(number) >= 4, f"{path}: {len(number)} exercises"
    assert all(re.fullmatch(r"Exercise \d+\.\d+\s*", n) for n in number), number
    folded = page.evaluate(SOLUTIONS)
    assert len(folded) == len(number), (len(folded), number)
    assert all(s["dropdown"] for s in folded), folded
    solutions = page.locator("div.solution")
    verdicts: dict[str, str] = {}
    for i in range(solutions.count()):
        solution = solutions.nth(i)
        body = solution.locator("section").first
        assert not body.is_visible(), f"{path}: solution {i + 1} is open before a click"
        solution.locator(".admonition-title").click()
        body.wait_for(state="visible", timeout=5_000)
        output = "\n".join(body.locator(".cell_output").all_inner_texts())  # not the code
        assert "Traceback" not in output, f"{path}: solution {i + 1} raised:\n{output}"
        for key, verdict in VERDICT.findall(output):
            verdicts[key] = verdict
    # Every check the chapter registers is called by a solution, and says "correct".
    chapter = NUMBER[path]
    registered = sorted(k for k in exercises() if k.split(".")[0] == str(chapter))
    assert registered, f"{path}: no registered exercise checks for chapter {chapter}"
    assert sorted(verdicts) == registered, f"{path}: verdicts {verdicts}, checks {registered}"
    assert set(verdicts.values()) == {"correct"}, f"{path}: {verdicts}"
    assert not page.problems, page.problems
