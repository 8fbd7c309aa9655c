"""Exercises in the built book: numbered, each with a folded solution whose executed output opens.

Every chapter has at least four exercises, each with a solution in a dropdown
that starts closed. Opening a coding exercise's solution shows the executed
cell's output: its self-check's verdict, "correct".
"""

from __future__ import annotations

import re

import pytest

from .test_book import CHAPTERS, load

SOLUTIONS = """() => Array.from(document.querySelectorAll('div.solution')).map(s => ({
    title: s.querySelector('.admonition-title').innerText.trim(),
    dropdown: s.classList.contains('dropdown'),
}))"""


@pytest.mark.parametrize("path", CHAPTERS)
def test_exercises_are_numbered_and_their_solutions_fold(page, site, path):
    load(page, site, path)
    number = page.locator("div.exercise .caption-number").all_inner_texts()
    assert len(number) >= 4, f"{path}: {len(number)} exercises"
    assert all(re.fullmatch(r"Exercise \d+\.\d+\s*", n) for n in number), number
    solutions = page.evaluate(SOLUTIONS)
    assert len(solutions) == len(number), (len(solutions), number)
    assert all(s["dropdown"] for s in solutions), solutions
    assert not page.problems, page.problems


@pytest.mark.parametrize("path", CHAPTERS)
def test_opening_a_solution_shows_its_executed_check(page, site, path):
    load(page, site, path)
    solutions = page.locator("div.solution")
    checked = 0
    for i in range(solutions.count()):
        solution = solutions.nth(i)
        body = solution.locator("section").first
        assert not body.is_visible(), f"{path}: solution {i + 1} is open before a click"
        solution.locator(".admonition-title").click()
        body.wait_for(state="visible", timeout=5_000)
        text = body.inner_text()
        assert "not yet" not in text, f"{path}: solution {i + 1} fails its own check:\n{text}"
        checked += bool(re.search(r"Exercise \d+\.\d+: correct\.", text))
    assert checked >= 2, f"{path}: only {checked} solutions show a passing self-check"
    assert not page.problems, page.problems
