"""Every chapter's page offers Binder and Colab, on the chapter's own notebook (no browser).

The launch buttons are links in the built pages (the theme's launch menu):
Binder opens the repository's environment (binder/) in JupyterLab; Colab
opens the chapter's ``.ipynb`` from GitHub, whose first cell installs what
Colab lacks. No JupyterHub button while ``launch_buttons.jupyterhub_url`` is
empty.
"""

import re
from pathlib import Path

import pytest
import yaml

from tests.notebooks.runner import ROOT, toc_chapters

HTML = ROOT / "_build" / "html"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPO = CONFIG["repository"]["url"].removeprefix("https://github.com/")
BRANCH = CONFIG["repository"]["branch"]


def links(page: Path) -> list[str]:
    return re.findall(r'href="([^"]+)"', page.read_text())


@pytest.mark.parametrize("chapter", toc_chapters(), ids=lambda p: p.stem)
def test_binder_and_colab_open_the_chapters_notebook(chapter):
    page = HTML / "chapters" / f"{chapter.stem}.html"
    assert page.exists(), f"{page} is missing: run `make book` first"
    hrefs = links(page)
    colab = f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/chapters/{chapter.name}"
    assert colab in hrefs, [h for h in hrefs if "colab" in h]
    binder = [h for h in hrefs if h.startswith("https://mybinder.org/v2/gh/")]
    assert binder and all(f"chapters/{chapter.name}" in h for h in binder), binder
    assert not CONFIG["launch_buttons"]["jupyterhub_url"]
    assert not [h for h in hrefs if "hub/user-redirect" in h]
