"""The chapters' own code, for tests: find the cell that defines a name, and define it.

The chapters (``chapters/NN_name.md``, jupytext MyST notebooks) define the
book's plain models in code cells: chapter 3's ``RNN`` and
``rnn_lm_backward``, chapter 5's ``LSTM`` and ``GRU``, chapter 6's ``Deep``
and ``Bidirectional``. Tests load these definitions as the reader sees them,
without a Jupyter kernel::

    ns = define(3, ["RNN"], replace={"mnp.tanh(": "npx.relu("})  # a student's edit
    model = ns["RNN"](num_inputs, num_hiddens)

:func:`define` executes only the definitions themselves (the ``class`` or
``def`` statement and its decorators), not the rest of their cell, which
may train a model or print a table. A definition that uses another top-level
class or function of the same chapter (chapter 6's ``stack`` uses ``Deep``)
brings that definition along.
"""

from __future__ import annotations

import ast
import functools
import linecache
from collections.abc import Iterable
from pathlib import Path

import jupytext

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"


def chapter_path(chapter: int | str | Path) -> Path:
    """The ``.md`` file of a chapter: its number (``3``), its name's start (``"03"``,
    ``"03_rnn_from_scratch"``) or a path."""
    if isinstance(chapter, Path):
        path = chapter
    else:
        prefix = f"{chapter:02d}_" if isinstance(chapter, int) else str(chapter)
        matches = sorted(CHAPTERS.glob(f"{prefix.removesuffix('.md')}*.md"))
        if len(matches) != 1:
            raise ValueError(
                f"chapter {chapter!r} must name exactly one of chapters/*.md, matched "
                f"{[p.name for p in matches]}"
            )
        path = matches[0]
    if not path.is_file():
        raise ValueError(f"chapter {chapter!r}: no file {path}")
    return path


@functools.cache
def _code_cells(path: Path, mtime: float) -> tuple[str, ...]:
    notebook = jupytext.read(path)
    return tuple(c.source for c in notebook.cells if c.cell_type == "code")


def code_cells(chapter: int | str | Path) -> list[str]:
    """The source of every code cell of ``chapter``, in order."""
    path = chapter_path(chapter)
    return list(_code_cells(path, path.stat().st_mtime))


def _definitions(chapter) -> dict[str, tuple[int, str, ast.stmt]]:
    """Every top-level class and function of the chapter: name -> (cell index, cell, node).

    A cell that is not Python (an IPython magic, say) is skipped; a name
    defined twice is an error, since a test could not know which one it gets.
    """
    found: dict[str, tuple[int, str, ast.stmt]] = {}
    for index, source in enumerate(code_cells(chapter)):
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                if node.name in found:
                    raise ValueError(
                        f"{chapter_path(chapter).name} defines {node.name} twice, in code "
                        f"cells {found[node.name][0]} and {index}"
                    )
                found[node.name] = (index, source, node)
    return found


def _lookup(chapter, name: str) -> tuple[int, str, ast.stmt]:
    definitions = _definitions(chapter)
    if name not in definitions:
        raise LookupError(
            f"{chapter_path(chapter).name} defines no top-level class or function {name!r}; "
            f"it defines {sorted(definitions)}"
        )
    return definitions[name]


def cell_source(chapter: int | str | Path, name: str) -> str:
    """The source of the code cell that defines the top-level class or function ``name``."""
    return _lookup(chapter, name)[1]


def definition_source(chapter: int | str | Path, name: str) -> str:
    """The source of the ``class`` or ``def`` statement of ``name`` alone, decorators included."""
    _, source, node = _lookup(chapter, name)
    lines = source.splitlines(keepends=True)
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return "".join(lines[first - 1 : node.end_lineno])


def default_namespace() -> dict:
    """What the chapters' definitions use: the imports of the chapters' first cells."""
    import mxnet as mx
    import numpy as np
    from mxnet import autograd, gluon, init, npx
    from mxnet import np as mnp
    from mxnet.gluon import rnn

    import d2lrnn
    from d2lrnn import (
        batches,
        classifiers,
        deep,
        equivalence,
        generate,
        gradients,
        layers,
        lm,
        longrange,
        tasks,
        train,
        vanishing,
        weights,
    )

    return {
        "np": np,
        "mx": mx,
        "autograd": autograd,
        "gluon": gluon,
        "init": init,
        "npx": npx,
        "mnp": mnp,
        "rnn": rnn,
        "d2lrnn": d2lrnn,
        "batches": batches,
        "classifiers": classifiers,
        "deep": deep,
        "equivalence": equivalence,
        "generate": generate,
        "gradients": gradients,
        "layers": layers,
        "lm": lm,
        "longrange": longrange,
        "tasks": tasks,
        "train": train,
        "vanishing": vanishing,
        "weights": weights,
    }


def _needed(chapter, names: Iterable[str], given: dict) -> list[str]:
    """``names`` and the chapter's definitions they use (transitively), in the chapter's order."""
    definitions = _definitions(chapter)
    wanted, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in wanted:
            continue
        _lookup(chapter, name)  # raises for an unknown name
        wanted.add(name)
        node = definitions[name][2]
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and sub.id in definitions and sub.id not in given:
                todo.append(sub.id)
    return sorted(wanted, key=lambda n: (definitions[n][0], definitions[n][2].lineno))


def define(
    chapter: int | str | Path,
    names: str | Iterable[str],
    replace: dict[str, str] | None = None,
    namespace: dict | None = None,
) -> dict:
    """Execute the chapter's definitions of ``names`` and return the namespace holding them.

    ``replace`` maps exact strings of the definitions' source to their
    replacement (every occurrence is replaced), as a reader editing the cell
    would; a string that occurs in none of the executed definitions raises
    ``ValueError``. The namespace starts from :func:`default_namespace`
    and ``namespace`` (say ``{"V": 28}`` for a default argument, or another
    chapter's classes), and also gets the chapter's definitions that the named
    ones use.
    """
    names = [names] if isinstance(names, str) else list(names)
    if not names:
        raise ValueError("names must name at least one class or function")
    ns = default_namespace()
    ns.update(namespace or {})
    ns["__name__"] = f"chapter_{chapter_path(chapter).stem}"
    sources = {name: definition_source(chapter, name) for name in _needed(chapter, names, ns)}
    for old, new in (replace or {}).items():
        hits = [name for name, source in sources.items() if old in source]
        if not hits:
            raise ValueError(
                f"replace: {old!r} occurs in none of the definitions of {sorted(sources)} in "
                f"{chapter_path(chapter).name}"
            )
        for name in hits:
            sources[name] = sources[name].replace(old, new)
    for name, source in sources.items():
        filename = f"<{chapter_path(chapter).name}: {name}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        exec(compile(source, filename, "exec"), ns)  # noqa: S102
    return ns
