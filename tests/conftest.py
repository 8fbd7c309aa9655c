"""Test-wide settings, and the tests that need the real data files.

A test that reads The Time Machine or fra-eng carries ``@pytest.mark.needs_data`` (or
``needs_data("fra-eng.zip")`` for one file). Where ``$D2LRNN_DATA_DIR`` is unset and the
files are not in the download cache either, those tests are skipped, never downloaded
for, and the run ends with one line that says how many were skipped and how to run
them. Where ``$D2LRNN_DATA_DIR`` is set (``make test``, ``make unit``, .ci/run), they all
run. No test reaches the network: an unmarked test that tries to download fails and
says to mark it.
"""

# d2lrnn first: its compatibility layer must be in place before anything imports MXNet
# (with numpy >= 1.24, MXNet 1.9.1 imports only through it; see d2lrnn.compat).
import d2lrnn  # noqa: F401, I001
import os

import matplotlib
import pytest

from d2lrnn import data

# Unit tests draw without a screen; the notebook tests use the inline backend.
matplotlib.use("Agg")

DATA_FILES = ("timemachine.txt", "fra-eng.zip")
SKIP_PREFIX = "needs the data files: "


def _missing(names) -> list[str]:
    """The data files among ``names`` that a run could not read without downloading."""
    if os.environ.get(data.DATA_DIR_ENV):
        return []  # set: use it, and let a wrong folder fail loudly
    return [n for n in names if not (data.cache_dir() / n).is_file()]


def _why(missing: list[str]) -> str:
    return (
        f"{data.DATA_DIR_ENV} is not set and {' and '.join(missing)} "
        f"{'is' if len(missing) == 1 else 'are'} not in {data.cache_dir()}; set it to the "
        f"folder holding {' and '.join(DATA_FILES)}"
    )


def pytest_collection_modifyitems(config, items):
    for item in items:
        marker = item.get_closest_marker("needs_data")
        if marker is None:
            continue
        missing = _missing(marker.args or DATA_FILES)
        if missing:
            item.add_marker(pytest.mark.skip(reason=SKIP_PREFIX + _why(missing)))


@pytest.fixture(autouse=True)
def _no_network(request, monkeypatch):
    """A download from a test is a test that should carry ``needs_data``; fail it."""

    def urlopen(url, *args, **kwargs):
        pytest.fail(
            f"{request.node.nodeid} tried to download {url}: a test that needs the data "
            "files must be marked @pytest.mark.needs_data",
            pytrace=False,
        )

    monkeypatch.setattr(data.urllib.request, "urlopen", urlopen)


def pytest_terminal_summary(terminalreporter):
    skipped = [
        r
        for r in terminalreporter.stats.get("skipped", [])
        if isinstance(r.longrepr, tuple) and r.longrepr[2].startswith("Skipped: " + SKIP_PREFIX)
    ]
    if skipped:
        why = _why(_missing(DATA_FILES) or list(DATA_FILES))
        n = len(skipped)
        terminalreporter.write_line(
            f"{n} data-dependent test{'' if n == 1 else 's'} skipped: {why}"
        )
