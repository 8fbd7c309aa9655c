"""d2lrnn.notebook.glue: MyST-NB's glue in the book build, the value alone without MyST-NB."""

import sys

import pytest

from d2lrnn.notebook import glue


def test_with_myst_nb_the_value_is_glued(monkeypatch):
    calls = []
    fake = type(sys)("myst_nb")
    fake.glue = lambda name, variable, display: calls.append((name, variable, display))
    monkeypatch.setitem(sys.modules, "myst_nb", fake)
    glue("ppl", 5.1, display=False)
    glue("speed", 2.0)
    assert calls == [("ppl", 5.1, False), ("speed", 2.0, True)]


def test_the_real_myst_nb_is_called_with_the_name_the_value_and_display(monkeypatch):
    myst_nb = pytest.importorskip("myst_nb")
    calls = []
    real = myst_nb.glue
    monkeypatch.setattr(myst_nb, "glue", lambda *a, **k: calls.append((a, k)) or real(*a, **k))
    glue("ppl", 5.1, display=False, seeds=3)  # outside a kernel MyST-NB records nothing
    glue("bleu", 13.35)
    assert calls == [(("ppl", 5.1, False), {}), (("bleu", 13.35, True), {})]


def test_without_myst_nb_the_value_is_shown_or_nothing(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "myst_nb", None)  # import myst_nb raises ModuleNotFoundError
    glue("ppl", 5.125, display=False)
    assert capsys.readouterr().out == ""
    glue("ppl", 5.125)
    assert capsys.readouterr().out.strip() == "5.125"


def test_a_broken_myst_nb_is_not_hidden(monkeypatch):
    fake = type(sys)("myst_nb")  # a module without glue: from myst_nb import glue fails
    monkeypatch.setitem(sys.modules, "myst_nb", fake)
    with pytest.raises(ImportError, match="glue"):
        glue("ppl", 5.1)
