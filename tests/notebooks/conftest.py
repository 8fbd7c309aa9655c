"""Fixtures shared by the notebook tests."""

from pathlib import Path

import nbformat
import pytest


@pytest.fixture(scope="session")
def executed() -> dict[Path, tuple[nbformat.NotebookNode, float]]:
    """Executed chapters, shared between tests so each chapter runs once per session."""
    return {}
