"""The built HTML book in headless Chromium, with no network but 127.0.0.1.

Every page of the table of contents must load with no console error, no
failed request and no request to another host; its math must be typeset and
its figures loaded; its images need alt text or a caption, its headings must
nest, and its widget controls need labels. A screenshot of each chapter goes
to ``test-output/browser/``. (The widgets' behaviour is in ``test_widgets.py``.)
"""

from __future__ import annotations

import pytest
import yaml

from .conftest import ROOT, SHOTS

TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())


def toc_pages() -> list[str]:
    """Every page of the book, in order, as paths relative to the site root (``.html``)."""
    pages = [TOC["root"]]
    for part in TOC.get("parts", []):
        pages += [c["file"] for c in part["chapters"]]
    return [f"{p}.html" for p in pages]


PAGES = toc_pages()
CHAPTERS = [p for p in PAGES if p.startswith("chapters/")]

# Text left over when math is not typeset: TeX delimiters and commands.
RAW_TEX = ["$$", "\\frac", "\\begin{", "\\mathbf", "\\partial", "\\odot", "\\sum_", "\\("]

# Reading the page as a reader sees it: prose only (no code, no typeset math).
VISIBLE_PROSE = """() => {
  const body = document.querySelector('main') || document.body;
  const copy = body.cloneNode(true);
  copy.querySelectorAll('pre, code, script, style, mjx-container, .highlight, .MathJax')
      .forEach(e => e.remove());
  return copy.innerText;
}"""


def load(page, site: str, path: str) -> None:
    """Open ``path``; wait for the page, MathJax and the widgets to finish."""
    page.goto(f"{site}/{path}", wait_until="load")
    page.evaluate(
        "() => window.MathJax && MathJax.startup && MathJax.startup.promise"
        " ? MathJax.startup.promise.then(() => true) : true"
    )
    # Widgets are rendered by the ipywidgets HTML manager after the page's load event.
    if page.locator("script[type='application/vnd.jupyter.widget-view+json']").count():
        page.wait_for_selector(".widget-slider, .widget-toggle-buttons", timeout=60_000)
    page.wait_for_load_state("networkidle")


IMAGES = """() => Array.from(document.querySelectorAll('main img')).map(img => ({
    src: img.currentSrc.slice(0, 80),
    loaded: img.complete && img.naturalWidth > 0,
    alt: (img.getAttribute('alt') || '').trim(),
    caption: !!(img.closest('figure') && img.closest('figure').querySelector('figcaption')),
}))"""

HEADINGS = """() => Array.from(document.querySelectorAll(
    'main article h1, main article h2, main article h3, main article h4, main article h5, '
    + 'main article h6')).map(h => Number(h.tagName[1]))"""

UNLABELED_CONTROLS = """() => Array.from(document.querySelectorAll(
      '.widget-slider, .widget-toggle-buttons, .widget-dropdown')).filter(w => {
    const label = w.querySelector('.widget-label');
    return !(label && label.innerText.trim()) && !w.getAttribute('aria-label');
}).map(w => w.className)"""


# Sliders whose track is too short to drag (a long label can squeeze it to nothing).
NARROW_SLIDERS = """() => Array.from(document.querySelectorAll('.widget-slider')).filter(w => {
    const track = w.querySelector('.noUi-target');
    return !track || track.getBoundingClientRect().width < 100;
}).map(w => (w.querySelector('.widget-label') || w).innerText)"""


@pytest.fixture(scope="module")
def visit(browser, site):
    """Load each page once (in a fresh context) and keep what the tests look at."""
    from .conftest import watch

    seen: dict = {}

    def facts(path: str) -> dict:
        if path not in seen:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            problems = watch(page, site)
            load(page, site, path)
            f = {
                "problems": problems,
                "title": page.title(),
                "prose": page.evaluate(VISIBLE_PROSE),
                "typeset": page.locator("mjx-container").count(),
                "images": page.evaluate(IMAGES),
                "headings": page.evaluate(HEADINGS),
                "unlabeled": page.evaluate(UNLABELED_CONTROLS),
                "narrow": page.evaluate(NARROW_SLIDERS),
            }
            if path in CHAPTERS:
                SHOTS.mkdir(parents=True, exist_ok=True)
                name = path.removeprefix("chapters/").removesuffix(".html")
                f["screenshot"] = SHOTS / f"{name}.png"
                page.screenshot(path=str(f["screenshot"]), full_page=True)
            context.close()
            seen[path] = f
        return seen[path]

    return facts


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_clean(visit, path):
    f = visit(path)
    assert not f["problems"], f"{path}: {f['problems']}"
    assert f["title"], f"{path} has no title"


@pytest.mark.parametrize("path", PAGES)
def test_math_is_typeset(visit, path):
    f = visit(path)
    raw = [t for t in RAW_TEX if t in f["prose"]]
    assert not raw, f"{path}: untypeset TeX in the text: {raw}"
    if path in CHAPTERS:
        assert f["typeset"] > 0, f"{path}: no typeset math"


@pytest.mark.parametrize("path", PAGES)
def test_every_figure_loads_and_is_described(visit, path):
    images = visit(path)["images"]
    broken = [i["src"] for i in images if not i["loaded"]]
    assert not broken, f"{path}: images that did not load: {broken}"
    undescribed = [i["src"] for i in images if not i["alt"] and not i["caption"]]
    assert not undescribed, f"{path}: images with neither alt text nor a caption: {undescribed}"


@pytest.mark.parametrize("path", PAGES)
def test_headings_nest(visit, path):
    levels = visit(path)["headings"]
    assert levels and levels[0] == 1 and levels.count(1) == 1, f"{path}: one h1 first: {levels}"
    jumps = [(a, b) for a, b in zip(levels, levels[1:]) if b > a + 1]
    assert not jumps, f"{path}: headings skip a level: {jumps} in {levels}"


@pytest.mark.parametrize("path", CHAPTERS)
def test_widget_controls_have_labels(visit, path):
    unlabeled = visit(path)["unlabeled"]
    assert not unlabeled, f"{path}: widget controls without a label: {unlabeled}"
    narrow = visit(path)["narrow"]
    assert not narrow, f"{path}: sliders with no room to drag: {narrow}"


@pytest.mark.parametrize("path", CHAPTERS)
def test_screenshot_is_saved(visit, path):
    shot = visit(path)["screenshot"]
    assert shot.stat().st_size > 10_000, shot


def test_search_finds_perplexity(page, site):
    page.goto(f"{site}/search.html?q=perplexity", wait_until="load")
    page.wait_for_selector("#search-results li", timeout=30_000)
    hits = page.locator("#search-results li a").evaluate_all("a => a.map(x => x.href)")
    assert any("chapters/02_text_and_language_models" in h for h in hits), hits
    assert any("chapters/03_rnn_from_scratch" in h for h in hits), hits
    assert not page.problems, page.problems
